// Celu (opset 12..17): y = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), alpha defaults to 1.
// Float and double (ONNX itself defines it for float only).
#include <algorithm>
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

float alpha(const OpCtx& ctx) { return ctx.node().attr_float("alpha", 1.0f); }

Status infer(OpCtx& ctx) {
  if (alpha(ctx) == 0.0f) return ctx.invalid("alpha must not be 0");
  return unary_float_infer(ctx);
}

Status eval(OpCtx& ctx) {
  const float a = alpha(ctx);
  return unary_eval<kFloatTypes>(ctx, [a](auto v) {
    using T = decltype(v);
    return std::max(T(0), v) + std::min(T(0), T(a) * (std::exp(v / T(a)) - 1));
  });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, fmt::format("kiln::OpCelu{{{}}}", c_float(alpha(ctx)))); }

}  // namespace

const OpDef kOp_Celu = {"Celu", 12, 17, infer, eval, emit, nullptr};

}  // namespace kiln
