// Compile-time side of runtime/kiln_int8_mve.h (Helium kernels): int8 weights laid out in the
// order the kernels read them, padded with zeros to whole vectors of sixteen. Used by the
// quantized convolution and matrix emitters on cores with MVE (`has_mve`).
#pragma once

#include "compiler/ops/quant_util.h"

namespace kiln {

// True when x and the zero-point-free weights are int8, as the Helium kernels need (VMLADAVA.S8
// multiplies two int8 vectors): weff is offset_weights' result (int8 when its values fit).
bool mve_applies(DType x, const Tensor& weff);
// The same decided from W and its zero points before offset_weights runs (scratch planning).
bool mve_weights_fit(const Tensor& w, const std::vector<int32_t>& zp, int64_t channels, int64_t per_channel);

// kiln::mve_gemm_x8's layout of w [M, K]: pairs of output channels (the last one alone when M is
// odd), per chunk of sixteen k the pair's sixteen values one after the other; K padded with zeros
// to a multiple of 16 (for K <= 16 that is simply each channel's sixteen values in turn).
Tensor gemm_weights_mve(const std::string& name, const Tensor& w, int64_t M, int64_t K);
// kiln::qfully_connected_mve's layout of w [N, K]: blocks of six channels, then blocks of four,
// two and one as N % 6 leaves them; per chunk of sixteen k the block's channels' values (K padded
// with zeros).
Tensor fc_weights_mve(const std::string& name, const Tensor& w, int64_t N, int64_t K);

}  // namespace kiln
