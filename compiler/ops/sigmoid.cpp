// Sigmoid (opset 1..17): y = 1 / (1 + exp(-x)). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return 1 / (1 + std::exp(-v)); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpSigmoid{}"); }

}  // namespace

const OpDef kOp_Sigmoid = {"Sigmoid", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
