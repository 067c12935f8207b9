// com.microsoft QGemm (contrib opset 1): Y = A . B' + C with A [M, K] and B (transB: [N, K], else
// [K, N]) quantized int8/uint8 (B's scale and zero point per tensor or per column), C int32 at
// scale a_scale * b_scale ([N], [1, N] or one value), requantized to y_scale / y_zero_point.
// What passes/fold_qdq lowers a quantized Gemm (a fully connected layer) to. transA=1, alpha != 1,
// a full [M, N] C and a float output (no y_scale) are not supported.
#include "compiler/ops/qmatmul.h"

namespace kiln {
namespace {

// A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale, y_zero_point
const QMatIo kIo = {0, 1, 2, 3, 4, 5, 7, 8, 6, true};

Status infer(OpCtx& ctx) { return qmatmul_infer(ctx, kIo); }
Status eval(OpCtx& ctx) { return qmatmul_eval(ctx, kIo); }
Status emit(OpCtx& ctx) { return qmatmul_emit(ctx, kIo); }
int64_t macs(OpCtx& ctx) { return qmatmul_macs(ctx, kIo); }
bool weight_choice(OpCtx& ctx, WeightWidthChoice* c) { return qmatmul_weight_choice(ctx, kIo, c); }

}  // namespace

const OpDef kOp_QGemm = {"com.microsoft.QGemm", 1, 1, infer, eval, emit, macs, nullptr, weight_choice};

}  // namespace kiln
