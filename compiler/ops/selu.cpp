// Selu (opset 1..17): y = gamma * (x > 0 ? x : alpha * exp(x) - alpha), with ONNX's default
// alpha 1.6732632 and gamma 1.0507010. Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

float alpha(const OpCtx& ctx) { return ctx.node().attr_float("alpha", 1.67326319217681884765625f); }
float gamma(const OpCtx& ctx) { return ctx.node().attr_float("gamma", 1.05070102214813232421875f); }

Status eval(OpCtx& ctx) {
  const float a = alpha(ctx), g = gamma(ctx);
  return unary_eval<kFloatTypes>(ctx, [a, g](auto v) {
    using T = decltype(v);
    return T(g) * (v > 0 ? v : T(a) * std::exp(v) - T(a));
  });
}

Status emit(OpCtx& ctx) {
  return unary_emit(ctx, fmt::format("kiln::OpSelu{{{}, {}}}", c_float(alpha(ctx)), c_float(gamma(ctx))));
}

}  // namespace

const OpDef kOp_Selu = {"Selu", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
