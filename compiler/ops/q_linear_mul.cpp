// com.microsoft QLinearMul (contrib opset 1): C = quantize(dequantize(A) * dequantize(B)) with
// numpy broadcasting, int8 or uint8, constant per-tensor scales and zero points. TFLite's integer
// Mul: (a - za) * (b - zb) requantized by sa * sb / sc.
#include "compiler/ops/qbinary.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return qbinary_infer(ctx); }
Status eval(OpCtx& ctx) { return qbinary_eval(ctx, QBinaryKind::kMul); }
Status emit(OpCtx& ctx) { return qbinary_emit(ctx, QBinaryKind::kMul); }
int64_t macs(OpCtx& ctx) { return ctx.out(0).numel(); }

}  // namespace

const OpDef kOp_QLinearMul = {"com.microsoft.QLinearMul", 1, 1, infer, eval, emit, macs};

}  // namespace kiln
