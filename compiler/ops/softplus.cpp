// Softplus (opset 1..17): y = log(1 + exp(x)), computed so that large x does not overflow.
// Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) {
    return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
  });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpSoftplus{}"); }

}  // namespace

const OpDef kOp_Softplus = {"Softplus", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
