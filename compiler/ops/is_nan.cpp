// IsNaN (opset 9..17): y = x is NaN, a bool tensor. Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(unary_float_infer(ctx));
  ctx.out(0).dtype = DType::kBool;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  dispatch_types<kFloatTypes>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    unary_eval_typed<T, bool>(ctx, [](T v) { return std::isnan(v); });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpIsNaN{}"); }

}  // namespace

const OpDef kOp_IsNaN = {"IsNaN", 9, 17, infer, eval, emit, nullptr};

}  // namespace kiln
