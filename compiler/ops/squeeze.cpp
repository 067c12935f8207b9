// Squeeze (opset 1..17): removes the listed unit dims (axes attribute before opset 13, an input
// from 13; negative axes from 11), or every unit dim when no axes are given. Any type. A view.
#include <algorithm>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  const Shape& in = ctx.in(0).shape;
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  bool given;
  KILN_TRY(ints_attr_or_input(ctx, "axes", 1, 13, &axes, &given));
  std::vector<bool> drop(in.size(), false);
  if (!given) {
    for (size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1;
  }
  for (int64_t a : axes) {
    if (!normalize_axis(&a, r)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, r));
    if (in[static_cast<size_t>(a)] != 1)
      return ctx.invalid(fmt::format("cannot squeeze axis {} of size {}", a, in[static_cast<size_t>(a)]));
    drop[static_cast<size_t>(a)] = true;
  }
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape.clear();
  for (size_t i = 0; i < in.size(); ++i)
    if (!drop[i]) y.shape.push_back(in[i]);
  y.shape_known = true;
  return Status::ok();
}

}  // namespace

const OpDef kOp_Squeeze = {"Squeeze", 1, 17, infer, eval_copy_bytes, emit_view_or_copy, nullptr};

}  // namespace kiln
