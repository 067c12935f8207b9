// LeakyRelu (opset 1..17): y = x < 0 ? alpha * x : x, alpha defaults to 0.01. Float and double
// (no float16/bfloat16).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

float alpha(const OpCtx& ctx) { return ctx.node().attr_float("alpha", 0.01f); }

Status eval(OpCtx& ctx) {
  const float a = alpha(ctx);
  return unary_eval<kFloatTypes>(ctx, [a](auto v) {
    using T = decltype(v);
    return v < 0 ? T(a) * v : v;
  });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, fmt::format("kiln::OpLeakyRelu{{{}}}", c_float(alpha(ctx)))); }

}  // namespace

const OpDef kOp_LeakyRelu = {"LeakyRelu", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
