// DequantizeLinear (opset 10..17): y = (x - x_zero_point) * x_scale in float32. x int8, uint8, int16
// (activations of --activations int16) or int32 (biases); per tensor, or per axis (1-D scale, opset 13+). Scale and zero point may be
// graph inputs. The output boundary of int8 inference.
//
// When it folds a constant (weights, biases), the float result keeps the scale and zero point in
// Tensor::quant: passes/fold_qdq reads the integers back exactly from there.
#include "compiler/ops/quant_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  const DType xt = ctx.in(0).dtype;
  if (!is_quant_type(xt) && xt != DType::kInt16 && xt != DType::kInt32) return ctx.unsupported_type(xt);
  if (ctx.has_input(2) && ctx.in(2).dtype != xt) return ctx.invalid("x_zero_point must have x's type");
  QAxis a;
  KILN_TRY(resolve_qaxis(ctx, 1, &a));
  KILN_TRY(check_qparam_shape(ctx, 1, 2, a.channels, "x"));
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  QAxis a;
  KILN_TRY(resolve_qaxis(ctx, 1, &a));
  const Tensor& x = ctx.in(0);
  const float* s = ctx.in(1).as<float>();
  Tensor& y = ctx.out(0);
  for (int64_t i = 0; i < y.numel(); ++i) {
    const int64_t c = (i / a.inner) % a.channels;
    const int32_t z = ctx.has_input(2) ? int_elem(ctx.in(2), c) : 0;
    y.as_mut<float>()[i] = static_cast<float>(int_elem(x, i) - z) * s[c];
  }
  y.quant = QuantParams{};
  if (qparam_is_const(ctx, 1, 2)) {
    QParam q;
    KILN_TRY(read_qparam(ctx, 1, 2, a.channels, &q));
    y.quant.scale = q.scale;
    y.quant.zero_point = q.zero_point;
    y.quant.axis = static_cast<int>(a.axis);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  QAxis a;
  KILN_TRY(resolve_qaxis(ctx, 1, &a));
  const Tensor& x = ctx.in(0);
  ctx.include("kiln_int8.h");
  std::string zp = ctx.has_input(2) ? ctx.in_ptr(2) : fmt::format("static_cast<const {}*>(nullptr)", dtype_c_name(x.dtype));
  ctx.w().line("kiln::dequantize<{}, {}, {}>({}, {}, {}, {});", x.numel(), a.channels, a.inner, ctx.in_ptr(0),
               ctx.in_ptr(1), zp, ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_DequantizeLinear = {"DequantizeLinear", 10, 17, infer, eval, emit, nullptr};

}  // namespace kiln
