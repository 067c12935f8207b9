// Slice (opset 1..17): starts/ends/axes as attributes before opset 10, and starts, ends and the
// optional axes and steps as inputs from 10 (they must be compile-time constants). Negative
// indices count from the end, steps may be negative, and out-of-range bounds are clamped as the
// spec says. Any type. Emitted as one strided copy.
#include <algorithm>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, StridedView* v) {
  const Node& n = ctx.node();
  const Shape& in = ctx.in(0).shape;
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset() < 10) {
    starts = n.attr_ints("starts");
    ends = n.attr_ints("ends");
    axes = n.attr_ints("axes");
  } else {
    KILN_TRY(ctx.require_const(1, "starts"));
    KILN_TRY(ctx.require_const(2, "ends"));
    starts = ctx.in(1).to_ints();
    ends = ctx.in(2).to_ints();
    if (ctx.has_input(3)) {
      KILN_TRY(ctx.require_const(3, "axes"));
      axes = ctx.in(3).to_ints();
    }
    if (ctx.has_input(4)) {
      KILN_TRY(ctx.require_const(4, "steps"));
      steps = ctx.in(4).to_ints();
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return ctx.invalid("starts, ends, axes and steps must have the same length");
  std::vector<int64_t> st = dense_strides(in);
  v->dims = in;
  v->strides = st;
  v->offset = 0;
  std::vector<bool> seen(in.size(), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = axes[i];
    if (!normalize_axis(&a, r)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, r));
    const size_t ax = static_cast<size_t>(a);
    if (seen[ax]) return ctx.invalid(fmt::format("axis {} is repeated", a));
    seen[ax] = true;
    const int64_t d = in[ax], step = steps[i];
    if (step == 0) return ctx.invalid("steps must not be 0");
    int64_t b = starts[i], e = ends[i];
    if (b < 0) b += d;
    if (e < 0) e += d;
    int64_t len = 0;
    if (d == 0) {
      // nothing to take
    } else if (step > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      len = e > b ? (e - b - 1) / step + 1 : 0;
    } else {
      b = std::clamp<int64_t>(b, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      len = b > e ? (b - e - 1) / -std::max<int64_t>(step, -d) + 1 : 0;  // no overflow for INT64_MIN
    }
    v->dims[ax] = len;
    v->strides[ax] = len > 1 ? st[ax] * step : 0;  // a huge step only ever takes one element
    if (len > 0) v->offset += b * st[ax];
  }
  return Status::ok();
}

}  // namespace

using View = StridedViewOp<resolve>;
const OpDef kOp_Slice = {"Slice", 1, 17, View::infer, View::eval, View::emit, nullptr};

}  // namespace kiln
