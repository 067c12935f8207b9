// Neg (opset 1..17): y = -x. Float, double and signed integers (the ONNX set, no float16/bfloat16).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(check_input_types(ctx, kSignedTypes));
  return unary_infer(ctx);
}

Status eval(OpCtx& ctx) {
  return unary_eval<kSignedTypes>(ctx, [](auto v) { return -v; });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpNeg{}"); }

}  // namespace

const OpDef kOp_Neg = {"Neg", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
