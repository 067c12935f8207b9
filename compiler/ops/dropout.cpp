// Dropout (opset 1..17), inference only: y = x, and the optional mask is all true (bool from
// opset 10, the input's type before). Training mode (is_test=0 before opset 7 is read as
// inference, as every runtime does; a constant training_mode=true from opset 12) is rejected.
// Any type. A view when the mask is unused.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

bool has_mask(OpCtx& ctx) { return ctx.has_output(1); }

Status infer(OpCtx& ctx) {
  if (ctx.opset() >= 12 && ctx.has_input(2)) {
    KILN_TRY(ctx.require_const(2, "training_mode"));
    if (ctx.in(2).numel() != 1) return ctx.invalid("training_mode must be a scalar");
    if (ctx.in(2).int_at(0) != 0) return ctx.unsupported("training_mode=true (random dropout) is not supported");
  }
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  if (has_mask(ctx)) {
    Tensor& m = ctx.out(1);
    m.dtype = ctx.opset() >= 10 ? DType::kBool : ctx.in(0).dtype;
    m.shape = ctx.in(0).shape;
    m.shape_known = true;
  }
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  KILN_TRY(eval_copy_bytes(ctx));
  if (has_mask(ctx)) {
    dispatch_dtype(ctx.out(1).dtype, [&](auto tag) {
      using T = decltype(tag);
      T* m = ctx.out(1).as_mut<T>();
      for (int64_t i = 0; i < ctx.out(1).numel(); ++i) m[i] = T(1);
    });
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  KILN_TRY(emit_view_or_copy(ctx));
  if (has_mask(ctx) && ctx.out(1).numel() > 0) {
    ctx.include("kiln_shape.h");
    const char* T = dtype_c_name(ctx.out(1).dtype);
    ctx.w().line("kiln::fill<{}, {}>({}, {}(1));", T, ctx.out(1).numel(), ctx.out_ptr(1), T);
  }
  return Status::ok();
}

}  // namespace

const OpDef kOp_Dropout = {"Dropout", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
