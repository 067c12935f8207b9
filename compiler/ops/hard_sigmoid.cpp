// HardSigmoid (opset 1..17): y = max(0, min(1, alpha * x + beta)), alpha 0.2 and beta 0.5 by
// default. Float and double (no float16/bfloat16).
#include <algorithm>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

float alpha(const OpCtx& ctx) { return ctx.node().attr_float("alpha", 0.2f); }
float beta(const OpCtx& ctx) { return ctx.node().attr_float("beta", 0.5f); }

Status eval(OpCtx& ctx) {
  const float a = alpha(ctx), b = beta(ctx);
  return unary_eval<kFloatTypes>(ctx, [a, b](auto v) {
    using T = decltype(v);
    return std::clamp(T(a) * v + T(b), T(0), T(1));
  });
}

Status emit(OpCtx& ctx) {
  return unary_emit(ctx, fmt::format("kiln::OpHardSigmoid{{{}, {}}}", c_float(alpha(ctx)), c_float(beta(ctx))));
}

}  // namespace

const OpDef kOp_HardSigmoid = {"HardSigmoid", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
