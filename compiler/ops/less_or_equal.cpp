// LessOrEqual (opset 12..17): y = a <= b with numpy broadcasting, a bool tensor. Float, double and
// integers (no float16/bfloat16).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return binary_infer(ctx, kNumericTypes, DType::kBool); }

Status eval(OpCtx& ctx) {
  return compare_eval<kNumericTypes>(ctx, [](auto a, auto b) { return a <= b; });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpLessOrEqual{}"); }

}  // namespace

const OpDef kOp_LessOrEqual = {"LessOrEqual", 12, 17, infer, eval, emit, nullptr};

}  // namespace kiln
