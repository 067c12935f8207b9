// QLinearMatMul (opset 10..17): numpy-style MatMul of quantized a and b (int8/uint8; b's scale
// and zero point per tensor or per column) requantized to y_scale / y_zero_point (int8/uint8).
// Operands of rank >= 2; batch dimensions equal or one side 2-D. Requantization as QLinearConv
// (TFLite fixed point, within one step of ONNX's float formula). A constant b becomes
// zero-point-free rows with the zero points folded into a bias.
#include "compiler/ops/qmatmul.h"

namespace kiln {
namespace {

// a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point
const QMatIo kIo = {0, 1, 2, 3, 4, 5, 6, 7, kNoInput, false};

Status infer(OpCtx& ctx) { return qmatmul_infer(ctx, kIo); }
Status eval(OpCtx& ctx) { return qmatmul_eval(ctx, kIo); }
Status emit(OpCtx& ctx) { return qmatmul_emit(ctx, kIo); }
int64_t macs(OpCtx& ctx) { return qmatmul_macs(ctx, kIo); }
bool weight_choice(OpCtx& ctx, WeightWidthChoice* c) { return qmatmul_weight_choice(ctx, kIo, c); }

}  // namespace

const OpDef kOp_QLinearMatMul = {"QLinearMatMul", 10, 17, infer, eval, emit, macs, nullptr, weight_choice};

}  // namespace kiln
