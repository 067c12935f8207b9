// Transpose (opset 1..17): output dim k is input dim perm[k] (default: reversed dims). Any type.
// Emitted as one strided copy; dims that stay adjacent are merged, so e.g. NCHW -> NHWC is a
// 3-D copy.
#include <algorithm>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, StridedView* v) {
  const Shape& in = ctx.in(0).shape;
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<int64_t> perm(in.size());
  for (int64_t i = 0; i < r; ++i) perm[static_cast<size_t>(i)] = r - 1 - i;
  perm = ctx.node().attr_ints("perm", perm);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool ok = sorted.size() == in.size();
  for (size_t i = 0; ok && i < sorted.size(); ++i) ok = sorted[i] == static_cast<int64_t>(i);
  if (!ok) return ctx.invalid(fmt::format("perm [{}] is not a permutation of {} dims", fmt::join(perm, ", "), r));
  *v = permuted_view(in, perm);
  return Status::ok();
}

}  // namespace

using View = StridedViewOp<resolve>;
const OpDef kOp_Transpose = {"Transpose", 1, 17, View::infer, View::eval, View::emit, nullptr};

}  // namespace kiln
