// Shape (opset 1..17): the input's dims as int64 (start/end slicing from opset 15). Always a
// compile-time constant, so it is folded and never emitted.
#include <algorithm>

#include "compiler/ops/op.h"

namespace kiln {
namespace {

void range(OpCtx& ctx, int64_t* b, int64_t* e) {
  int64_t r = static_cast<int64_t>(ctx.in(0).shape.size());
  *b = ctx.node().attr_int("start", 0);
  *e = ctx.node().attr_int("end", r);
  if (*b < 0) *b += r;
  if (*e < 0) *e += r;
  *b = std::clamp<int64_t>(*b, 0, r);
  *e = std::clamp<int64_t>(*e, *b, r);
}

Status infer(OpCtx& ctx) {
  int64_t b, e;
  range(ctx, &b, &e);
  Tensor& y = ctx.out(0);
  y.dtype = DType::kInt64;
  y.shape = {e - b};
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  int64_t b, e;
  range(ctx, &b, &e);
  for (int64_t i = b; i < e; ++i) ctx.out(0).as_mut<int64_t>()[i - b] = ctx.in(0).shape[static_cast<size_t>(i)];
  return Status::ok();
}

}  // namespace

// Shape only needs its input's type, which is always known: eval runs even when the input is
// an activation (see fold note in compiler/ops/infer.cpp).
const OpDef kOp_Shape = {"Shape", 1, 17, infer, eval, nullptr, nullptr};

}  // namespace kiln
