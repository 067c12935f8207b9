// And (opset 1..17): y = a && b with numpy broadcasting (before opset 7: the legacy broadcast /
// axis attributes, see operand_shape), a bool tensor. Bool.
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return binary_infer(ctx, kBoolType, DType::kBool); }

Status eval(OpCtx& ctx) {
  return compare_eval<kBoolType>(ctx, [](auto a, auto b) { return a && b; });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpAnd{}"); }

}  // namespace

const OpDef kOp_And = {"And", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
