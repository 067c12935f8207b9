// Sin (opset 7..17): y = sin(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::sin(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpSin{}"); }

}  // namespace

const OpDef kOp_Sin = {"Sin", 7, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
