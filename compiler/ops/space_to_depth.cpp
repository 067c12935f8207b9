// SpaceToDepth (opset 1..17): NCHW, blocksize b dividing H and W. Any type. A reshape to 6-D, a
// transpose and a reshape back, so one strided copy.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, StridedView* v, Shape* out) {
  const Shape& in = ctx.in(0).shape;
  if (in.size() != 4) return ctx.invalid("input must be 4-D (NCHW)");
  const int64_t b = ctx.node().attr_int("blocksize", 0);
  if (b <= 0 || in[2] % b || in[3] % b)
    return ctx.invalid(fmt::format("blocksize {} does not divide H={} and W={}", b, in[2], in[3]));
  const int64_t n = in[0], c = in[1], h = in[2] / b, w = in[3] / b;
  *v = permuted_view({n, c, h, b, w, b}, {0, 3, 5, 1, 2, 4});
  *out = {n, c * b * b, h, w};
  return Status::ok();
}

}  // namespace

using View = ReshapedViewOp<resolve>;
const OpDef kOp_SpaceToDepth = {"SpaceToDepth", 1, 17, View::infer, View::eval, View::emit, nullptr};

}  // namespace kiln
