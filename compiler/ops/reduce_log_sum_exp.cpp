// ReduceLogSumExp (opset 1..17): log(sum(exp(x))) over the `axes` attribute (all axes when
// absent), computed as max + log(sum(exp(x - max))) so large inputs do not overflow. Float and
// double.
#include <algorithm>
#include <cmath>

#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

const ReduceSchema kSchema = {/*axes_input_opset=*/18, reduce_real_type};

double reference(const std::vector<double>& v) {
  double m = v[0];
  for (double x : v) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

Status infer(OpCtx& ctx) { return reduce_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) { return reduce_eval(ctx, kSchema, reference); }

Status emit(OpCtx& ctx) { return reduce_emit(ctx, kSchema, "kiln::RedLogSumExp{}", /*real_acc=*/true); }

}  // namespace

const OpDef kOp_ReduceLogSumExp = {"ReduceLogSumExp", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
