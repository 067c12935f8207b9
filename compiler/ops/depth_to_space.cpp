// DepthToSpace (opset 1..17): NCHW, blocksize b; mode DCR (default) or CRD (opset 11). Any type.
// It is a reshape to 6-D, a transpose and a reshape back, so one strided copy.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, StridedView* v, Shape* out) {
  const Shape& in = ctx.in(0).shape;
  if (in.size() != 4) return ctx.invalid("input must be 4-D (NCHW)");
  const int64_t b = ctx.node().attr_int("blocksize", 0);
  const std::string mode = ctx.node().attr_string("mode", "DCR");
  if (b <= 0 || in[1] % (b * b)) return ctx.invalid(fmt::format("blocksize {} does not divide C={}", b, in[1]));
  const int64_t n = in[0], c = in[1] / (b * b), h = in[2], w = in[3];
  if (mode == "DCR") *v = permuted_view({n, b, b, c, h, w}, {0, 3, 4, 1, 5, 2});
  else if (mode == "CRD") *v = permuted_view({n, c, b, b, h, w}, {0, 1, 4, 2, 5, 3});
  else return ctx.invalid(fmt::format("unknown mode '{}'", mode));
  *out = {n, c, h * b, w * b};
  return Status::ok();
}

}  // namespace

using View = ReshapedViewOp<resolve>;
const OpDef kOp_DepthToSpace = {"DepthToSpace", 1, 17, View::infer, View::eval, View::emit, nullptr};

}  // namespace kiln
