// LRN (opset 1..17): local response normalization across channels of X [N, C, ...]:
// y = x / (bias + alpha / size * sum of x^2 over channels [c - (size-1)/2, c + size/2])^beta.
// Float32.
#include <cmath>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

struct LrnAttrs {
  int64_t size;
  float alpha, beta, bias;
};

LrnAttrs attrs(OpCtx& ctx) {
  const Node& n = ctx.node();
  return {n.attr_int("size", 0), n.attr_float("alpha", 1e-4f), n.attr_float("beta", 0.75f), n.attr_float("bias", 1.0f)};
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(0).dtype);
  if (attrs(ctx).size <= 0) return ctx.invalid("size must be positive");
  const Shape& xs = ctx.in(0).shape;
  if (xs.size() < 2) return ctx.invalid("X must be [N, C, ...]");
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = xs;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const LrnAttrs a = attrs(ctx);
  const Shape& xs = ctx.in(0).shape;
  if (ctx.in(0).numel() == 0) return Status::ok();
  const int64_t N = xs[0], C = xs[1], HW = ctx.in(0).numel() / (N * C);
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as_mut<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) {
        double s = 0;
        for (int64_t k = c - (a.size - 1) / 2; k <= c + a.size / 2; ++k)
          if (k >= 0 && k < C) s += static_cast<double>(x[(n * C + k) * HW + i]) * x[(n * C + k) * HW + i];
        y[(n * C + c) * HW + i] = static_cast<float>(
            x[(n * C + c) * HW + i] / std::pow(a.bias + static_cast<double>(a.alpha) / static_cast<double>(a.size) * s, a.beta));
      }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  const LrnAttrs a = attrs(ctx);
  const Shape& xs = ctx.in(0).shape;
  if (ctx.in(0).numel() == 0) {
    ctx.w().line("// empty tensor: no code");
    return Status::ok();
  }
  ctx.include("kiln_norm.h");
  ctx.w().line("kiln::lrn<{}, {}, {}, {}>({}, {}, {}, {}, {});", xs[0], xs[1], ctx.in(0).numel() / (xs[0] * xs[1]),
               a.size, ctx.in_ptr(0), c_float(a.alpha), c_float(a.beta), c_float(a.bias), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_LRN = {"LRN", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
