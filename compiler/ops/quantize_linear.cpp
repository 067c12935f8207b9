// QuantizeLinear (opset 10..17): y = saturate(round(x / y_scale) + y_zero_point), rounding to
// nearest with ties to even, float division (as ONNX and onnxruntime). x float32; y int8, uint8,
// or int16 as opset 21 allows (kiln's --activations int16): the zero point's type, uint8 when it
// is absent. Per tensor, or per axis (1-D scale, opset 13+). Scale and zero point may be graph
// inputs. One of the two float-touching kernels of int8 inference (the model's input boundary);
// int32 inputs and float8 outputs are not supported.
#include <cmath>

#include "compiler/ops/quant_util.h"

namespace kiln {
namespace {

DType out_type(const OpCtx& ctx) { return ctx.has_input(2) ? ctx.in(2).dtype : DType::kUInt8; }

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(0).dtype);
  if (ctx.has_input(2) && !is_quant_type(ctx.in(2).dtype) && ctx.in(2).dtype != DType::kInt16)
    return ctx.unsupported_type(ctx.in(2).dtype);
  QAxis a;
  KILN_TRY(resolve_qaxis(ctx, 1, &a));
  KILN_TRY(check_qparam_shape(ctx, 1, 2, a.channels, "y"));
  Tensor& y = ctx.out(0);
  y.dtype = out_type(ctx);
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
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

Status eval(OpCtx& ctx) {
  QAxis a;
  KILN_TRY(resolve_qaxis(ctx, 1, &a));
  const float* x = ctx.in(0).as<float>();
  const float* s = ctx.in(1).as<float>();
  Tensor& y = ctx.out(0);
  const int64_t lo = dtype_min(y.dtype), hi = dtype_max(y.dtype);
  for (int64_t i = 0; i < y.numel(); ++i) {
    const int64_t c = (i / a.inner) % a.channels;
    const int32_t z = ctx.has_input(2) ? int_elem(ctx.in(2), c) : 0;
    float v = x[i] / s[c];  // float division, as the kernel
    v = v > static_cast<float>(lo - z) ? v : static_cast<float>(lo - z);
    v = v < static_cast<float>(hi - z) ? v : static_cast<float>(hi - z);
    const int32_t q = static_cast<int32_t>(round_half_even(v)) + z;
    if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[i] = static_cast<int8_t>(q);
    else if (y.dtype == DType::kInt16) y.as_mut<int16_t>()[i] = static_cast<int16_t>(q);
    else y.as_mut<uint8_t>()[i] = static_cast<uint8_t>(q);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  QAxis a;
  KILN_TRY(resolve_qaxis(ctx, 1, &a));
  const Tensor& y = ctx.out(0);
  ctx.include("kiln_int8.h");
  // Without an FPU, per tensor into 8 bits with constant parameters: 255 thresholds and a binary
  // search on the float's bits (runtime/kiln_int8_nodsp.h), the same values as the float kernel.
  if (ctx.has_target() && !ctx.target().has_fpu_sp() && a.channels == 1 && y.dtype != DType::kInt16 &&
      qparam_is_const(ctx, 1, 2)) {
    const int32_t z = ctx.has_input(2) ? static_cast<int32_t>(int_elem(ctx.in(2), 0)) : 0;
    const float s = ctx.in(1).as<float>()[0];
    if (s > 0.0f && std::isfinite(s)) {
      ctx.include("kiln_int8_nodsp.h");
      const std::string t = ctx.add_const(
          ctx.node().name + "_thresholds",
          int32_tensor(ctx.node().name + "_thresholds", quantize_thresholds(s, z, dtype_min(y.dtype), dtype_max(y.dtype))));
      ctx.w().line("kiln::quantize_thresholds<{}>({}, {}, {});", y.numel(), ctx.in_ptr(0), t, ctx.out_ptr(0));
      return Status::ok();
    }
  }
  if (y.dtype == DType::kInt16) ctx.include("kiln_int16.h");
  std::string zp = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const uint8_t*>(nullptr)";
  const char* kernel = y.dtype == DType::kInt16 ? "quantize16" : "quantize";
  ctx.w().line("kiln::{}<{}, {}, {}>({}, {}, {}, {});", kernel, y.numel(), a.channels, a.inner, ctx.in_ptr(0),
               ctx.in_ptr(1), zp, ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_QuantizeLinear = {"QuantizeLinear", 10, 17, infer, eval, emit, nullptr};

}  // namespace kiln
