// Not (opset 1..17): y = !x on bool tensors.
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(check_input_types(ctx, kBoolType));
  return unary_infer(ctx);
}

Status eval(OpCtx& ctx) {
  unary_eval_typed<bool, bool>(ctx, [](bool v) { return !v; });
  return Status::ok();
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpNot{}"); }

}  // namespace

const OpDef kOp_Not = {"Not", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
