// Relu (opset 1..17): y = max(x, 0). Float, double and signed integers (opset 14 adds ints).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  DType t = ctx.in(0).dtype;
  if (!dtype_is_signed(t)) return ctx.unsupported_type(t);
  return unary_infer(ctx);
}

Status eval(OpCtx& ctx) {
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    unary_eval_typed<T, T>(ctx, [](T v) { return v < T(0) ? T(0) : v; });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpRelu{}"); }

}  // namespace

const OpDef kOp_Relu = {"Relu", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
