// QLinearConv (opset 10..17): convolution of quantized x (int8/uint8) with quantized w (int8/uint8,
// scale and zero point per tensor or per output channel) plus an int32 bias at scale
// x_scale * w_scale, requantized to y_scale / y_zero_point (int8 or uint8). Geometry as Conv
// (1-D and 2-D, groups, pads, strides, dilations, auto_pad).
//
// Requantization follows TFLite (32-bit fixed-point multiplier, see runtime/kiln_int8.h) rather
// than ONNX's float multiply: results differ from the spec's by at most one step, on rare ties.
// A fused Relu/Clip (passes/fold_qdq) narrows the output clamp. With constant parameters the
// emitter folds zero points into the bias and weights; scales given as graph inputs use the
// slower generic kernel, which derives the multiplier at run time.
#include "compiler/ops/qconv.h"

namespace kiln {
namespace {

// x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B
const QConvIo kIo = {0, 1, 2, 3, 4, 5, 6, 7, 8};

Status infer(OpCtx& ctx) { return qconv_infer(ctx, kIo); }
Status eval(OpCtx& ctx) { return qconv_eval(ctx, kIo); }
Status emit(OpCtx& ctx) { return qconv_emit(ctx, kIo); }
int64_t macs(OpCtx& ctx) { return qconv_macs(ctx, kIo); }
bool weight_choice(OpCtx& ctx, WeightWidthChoice* c) { return qconv_weight_choice(ctx, kIo, c); }
int64_t scratch(OpCtx& ctx) { return qconv_scratch(ctx, kIo); }

}  // namespace

const OpDef kOp_QLinearConv = {"QLinearConv", 10, 17, infer, eval, emit, macs, scratch, weight_choice};

}  // namespace kiln
