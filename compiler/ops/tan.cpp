// Tan (opset 7..17): y = tan(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::tan(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpTan{}"); }

}  // namespace

const OpDef kOp_Tan = {"Tan", 7, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
