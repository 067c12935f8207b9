// ReduceMean (opset 1..17): arithmetic mean over the `axes` attribute (all axes when absent).
// Float, double, int32, int64 (integer means truncate toward zero).
#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

const ReduceSchema kSchema = {/*axes_input_opset=*/18, reduce_numeric_type};

double reference(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

Status infer(OpCtx& ctx) { return reduce_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) { return reduce_eval(ctx, kSchema, reference); }

Status emit(OpCtx& ctx) { return reduce_emit(ctx, kSchema, "kiln::RedMean{}", /*real_acc=*/false); }

}  // namespace

const OpDef kOp_ReduceMean = {"ReduceMean", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
