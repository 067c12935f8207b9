// Add (opset 1..17): y = a + b with numpy broadcasting (before opset 7: the legacy broadcast /
// axis attributes, see operand_shape). Float, double and integers (integers wrap); no
// float16/bfloat16.
#include <functional>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return binary_infer(ctx, kNumericTypes); }

Status eval(OpCtx& ctx) {
  return binary_eval<kNumericTypes>(ctx, [](auto a, auto b) { return wrapping(a, b, std::plus<>()); });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpAdd{}"); }

}  // namespace

const OpDef kOp_Add = {"Add", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
