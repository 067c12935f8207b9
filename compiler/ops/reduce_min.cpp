// ReduceMin (opset 1..17): minimum over the `axes` attribute (all axes when absent). Float, double,
// int32, int64, int8, uint8.
#include <algorithm>

#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

// ReduceMax/ReduceMin-12 add 8-bit integers (quantized graphs reduce them directly).
bool accepts(DType t) { return reduce_numeric_type(t) || t == DType::kInt8 || t == DType::kUInt8; }

const ReduceSchema kSchema = {/*axes_input_opset=*/18, accepts};

double reference(const std::vector<double>& v) {
  double m = v[0];
  for (double x : v) m = std::min(m, x);
  return m;
}

Status infer(OpCtx& ctx) { return reduce_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) { return reduce_eval(ctx, kSchema, reference); }

Status emit(OpCtx& ctx) { return reduce_emit(ctx, kSchema, "kiln::RedMin{}", /*real_acc=*/false); }

}  // namespace

const OpDef kOp_ReduceMin = {"ReduceMin", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
