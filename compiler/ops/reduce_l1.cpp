// ReduceL1 (opset 1..17): sum of absolute values over the `axes` attribute (all axes when absent).
// Float, double, int32, int64.
#include <algorithm>
#include <cmath>

#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

const ReduceSchema kSchema = {/*axes_input_opset=*/18, reduce_numeric_type};

double reference(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::fabs(x);
  return s;
}

Status infer(OpCtx& ctx) { return reduce_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) { return reduce_eval(ctx, kSchema, reference); }

Status emit(OpCtx& ctx) { return reduce_emit(ctx, kSchema, "kiln::RedL1{}", /*real_acc=*/false); }

}  // namespace

const OpDef kOp_ReduceL1 = {"ReduceL1", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
