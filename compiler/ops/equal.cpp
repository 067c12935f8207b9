// Equal (opset 1..17): y = a == b with numpy broadcasting (before opset 7: the legacy broadcast /
// axis attributes, see operand_shape), a bool tensor. Float, double, integers and bool (no
// float16/bfloat16/string).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return binary_infer(ctx, kAllTypes, DType::kBool); }

Status eval(OpCtx& ctx) {
  return compare_eval<kAllTypes>(ctx, [](auto a, auto b) { return a == b; });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpEqual{}"); }

}  // namespace

const OpDef kOp_Equal = {"Equal", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
