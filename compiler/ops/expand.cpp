// Expand (opset 8..17): broadcasts the input against a constant `shape` (numpy rules in both
// directions, so the output may keep input dims where shape has 1). Any type. Emitted as a
// strided copy with zero strides on broadcast dims.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, StridedView* v) {
  KILN_TRY(ctx.require_const(1, "shape"));
  const Shape& in = ctx.in(0).shape;
  Shape want = ctx.in(1).to_ints(), out;
  for (int64_t d : want)
    if (d < 0) return ctx.invalid(fmt::format("shape has negative dim {}", d));
  if (!broadcast_shapes(in, want, &out))
    return ctx.invalid(fmt::format("cannot expand {} to {}", shape_str(in), shape_str(want)));
  v->dims = out;
  v->strides = broadcast_strides(in, out);
  v->offset = 0;
  return Status::ok();
}

}  // namespace

using View = StridedViewOp<resolve>;
const OpDef kOp_Expand = {"Expand", 8, 17, View::infer, View::eval, View::emit, nullptr};

}  // namespace kiln
