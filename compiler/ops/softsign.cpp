// Softsign (opset 1..17): y = x / (1 + |x|). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return v / (1 + std::abs(v)); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpSoftsign{}"); }

}  // namespace

const OpDef kOp_Softsign = {"Softsign", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
