// Tile (opset 6..17): repeats the input `repeats[i]` times along each dim (repeats must be a
// constant). Any type. Output dim i of size r*n is the row-major pair (repeat, position), so the
// whole op is one strided copy with a zero stride on every repeat dim.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, StridedView* v) {
  KILN_TRY(ctx.require_const(1, "repeats"));
  const Shape& in = ctx.in(0).shape;
  std::vector<int64_t> reps = ctx.in(1).to_ints();
  if (reps.size() != in.size())
    return ctx.invalid(fmt::format("repeats has {} values for rank {}", reps.size(), in.size()));
  const std::vector<int64_t> st = dense_strides(in);
  *v = StridedView();
  for (size_t i = 0; i < in.size(); ++i) {
    if (reps[i] < 0) return ctx.invalid("repeats must not be negative");
    v->dims.push_back(reps[i]);
    v->strides.push_back(0);
    v->dims.push_back(in[i]);
    v->strides.push_back(st[i]);
  }
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  StridedView v;
  KILN_TRY(resolve(ctx, &v));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape.clear();
  for (size_t i = 0; i < v.dims.size(); i += 2) y.shape.push_back(v.dims[i] * v.dims[i + 1]);
  y.shape_known = true;
  return Status::ok();
}

}  // namespace

using View = StridedViewOp<resolve>;
const OpDef kOp_Tile = {"Tile", 6, 17, infer, View::eval, View::emit, nullptr};

}  // namespace kiln
