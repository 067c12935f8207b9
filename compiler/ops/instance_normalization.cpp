// InstanceNormalization (opset 6..17): each [N, C] plane of X [N, C, ...] normalised by its own
// mean and variance, then y = scale[c] * x_hat + B[c]. Float32.
#include <cmath>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  for (size_t i = 0; i < 3; ++i) {
    if (!ctx.has_input(i)) return ctx.invalid("input, scale and B are required");
    if (ctx.in(i).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(i).dtype);
  }
  const Shape& xs = ctx.in(0).shape;
  if (xs.size() < 3) return ctx.invalid("input must be [N, C, d1, ...]");
  if (ctx.in(1).numel() != xs[1] || ctx.in(2).numel() != xs[1]) return ctx.invalid("scale and B must have C values");
  if (ctx.in(0).numel() == 0) return ctx.unsupported("empty inputs are not supported");
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = xs;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const Shape& xs = ctx.in(0).shape;
  const int64_t C = xs[1], planes = xs[0] * C, HW = ctx.in(0).numel() / planes;
  const double eps = ctx.node().attr_float("epsilon", 1e-5f);
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as_mut<float>();
  for (int64_t p = 0; p < planes; ++p) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < HW; ++i) m += x[p * HW + i];
    m /= static_cast<double>(HW);
    for (int64_t i = 0; i < HW; ++i) v += (x[p * HW + i] - m) * (x[p * HW + i] - m);
    v /= static_cast<double>(HW);
    for (int64_t i = 0; i < HW; ++i)
      y[p * HW + i] = static_cast<float>((x[p * HW + i] - m) / std::sqrt(v + eps) * ctx.in(1).as<float>()[p % C] +
                                         ctx.in(2).as<float>()[p % C]);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  ctx.include("kiln_norm.h");
  const Shape& xs = ctx.in(0).shape;
  ctx.w().line("kiln::instancenorm<{}, {}, {}>({}, {}, {}, {}, {});", xs[0], xs[1], ctx.in(0).numel() / (xs[0] * xs[1]),
               ctx.in_ptr(0), ctx.in_ptr(1), ctx.in_ptr(2), c_float(ctx.node().attr_float("epsilon", 1e-5f)),
               ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_InstanceNormalization = {"InstanceNormalization", 6, 17, infer, eval, emit, nullptr};

}  // namespace kiln
