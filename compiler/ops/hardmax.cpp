// Hardmax (opset 1..17): 1 at the first maximum along `axis`, 0 elsewhere. Opset 13 works along
// one axis (default -1); earlier opsets coerce the input to 2-D at `axis` (default 1) and take
// the maximum over the flattened tail. Float and double.
#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

template <typename T>
void hardmax_ref(const T* x, T* y, const ReduceAxisView& v) {
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t k) { return (o * v.n + k) * v.inner + i; };
      int64_t best = 0;
      for (int64_t k = 1; k < v.n; ++k)
        if (x[at(k)] > x[at(best)]) best = k;
      for (int64_t k = 0; k < v.n; ++k) y[at(k)] = k == best ? T(1) : T(0);
    }
}

Status eval(OpCtx& ctx) {
  ReduceAxisView v;
  KILN_TRY(softmax_view(ctx, &v));
  if (ctx.in(0).dtype == DType::kFloat64)
    hardmax_ref(ctx.in(0).as<double>(), ctx.out(0).as_mut<double>(), v);
  else
    hardmax_ref(ctx.in(0).as<float>(), ctx.out(0).as_mut<float>(), v);
  return Status::ok();
}

Status emit(OpCtx& ctx) { return softmax_emit(ctx, "hardmax"); }

}  // namespace

const OpDef kOp_Hardmax = {"Hardmax", 1, 17, softmax_infer, eval, emit, nullptr};

}  // namespace kiln
