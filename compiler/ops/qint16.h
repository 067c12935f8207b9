// Shared by kiln's int16-activation ops (kiln.QConv16, kiln.QGemm16, kiln.QAdd16,
// kiln.QAvgPool16; TFLite's "16x8" scheme, see runtime/kiln_int16.h): the 16-bit requantization,
// bit for bit as the runtime computes it, and the constants the emitters share.
//
// Their tensors are symmetric: int16 activations and int8 weights have zero point 0, so the ops
// take scales only (x, x_scale, ..., y_scale); passes/fold_qdq makes them from int16 DQ/Q
// sandwiches whose zero points are 0.
#pragma once

#include "compiler/ops/quant_util.h"

namespace kiln {

// TFLite's reduction of a Q31 multiplier to 16 bits: m = mult * 2^(shift - 15), mult < 2^15.
QuantMultiplier quantize_multiplier16(double m);
// runtime/kiln_int16.h requant16: x * M rounded once, ties to even.
int64_t requant16(int64_t x, QuantMultiplier q);
int16_t clamp16(int64_t v, int32_t lo, int32_t hi);

// Includes runtime/kiln_int16.h and the kiln_int8.h it builds on.
void include_int16(OpCtx& ctx);
// Input i: a constant positive scalar scale.
Status read_scale16(const OpCtx& ctx, size_t i, float* s);
// The kernels shift right by 15 - shift >= 1: real multipliers of 2^14 and above are not supported.
Status check_multipliers16(const OpCtx& ctx, const std::vector<QuantMultiplier>& m);
// The weighted ops' (QConv16, QGemm16) parameters: x_scale (input 1), the per-channel int8
// weight scales (input 3, `channels` of them or one) and y_scale (input 4) as the 16-bit
// multipliers x_scale * w_scale[c] / y_scale, checked.
Status weighted_multipliers16(const OpCtx& ctx, int64_t channels, float* sx, float* sy, std::vector<QuantMultiplier>* m);
// Output 0: int16 of shape s, scale y_scale, zero point 0.
void set_output16(OpCtx& ctx, const Shape& s, float y_scale);
// Adds the multipliers and shifts as constants; returns "MULT, SHIFT" for a kernel call.
std::string emit_multipliers16(OpCtx& ctx, const std::vector<QuantMultiplier>& m);
// The bias input as a kernel argument: its symbol, or a typed null pointer when absent.
std::string bias_arg16(OpCtx& ctx, size_t i);
// An optional bias input: int32 or int64 with `n` elements.
Status check_bias16(const OpCtx& ctx, size_t i, int64_t n);

}  // namespace kiln
