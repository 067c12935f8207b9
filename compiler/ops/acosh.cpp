// Acosh (opset 9..17): y = acosh(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::acosh(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpAcosh{}"); }

}  // namespace

const OpDef kOp_Acosh = {"Acosh", 9, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
