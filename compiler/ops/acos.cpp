// Acos (opset 7..17): y = acos(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::acos(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpAcos{}"); }

}  // namespace

const OpDef kOp_Acos = {"Acos", 7, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
