// com.microsoft QLinearAdd (contrib opset 1): C = quantize(dequantize(A) + dequantize(B)) with
// numpy broadcasting, int8 or uint8, constant per-tensor scales and zero points. TFLite's integer
// Add (see compiler/ops/qbinary.h); a fused Relu/Clip (passes/fold_qdq) narrows the clamp.
#include "compiler/ops/qbinary.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return qbinary_infer(ctx); }
Status eval(OpCtx& ctx) { return qbinary_eval(ctx, QBinaryKind::kAdd); }
Status emit(OpCtx& ctx) { return qbinary_emit(ctx, QBinaryKind::kAdd); }

}  // namespace

const OpDef kOp_QLinearAdd = {"com.microsoft.QLinearAdd", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
