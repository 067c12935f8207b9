#include "compiler/ops/qint16.h"

#include <cmath>

namespace kiln {

QuantMultiplier quantize_multiplier16(double m) {
  QuantMultiplier q = quantize_multiplier(m);
  if (q.mult == 0) return q;
  q.mult = q.mult < 0x7FFF0000 ? (q.mult + (1 << 15)) >> 16 : 0x7FFF;
  return q;
}

int64_t requant16(int64_t x, QuantMultiplier q) {
  const int total = 15 - q.shift;
  const int64_t p = x * static_cast<int64_t>(q.mult);
  const int64_t half = (int64_t(1) << (total - 1)) - 1 + ((p >> total) & 1);
  return (p + half) >> total;
}

int16_t clamp16(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int16_t>(v < lo ? lo : (v > hi ? hi : v));
}

void include_int16(OpCtx& ctx) {
  ctx.include("kiln_int8.h");
  ctx.include("kiln_int16.h");
}

Status read_scale16(const OpCtx& ctx, size_t i, float* s) {
  QParam q;
  KILN_TRY(read_qparam(ctx, i, static_cast<size_t>(-1), 1, &q));
  *s = q.s(0);
  return Status::ok();
}

Status check_multipliers16(const OpCtx& ctx, const std::vector<QuantMultiplier>& m) {
  for (const auto& q : m)
    if (q.shift > 14) return ctx.unsupported("a requantization multiplier of 2^14 or more");
  return Status::ok();
}

Status weighted_multipliers16(const OpCtx& ctx, int64_t channels, float* sx, float* sy, std::vector<QuantMultiplier>* m) {
  KILN_TRY(read_scale16(ctx, 1, sx));
  KILN_TRY(read_scale16(ctx, 4, sy));
  QParam w;
  KILN_TRY(read_qparam(ctx, 3, static_cast<size_t>(-1), channels, &w));
  m->clear();
  for (int64_t c = 0; c < channels; ++c) m->push_back(quantize_multiplier16(static_cast<double>(*sx) * w.s(c) / *sy));
  return check_multipliers16(ctx, *m);
}

void set_output16(OpCtx& ctx, const Shape& s, float y_scale) {
  Tensor& y = ctx.out(0);
  y.dtype = DType::kInt16;
  y.shape = s;
  y.shape_known = true;
  y.quant = QuantParams{{y_scale}, {0}, -1};
}

// Multipliers fit int16 (at most 0x7FFF after the reduction) and shifts int8.
std::string emit_multipliers16(OpCtx& ctx, const std::vector<QuantMultiplier>& m) {
  auto table = [&](const std::string& name, DType t) {
    Tensor r;
    r.name = name;
    r.dtype = t;
    r.shape = {static_cast<int64_t>(m.size())};
    r.shape_known = true;
    r.is_const = true;
    r.alloc();
    for (size_t i = 0; i < m.size(); ++i) {
      if (t == DType::kInt16) r.as_mut<int16_t>()[i] = static_cast<int16_t>(m[i].mult);
      else r.as_mut<int8_t>()[i] = static_cast<int8_t>(m[i].shift);
    }
    return ctx.add_const(name, r);
  };
  const std::string& nm = ctx.node().name;
  const std::string ms = table(nm + "_mult", DType::kInt16);
  return ms + ", " + table(nm + "_shift", DType::kInt8);
}

std::string bias_arg16(OpCtx& ctx, size_t i) {
  return ctx.has_input(i) ? ctx.in_ptr(i) : "static_cast<const int32_t*>(nullptr)";
}

Status check_bias16(const OpCtx& ctx, size_t i, int64_t n) {
  if (!ctx.has_input(i)) return Status::ok();
  const Tensor& b = ctx.in(i);
  if ((b.dtype != DType::kInt32 && b.dtype != DType::kInt64) || b.numel() != n || !b.is_const)
    return ctx.invalid(fmt::format("B must be a constant int32 or int64 tensor of {} elements", n));
  return Status::ok();
}

}  // namespace kiln
