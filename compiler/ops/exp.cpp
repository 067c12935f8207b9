// Exp (opset 1..17): y = exp(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::exp(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpExp{}"); }

}  // namespace

const OpDef kOp_Exp = {"Exp", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
