// GlobalMaxPool (opset 1..17): the maximum of each [N, C] plane over all spatial dims, any
// rank >= 3; the output keeps the spatial dims as 1s. Float32 and float64.
#include <algorithm>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return global_pool_infer(ctx); }

Status eval(OpCtx& ctx) {
  const Tensor& x = ctx.in(0);
  const int64_t planes = x.shape[0] * x.shape[1], hw = planes ? x.numel() / planes : 0;
  dispatch_dtype(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t c = 0; c < planes; ++c) {
      T m = x.as<T>()[c * hw];
      for (int64_t i = 1; i < hw; ++i) m = std::max(m, x.as<T>()[c * hw + i]);
      ctx.out(0).as_mut<T>()[c] = m;
    }
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) { return global_pool_emit(ctx, "kiln::global_maxpool"); }

}  // namespace

const OpDef kOp_GlobalMaxPool = {"GlobalMaxPool", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
