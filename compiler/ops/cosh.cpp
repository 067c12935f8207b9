// Cosh (opset 9..17): y = cosh(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::cosh(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpCosh{}"); }

}  // namespace

const OpDef kOp_Cosh = {"Cosh", 9, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
