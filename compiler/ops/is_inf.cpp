// IsInf (opset 10..17): y = x is +inf (if detect_positive) or -inf (if detect_negative), a bool
// tensor. Float and double.
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

bool negative(const OpCtx& ctx) { return ctx.node().attr_int("detect_negative", 1) != 0; }
bool positive(const OpCtx& ctx) { return ctx.node().attr_int("detect_positive", 1) != 0; }

Status infer(OpCtx& ctx) {
  KILN_TRY(unary_float_infer(ctx));
  ctx.out(0).dtype = DType::kBool;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const bool neg = negative(ctx), pos = positive(ctx);
  dispatch_types<kFloatTypes>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    unary_eval_typed<T, bool>(ctx, [&](T v) { return std::isinf(v) && (v < 0 ? neg : pos); });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  return unary_emit(ctx, fmt::format("kiln::OpIsInf{{{}, {}}}", negative(ctx), positive(ctx)));
}

}  // namespace

const OpDef kOp_IsInf = {"IsInf", 10, 17, infer, eval, emit, nullptr};

}  // namespace kiln
