// Flatten (opset 1..17): [d0 .. d(axis-1)] x [d(axis) .. d(r-1)] as a 2-D tensor; axis may be
// negative (opset 11) and equal to the rank. Any type. A view: no code once passes/alias_views
// has run.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  const Shape& in = ctx.in(0).shape;
  const int64_t r = static_cast<int64_t>(in.size());
  int64_t axis = ctx.node().attr_int("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", axis, r));
  const size_t a = static_cast<size_t>(axis);
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = {dims_product(in, 0, a), dims_product(in, a, in.size())};
  y.shape_known = true;
  return Status::ok();
}

}  // namespace

const OpDef kOp_Flatten = {"Flatten", 1, 17, infer, eval_copy_bytes, emit_view_or_copy, nullptr};

}  // namespace kiln
