// Shared rules of the quantized convolutions (QLinearConv, ConvInteger): the two ops differ only
// in where their inputs sit and in the output stage (requantize to int8/uint8, or keep the int32
// accumulator).
#pragma once

#include "compiler/ops/qfast.h"

namespace kiln {

constexpr size_t kNoInput = static_cast<size_t>(-1);

// Input positions; kNoInput marks what the op does not have (ConvInteger has no scales).
struct QConvIo {
  size_t x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias;
  bool requantize() const { return y_scale != kNoInput; }
};

Status qconv_infer(OpCtx& ctx, const QConvIo& io);
Status qconv_eval(OpCtx& ctx, const QConvIo& io);
Status qconv_emit(OpCtx& ctx, const QConvIo& io);
int64_t qconv_macs(OpCtx& ctx, const QConvIo& io);
// Scratch bytes of the kernel the emitter will pick (the fast kernels widen inputs into it).
int64_t qconv_scratch(OpCtx& ctx, const QConvIo& io);
// The weight-width choice of the fast GEMM kernels (compiler/ops/qfast.h), when this layer has
// one: pointwise and im2col convolutions with constant parameters on a DSP core.
bool qconv_weight_choice(OpCtx& ctx, const QConvIo& io, WeightWidthChoice* c);

}  // namespace kiln
