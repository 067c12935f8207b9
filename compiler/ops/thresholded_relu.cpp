// ThresholdedRelu (opset 10..17): y = x > alpha ? x : 0, alpha defaults to 1. Float and double
// (no float16/bfloat16).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

float alpha(const OpCtx& ctx) { return ctx.node().attr_float("alpha", 1.0f); }

Status eval(OpCtx& ctx) {
  const float a = alpha(ctx);
  return unary_eval<kFloatTypes>(ctx, [a](auto v) {
    using T = decltype(v);
    return v > T(a) ? v : T(0);
  });
}

Status emit(OpCtx& ctx) {
  return unary_emit(ctx, fmt::format("kiln::OpThresholdedRelu{{{}}}", c_float(alpha(ctx))));
}

}  // namespace

const OpDef kOp_ThresholdedRelu = {"ThresholdedRelu", 10, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
