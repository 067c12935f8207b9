// com.microsoft QLinearSoftmax (contrib opset 1): Softmax of a per-tensor quantized X (int8 or
// uint8) along `axis`, quantized to y_scale / y_zero_point (Y has X's type). The `opset`
// attribute says whose Softmax: before 13 the input is coerced to 2-D at `axis` (default 1),
// from 13 on the softmax runs along that one axis (default -1). Computed in integers only
// (runtime/kiln_int8_lut.h qsoftmax): a 256-entry exp table at x_scale, one 64-bit division per
// element. Within one step of float Softmax -> QuantizeLinear.
#include <cmath>
#include <cstring>

#include "compiler/ops/quant_util.h"

namespace kiln {
namespace {

struct Geometry {
  int64_t outer = 1, n = 1, inner = 1;
  QParam x, y;
};

Status resolve(OpCtx& ctx, Geometry* g) {
  const Shape& s = ctx.in(0).shape;
  const int64_t opset = ctx.node().attr_int("opset", 13);
  const int64_t rank = static_cast<int64_t>(s.size());
  int64_t axis = ctx.node().attr_int("axis", opset < 13 ? 1 : -1);
  if (axis < 0) axis += rank;
  if (rank == 0 || axis < 0 || axis >= rank) return ctx.invalid("axis out of range");
  for (int64_t i = 0; i < axis; ++i) g->outer *= s[static_cast<size_t>(i)];
  if (opset < 13) {
    for (int64_t i = axis; i < rank; ++i) g->n *= s[static_cast<size_t>(i)];
  } else {
    g->n = s[static_cast<size_t>(axis)];
    for (int64_t i = axis + 1; i < rank; ++i) g->inner *= s[static_cast<size_t>(i)];
  }
  if (g->n > 65535) return ctx.unsupported("softmax over more than 65535 elements");
  KILN_TRY(read_qparam(ctx, 1, 2, 1, &g->x));
  KILN_TRY(read_qparam(ctx, 3, 4, 1, &g->y));
  if (g->y.s(0) < 1.0f / (1 << 20)) return ctx.unsupported("y_scale below 2^-20");
  return Status::ok();
}

std::vector<uint32_t> exp_table(float sx) {
  std::vector<uint32_t> t(256);
  for (int d = 0; d < 256; ++d) t[static_cast<size_t>(d)] = static_cast<uint32_t>(std::lround(65536.0 * std::exp(-static_cast<double>(sx) * d)));
  return t;
}

uint64_t reciprocal(float sy) { return static_cast<uint64_t>(std::llround(65536.0 / static_cast<double>(sy))); }

Status infer(OpCtx& ctx) {
  const DType t = ctx.in(0).dtype;
  if (!is_quant_type(t)) return ctx.unsupported_type(t);
  for (size_t zi : {2, 4})
    if (ctx.has_input(zi) && ctx.in(zi).dtype != t) return ctx.invalid("zero points must have X's type");
  Geometry g;
  KILN_TRY(resolve(ctx, &g));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  y.quant = QuantParams{};
  y.quant.scale = g.y.scale;
  y.quant.zero_point = g.y.zero_point;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Geometry g;
  KILN_TRY(resolve(ctx, &g));
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  const auto table = exp_table(g.x.s(0));
  const uint64_t r = reciprocal(g.y.s(0));
  const int32_t lo = static_cast<int32_t>(dtype_min(y.dtype)), hi = static_cast<int32_t>(dtype_max(y.dtype));
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t in = 0; in < g.inner; ++in) {
      auto at = [&](int64_t k) { return o * g.n * g.inner + k * g.inner + in; };
      int32_t m = int_elem(x, at(0));
      for (int64_t k = 1; k < g.n; ++k) m = std::max(m, int_elem(x, at(k)));
      uint32_t sum = 0;
      for (int64_t k = 0; k < g.n; ++k) sum += table[static_cast<size_t>(m - int_elem(x, at(k)))];
      const uint64_t den = static_cast<uint64_t>(sum) << 16;
      for (int64_t k = 0; k < g.n; ++k) {
        const uint64_t q = (static_cast<uint64_t>(table[static_cast<size_t>(m - int_elem(x, at(k)))]) * r + den / 2) / den;
        const int32_t v = std::max(lo, std::min(hi, g.y.z(0) + static_cast<int32_t>(std::min<uint64_t>(q, 65535))));
        if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[at(k)] = static_cast<int8_t>(v);
        else y.as_mut<uint8_t>()[at(k)] = static_cast<uint8_t>(v);
      }
    }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Geometry g;
  KILN_TRY(resolve(ctx, &g));
  const auto table = exp_table(g.x.s(0));
  Tensor t;
  t.dtype = DType::kUInt32;
  t.shape = {256};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  std::memcpy(t.data.data(), table.data(), t.data.size());
  const std::string tname = ctx.add_const(ctx.node().name + "_exp", t);
  ctx.include("kiln_int8_lut.h");
  ctx.w().line("kiln::qsoftmax<{}, {}, {}>({}, {}, {}ull, {}, {}, {}, {});", g.outer, g.n, g.inner, ctx.in_ptr(0), tname,
               reciprocal(g.y.s(0)), g.y.z(0), dtype_min(ctx.out(0).dtype), dtype_max(ctx.out(0).dtype), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_QLinearSoftmax = {"com.microsoft.QLinearSoftmax", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
