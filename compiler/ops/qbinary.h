// Shared rules of com.microsoft QLinearAdd and QLinearMul: inputs A, A_scale, A_zero_point, B,
// B_scale, B_zero_point, C_scale, C_zero_point (zero points optional); numpy broadcasting; A, B, C
// of one type (int8 or uint8); constant per-tensor scales. Integer math as TFLite's quantized
// Add (both inputs rescaled with 20 bits of headroom) and Mul (one multiplier sa * sb / sc).
#pragma once

#include "compiler/ops/quant_util.h"

namespace kiln {

enum class QBinaryKind { kAdd, kMul };

Status qbinary_infer(OpCtx& ctx);
Status qbinary_eval(OpCtx& ctx, QBinaryKind kind);
Status qbinary_emit(OpCtx& ctx, QBinaryKind kind);

}  // namespace kiln
