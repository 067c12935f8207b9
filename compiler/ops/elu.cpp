// Elu (opset 1..17): y = x < 0 ? alpha * (exp(x) - 1) : x, alpha defaults to 1. Float and double
// (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

float alpha(const OpCtx& ctx) { return ctx.node().attr_float("alpha", 1.0f); }

Status eval(OpCtx& ctx) {
  const float a = alpha(ctx);
  return unary_eval<kFloatTypes>(ctx, [a](auto v) {
    using T = decltype(v);
    return v < 0 ? T(a) * (std::exp(v) - 1) : v;
  });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, fmt::format("kiln::OpElu{{{}}}", c_float(alpha(ctx)))); }

}  // namespace

const OpDef kOp_Elu = {"Elu", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
