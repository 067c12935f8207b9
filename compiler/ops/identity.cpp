// Identity (opset 1..17): y = x, tensors of any type (optional and sequence types, opset 14/16,
// are rejected at import). A view, or a copy when the output must own its bytes.
#include "compiler/ops/op.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

}  // namespace

const OpDef kOp_Identity = {"Identity", 1, 17, infer, eval_copy_bytes, emit_view_or_copy, nullptr};

}  // namespace kiln
