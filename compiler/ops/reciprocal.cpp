// Reciprocal (opset 1..17): y = 1 / x. Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return 1 / v; });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpReciprocal{}"); }

}  // namespace

const OpDef kOp_Reciprocal = {"Reciprocal", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
