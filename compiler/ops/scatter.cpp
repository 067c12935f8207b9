// Scatter (opset 9..10, deprecated in 11 for ScatterElements, whose semantics it has without a
// reduction): y = data with updates written at the positions `indices` selects along `axis`.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(check_elements(ctx, ctx.in(0).shape, ctx.in(1).shape, &axis));
  if (ctx.in(2).shape != ctx.in(1).shape) return ctx.invalid("updates must have the indices' shape");
  if (ctx.in(2).dtype != ctx.in(0).dtype) return ctx.invalid("updates must have the data's type");
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) { return eval_scatter_elements(ctx, "none"); }
Status emit(OpCtx& ctx) { return emit_scatter_elements(ctx, "none"); }

}  // namespace

const OpDef kOp_Scatter = {"Scatter", 9, 10, infer, eval, emit, nullptr};

}  // namespace kiln
