// kiln.QAdd16 (kiln's own op, domain "kiln"): Y = A + B (numpy broadcasting) with A, B and Y int16,
// zero point 0 (TFLite's int16 Add): both inputs are brought to twice the larger input scale
// with 15 bits of headroom, summed and requantized to y_scale; a fused Relu/Clip (kiln_act)
// narrows the clamp. Inputs: A, a_scale, B, b_scale, y_scale. passes/fold_qdq makes it from
// DQ(int16), DQ(int16) -> Add -> Q(int16) (runtime/kiln_int16.h QAdd16).
#include <algorithm>

#include "compiler/ops/elementwise.h"
#include "compiler/ops/qint16.h"

namespace kiln {
namespace {

struct Params {
  QuantMultiplier ma, mb, my;
  int32_t lo = 0, hi = 0;
};

Status params(OpCtx& ctx, Params* p) {
  float sa, sb, sy;
  KILN_TRY(read_scale16(ctx, 1, &sa));
  KILN_TRY(read_scale16(ctx, 3, &sb));
  KILN_TRY(read_scale16(ctx, 4, &sy));
  const double twice_max = 2.0 * std::max(sa, sb);
  p->ma = quantize_multiplier(sa / twice_max);
  p->mb = quantize_multiplier(sb / twice_max);
  p->my = quantize_multiplier(twice_max / ((1 << 15) * static_cast<double>(sy)));
  quant_output_range(ctx.node(), DType::kInt16, sy, 0, &p->lo, &p->hi);
  return Status::ok();
}

int16_t apply(const Params& p, int32_t a, int32_t b) {
  const int32_t xa = multiply_by_quantized_multiplier(a * (1 << 15), p.ma);
  const int32_t xb = multiply_by_quantized_multiplier(b * (1 << 15), p.mb);
  return clamp16(multiply_by_quantized_multiplier(xa + xb, p.my), p.lo, p.hi);
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kInt16) return ctx.unsupported_type(ctx.in(0).dtype);
  if (ctx.in(2).dtype != DType::kInt16) return ctx.unsupported_type(ctx.in(2).dtype);
  Shape s;
  if (!broadcast_shapes(ctx.in(0).shape, ctx.in(2).shape, &s))
    return ctx.invalid(fmt::format("{} and {} do not broadcast", shape_str(ctx.in(0).shape), shape_str(ctx.in(2).shape)));
  Params p;
  KILN_TRY(params(ctx, &p));
  // |xa + xb| < 2^30: a multiplier below 2 keeps the product within int32.
  if (p.my.shift > 1) return ctx.unsupported("y_scale far below the input scales");
  float sy;
  KILN_TRY(read_scale16(ctx, 4, &sy));
  set_output16(ctx, s, sy);
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Params p;
  KILN_TRY(params(ctx, &p));
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(2);
  Tensor& y = ctx.out(0);
  for_each_broadcast(a.shape, b.shape, y.shape, [&](int64_t ia, int64_t ib, int64_t iy) {
    y.as_mut<int16_t>()[iy] = apply(p, static_cast<int32_t>(a.int_at(ia)), static_cast<int32_t>(b.int_at(ib)));
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Params p;
  KILN_TRY(params(ctx, &p));
  include_int16(ctx);
  const std::string f = fmt::format("kiln::QAdd16<{}, {}, {}>{{{}, {}, {}, {}, {}}}", p.ma.shift, p.mb.shift, p.my.shift,
                                    p.ma.mult, p.mb.mult, p.my.mult, p.lo, p.hi);
  emit_binary(ctx, ctx.in(0), ctx.in_ptr(0), ctx.in(2), ctx.in_ptr(2), ctx.out(0), ctx.out_ptr(0), f);
  return Status::ok();
}

}  // namespace

const OpDef kOp_QAdd16 = {"kiln.QAdd16", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
