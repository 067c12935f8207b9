// Size (opset 1..17): the input's element count as an int64 scalar. Only the (always known)
// shape is read, so the op always folds and is never emitted.
#include "compiler/ops/op.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  Tensor& y = ctx.out(0);
  y.dtype = DType::kInt64;
  y.shape = {};
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  ctx.out(0).as_mut<int64_t>()[0] = ctx.in(0).numel();
  return Status::ok();
}

}  // namespace

const OpDef kOp_Size = {"Size", 1, 17, infer, eval, nullptr, nullptr};

}  // namespace kiln
