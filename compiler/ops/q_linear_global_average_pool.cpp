// com.microsoft QLinearGlobalAveragePool (contrib opset 1): the mean of each NCHW plane of
// quantized X (int8/uint8), requantized to y_scale / y_zero_point (Y has X's type and shape
// [N, C, 1, ...]). Constant per-tensor scales; one fixed-point multiplier x_scale / (y_scale *
// plane size). channels_last=1 is not supported.
#include "compiler/ops/quant_util.h"

namespace kiln {
namespace {

struct Pool {
  int64_t planes, size;
  QParam x, y;
};

Status resolve(OpCtx& ctx, Pool* p) {
  if (ctx.node().attr_int("channels_last", 0) != 0) return ctx.unsupported("channels_last=1 is not supported");
  const Shape& xs = ctx.in(0).shape;
  if (xs.size() < 3) return ctx.invalid("X must have rank 3 or more");
  p->planes = xs[0] * xs[1];
  p->size = shape_numel(Shape(xs.begin() + 2, xs.end()));
  if (p->size == 0) return ctx.invalid("empty planes");
  KILN_TRY(read_qparam(ctx, 1, 2, 1, &p->x));
  KILN_TRY(read_qparam(ctx, 3, 4, 1, &p->y));
  return Status::ok();
}

QuantMultiplier multiplier(const Pool& p) {
  return quantize_multiplier(static_cast<double>(p.x.s(0)) / (static_cast<double>(p.y.s(0)) * static_cast<double>(p.size)));
}

Status infer(OpCtx& ctx) {
  const DType t = ctx.in(0).dtype;
  if (!is_quant_type(t)) return ctx.unsupported_type(t);
  for (size_t zi : {2, 4})
    if (ctx.has_input(zi) && ctx.in(zi).dtype != t) return ctx.invalid("zero points must have X's type");
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = ctx.in(0).shape;
  for (size_t i = 2; i < y.shape.size(); ++i) y.shape[i] = 1;
  y.shape_known = true;
  y.quant = QuantParams{};
  y.quant.scale = p.y.scale;
  y.quant.zero_point = p.y.zero_point;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  int32_t lo, hi;
  quant_output_range(ctx.node(), y.dtype, p.y.s(0), p.y.z(0), &lo, &hi);
  const QuantMultiplier q = multiplier(p);
  for (int64_t c = 0; c < p.planes; ++c) {
    int32_t acc = 0;
    for (int64_t i = 0; i < p.size; ++i) acc += int_elem(x, c * p.size + i);
    acc -= p.x.z(0) * static_cast<int32_t>(p.size);
    const int32_t v = std::max(lo, std::min(hi, p.y.z(0) + multiply_by_quantized_multiplier(acc, q)));
    if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[c] = static_cast<int8_t>(v);
    else y.as_mut<uint8_t>()[c] = static_cast<uint8_t>(v);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  int32_t lo, hi;
  quant_output_range(ctx.node(), ctx.out(0).dtype, p.y.s(0), p.y.z(0), &lo, &hi);
  const QuantMultiplier q = multiplier(p);
  ctx.include("kiln_int8.h");
  if (ctx.target().has_dsp) ctx.include("kiln_int8_fast.h");
  ctx.w().line("kiln::{}<{}, {}>({}, {}, {}, kiln::RequantPerTensor<{}, {}>{{{}, {}, {}, {}}});",
               ctx.target().has_dsp ? "qglobal_avgpool_fast" : "qglobal_avgpool", p.planes,
               p.size, ctx.in_ptr(0), p.x.z(0), ctx.out_ptr(0), dtype_c_name(ctx.out(0).dtype), q.shift, q.mult,
               p.y.z(0), lo, hi);
  return Status::ok();
}

}  // namespace

const OpDef kOp_QLinearGlobalAveragePool = {"com.microsoft.QLinearGlobalAveragePool", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
