// ReduceLogSum (opset 1..17): log of the sum over the `axes` attribute (all axes when absent).
// Float and double.
#include <algorithm>
#include <cmath>

#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

const ReduceSchema kSchema = {/*axes_input_opset=*/18, reduce_real_type};

double reference(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return std::log(s);
}

Status infer(OpCtx& ctx) { return reduce_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) { return reduce_eval(ctx, kSchema, reference); }

Status emit(OpCtx& ctx) { return reduce_emit(ctx, kSchema, "kiln::RedLogSum{}", /*real_acc=*/true); }

}  // namespace

const OpDef kOp_ReduceLogSum = {"ReduceLogSum", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
