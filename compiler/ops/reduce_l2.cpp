// ReduceL2 (opset 1..17): Euclidean norm over the `axes` attribute (all axes when absent). Float,
// double, int32, int64 (integers accumulate in double; the result truncates).
#include <algorithm>
#include <cmath>

#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

const ReduceSchema kSchema = {/*axes_input_opset=*/18, reduce_numeric_type};

double reference(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

Status infer(OpCtx& ctx) { return reduce_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) { return reduce_eval(ctx, kSchema, reference); }

Status emit(OpCtx& ctx) { return reduce_emit(ctx, kSchema, "kiln::RedL2{}", /*real_acc=*/true); }

}  // namespace

const OpDef kOp_ReduceL2 = {"ReduceL2", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
