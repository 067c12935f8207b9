// Shared rules of the quantized matrix products: QLinearMatMul and MatMulInteger (numpy MatMul
// shapes, batched) and com.microsoft QGemm (2-D, transB, int32 bias). They differ in input
// positions and in the output stage (requantize, or keep the int32 accumulator).
#pragma once

#include "compiler/ops/qconv.h"

namespace kiln {

struct QMatIo {
  size_t a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp, bias;
  bool gemm;  // QGemm: 2-D, attributes transA (must be 0), transB, alpha (must be 1)
  bool requantize() const { return y_scale != kNoInput; }
};

Status qmatmul_infer(OpCtx& ctx, const QMatIo& io);
Status qmatmul_eval(OpCtx& ctx, const QMatIo& io);
Status qmatmul_emit(OpCtx& ctx, const QMatIo& io);
int64_t qmatmul_macs(OpCtx& ctx, const QMatIo& io);
// The weight-width choice of the fast fully connected kernel (compiler/ops/qfast.h): constant
// weights and parameters on a DSP core.
bool qmatmul_weight_choice(OpCtx& ctx, const QMatIo& io, WeightWidthChoice* c);

}  // namespace kiln
