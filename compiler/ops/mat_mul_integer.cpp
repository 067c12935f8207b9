// MatMulInteger (opset 10..17): int32 y = (A - a_zero_point) . (B - b_zero_point), numpy MatMul
// shapes (rank >= 2, batch dimensions equal or one side 2-D); A and B int8 or uint8; a's zero
// point per tensor (per-row zero points are not supported), b's per tensor or per column.
#include "compiler/ops/qmatmul.h"

namespace kiln {
namespace {

// A, B, a_zero_point, b_zero_point
const QMatIo kIo = {0, kNoInput, 2, 1, kNoInput, 3, kNoInput, kNoInput, kNoInput, false};

Status infer(OpCtx& ctx) { return qmatmul_infer(ctx, kIo); }
Status eval(OpCtx& ctx) { return qmatmul_eval(ctx, kIo); }
Status emit(OpCtx& ctx) { return qmatmul_emit(ctx, kIo); }
int64_t macs(OpCtx& ctx) { return qmatmul_macs(ctx, kIo); }
bool weight_choice(OpCtx& ctx, WeightWidthChoice* c) { return qmatmul_weight_choice(ctx, kIo, c); }

}  // namespace

const OpDef kOp_MatMulInteger = {"MatMulInteger", 10, 17, infer, eval, emit, macs, nullptr, weight_choice};

}  // namespace kiln
