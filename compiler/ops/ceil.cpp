// Ceil (opset 1..17): y = ceil(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::ceil(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpCeil{}"); }

}  // namespace

const OpDef kOp_Ceil = {"Ceil", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
