// Add (opset 7..17): y = a + b with numpy broadcasting; any numeric type.
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype == DType::kBool) return ctx.unsupported_type(DType::kBool);
  return broadcast_infer(ctx);
}

Status eval(OpCtx& ctx) {
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    binary_eval_typed<T, T>(ctx, [](T a, T b) { return static_cast<T>(a + b); });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpAdd{}"); }


}  // namespace

const OpDef kOp_Add = {"Add", 7, 17, infer, eval, emit, nullptr};

}  // namespace kiln
