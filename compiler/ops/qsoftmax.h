// Shared by com.microsoft QLinearSoftmax and kiln.QLinearLogSoftmax: the axis geometry (ONNX
// Softmax semantics before and from opset 13, chosen by the `opset` attribute), the quantization
// parameters, and the 256-entry exp table both kernels index by max - x.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/ops/quant_util.h"

namespace kiln {

struct QSoftmaxGeometry {
  int64_t outer = 1, n = 1, inner = 1;
  QParam x, y;
};

Status qsoftmax_resolve(OpCtx& ctx, QSoftmaxGeometry* g);
Status qsoftmax_infer(OpCtx& ctx);

// Reference evaluation skeleton of both ops: for each row, finds the row's max m and
// sum = sum of table[m - x_k], then stores f(x_k - m, sum) (already clamped to Y's type) for
// each element.
void qsoftmax_eval_rows(const QSoftmaxGeometry& g, const Tensor& x, Tensor& y, const std::vector<uint32_t>& table,
                        const std::function<int32_t(int32_t, uint32_t)>& f);

// table[d] = round(2^16 * exp(-x_scale * d)), d = 0..255.
std::vector<uint32_t> qsoftmax_exp_table(float x_scale);
// The table as a constant of the generated code; returns its C symbol.
std::string qsoftmax_emit_table(OpCtx& ctx, float x_scale);

}  // namespace kiln
