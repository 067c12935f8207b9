// Unsqueeze (opset 1..17): inserts unit dims at the listed output positions (axes attribute
// before opset 13, a required input from 13; negative axes from 11, counted against the output
// rank). Any type. A view.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  const Shape& in = ctx.in(0).shape;
  std::vector<int64_t> axes;
  bool given;
  KILN_TRY(ints_attr_or_input(ctx, "axes", 1, 13, &axes, &given));
  if (!given) return ctx.invalid("axes are required");
  const int64_t r = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> unit(static_cast<size_t>(r), false);
  for (int64_t a : axes) {
    if (!normalize_axis(&a, r)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, r));
    if (unit[static_cast<size_t>(a)]) return ctx.invalid(fmt::format("axis {} is repeated", a));
    unit[static_cast<size_t>(a)] = true;
  }
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape.clear();
  size_t k = 0;
  for (size_t i = 0; i < unit.size(); ++i) y.shape.push_back(unit[i] ? 1 : in[k++]);
  y.shape_known = true;
  return Status::ok();
}

}  // namespace

const OpDef kOp_Unsqueeze = {"Unsqueeze", 1, 17, infer, eval_copy_bytes, emit_view_or_copy, nullptr};

}  // namespace kiln
