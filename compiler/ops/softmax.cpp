// Softmax (opset 1..17): exp(x - max) / sum(exp(x - max)) along `axis`. Opset 13 normalises
// along one axis (default -1); earlier opsets coerce the input to 2-D at `axis` (default 1) and
// normalise over the flattened tail. Float and double.
#include <algorithm>
#include <cmath>

#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

template <typename T>
void softmax_ref(const T* x, T* y, const ReduceAxisView& v) {
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t k) { return (o * v.n + k) * v.inner + i; };
      double m = x[at(0)], s = 0;
      for (int64_t k = 0; k < v.n; ++k) m = std::max<double>(m, x[at(k)]);
      for (int64_t k = 0; k < v.n; ++k) s += std::exp(x[at(k)] - m);
      for (int64_t k = 0; k < v.n; ++k) y[at(k)] = static_cast<T>(std::exp(x[at(k)] - m) / s);
    }
}

Status eval(OpCtx& ctx) {
  ReduceAxisView v;
  KILN_TRY(softmax_view(ctx, &v));
  if (ctx.in(0).dtype == DType::kFloat64)
    softmax_ref(ctx.in(0).as<double>(), ctx.out(0).as_mut<double>(), v);
  else
    softmax_ref(ctx.in(0).as<float>(), ctx.out(0).as_mut<float>(), v);
  return Status::ok();
}

Status emit(OpCtx& ctx) { return softmax_emit(ctx, "softmax"); }

}  // namespace

const OpDef kOp_Softmax = {"Softmax", 1, 17, softmax_infer, eval, emit, nullptr};

}  // namespace kiln
