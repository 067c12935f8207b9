// Sqrt (opset 1..17): y = sqrt(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::sqrt(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpSqrt{}"); }

}  // namespace

const OpDef kOp_Sqrt = {"Sqrt", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
