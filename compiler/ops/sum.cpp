// Sum (opset 1..17): elementwise sum of one or more inputs with numpy broadcasting (before opset 8
// they had equal shapes, which broadcasting covers). Float and double (the ONNX set without
// float16/bfloat16).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(check_input_types(ctx, kFloatTypes));
  return broadcast_infer(ctx);
}

Status eval(OpCtx& ctx) {
  return binary_eval<kFloatTypes>(ctx, [](auto a, auto b) { return a + b; });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpAdd{}"); }

}  // namespace

const OpDef kOp_Sum = {"Sum", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
