// ConvInteger (opset 10..17): int32 y = sum (x - x_zero_point) * (w - w_zero_point) over the
// window, x and w int8 or uint8, w's zero point per tensor or per output channel. Geometry as
// Conv. Padding holds x_zero_point (contributes nothing).
#include "compiler/ops/qconv.h"

namespace kiln {
namespace {

// x, w, x_zero_point, w_zero_point; no scales, no bias.
const QConvIo kIo = {0, kNoInput, 2, 1, kNoInput, 3, kNoInput, kNoInput, kNoInput};

Status infer(OpCtx& ctx) { return qconv_infer(ctx, kIo); }
Status eval(OpCtx& ctx) { return qconv_eval(ctx, kIo); }
Status emit(OpCtx& ctx) { return qconv_emit(ctx, kIo); }
int64_t macs(OpCtx& ctx) { return qconv_macs(ctx, kIo); }

}  // namespace

const OpDef kOp_ConvInteger = {"ConvInteger", 10, 17, infer, eval, emit, macs};

}  // namespace kiln
