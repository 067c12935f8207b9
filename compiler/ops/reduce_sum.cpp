// ReduceSum (opset 1..17): sum over `axes` (an attribute before opset 13, an input from opset 13,
// with noop_with_empty_axes); no axes means all axes. Float, double, int32, int64. An axes input
// that is not a compile-time constant is refused (E0207).
#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

const ReduceSchema kSchema = {/*axes_input_opset=*/13, reduce_numeric_type};

double reference(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

Status infer(OpCtx& ctx) { return reduce_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) { return reduce_eval(ctx, kSchema, reference); }

Status emit(OpCtx& ctx) { return reduce_emit(ctx, kSchema, "kiln::RedSum{}", /*real_acc=*/false); }

}  // namespace

const OpDef kOp_ReduceSum = {"ReduceSum", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
