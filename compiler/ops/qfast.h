// Compile-time side of runtime/kiln_int8_fast.h: weights laid out in the order and width the
// fast kernels read them, and the proof that lets requantization round half up in two
// instructions. Used by the quantized convolution and matrix emitters on cores with the DSP
// extension (the layouts) and everywhere (the output stage).
#pragma once

#include "compiler/ops/quant_util.h"

namespace kiln {

// Largest |accumulator| a channel can reach: |B[m]| + sum_k |w[m, k]| * max |x - x_zp| over x's
// range. w holds zero-point-free weights [M, K]; bias may be empty (zero).
std::vector<int64_t> acc_bounds(const Tensor& w, int64_t M, int64_t K, const std::vector<int64_t>& bias, DType x,
                                int32_t x_zp);

// True when zp + round_half_up(acc * q / 2^(31 - shift)) computed as RequantHalfUp does (SMMLA
// then a shift by S = -1 - shift >= 1) equals the reference's ties-to-even rounding for every
// |acc| <= bound: no tie is reachable and the SMMLA addend cannot overflow.
bool half_up_exact(QuantMultiplier q, int64_t bound, int32_t y_zp);

// kiln::RequantHalfUp when every channel passes half_up_exact with one shared shift, else
// requant_functor's choice.
std::string requant_functor_fast(OpCtx& ctx, DType y, const std::vector<QuantMultiplier>& m, int32_t y_zp, int32_t lo,
                                 int32_t hi, const std::vector<int64_t>& bounds);

// Zero-point-free weights w [M, K] (int_elem) in the layout of kiln::gemm_columns: per pair of
// output channels and group of four k, the int16-pair words [m k0k1, m k2k3, m+1 k0k1, m+1 k2k3];
// an odd last channel [m k0k1, m k2k3] per group; K padded with zeros to a multiple of 4.
Tensor gemm_weights(const std::string& name, const Tensor& w, int64_t M, int64_t K);
// The layout of kiln::qfully_connected_fast: blocks of six output channels, per group of four k
// the words [n k0k2, n k1k3] for n..n+5, then the K % 4 last weights one word each; the N % 6 last
// channels alone.
Tensor fc_weights(const std::string& name, const Tensor& w, int64_t N, int64_t K);
// The int8 layouts of `--optimize size` (and of layers a flash budget narrows), half the bytes:
// gemm_weights_narrow per pair of channels and group of four k the words [m: k0 k2 k1 k3,
// m+1: k0 k2 k1 k3] (bytes, so SXTB16 / SXTB16 ROR #8 give the int16 pairs (k0, k1), (k2, k3));
// fc_weights_narrow per block of six channels and group of four k one word [k0 k1 k2 k3] per
// channel, then one word per channel with the K % 4 last weights. Both need every weight in
// int8's range (fits_int8).
bool fits_int8(const Tensor& w);
Tensor gemm_weights_narrow(const std::string& name, const Tensor& w, int64_t M, int64_t K);
Tensor fc_weights_narrow(const std::string& name, const Tensor& w, int64_t N, int64_t K);

// Extra instructions per inference of the int8-weight loops over the int16 ones, for `macs`
// multiply-accumulates: dot_2x2 takes 16 instead of 12 per 16 MACs (kiln_int8_fast.h), fc_dot 132
// instead of 87 per 96 (kiln_int8_fc.h).
inline int64_t gemm_narrow_extra(int64_t macs) { return macs / 4; }
inline int64_t fc_narrow_extra(int64_t macs) { return macs * 45 / 96; }

// The node attribute the policy sets on a layer to run with int8 weights.
constexpr const char* kNarrowWeightsAttr = "kiln_narrow_weights";
inline bool narrow_weights(const OpCtx& ctx) { return ctx.node().attr_int(kNarrowWeightsAttr, 0) != 0; }

// kiln::qdepthwise3x3_fast: per channel [(w00, w02), (w01, 0), (w10, w12), (w11, 0), (w20, w22), (w21, 0)].
Tensor dw3x3_weights(const std::string& name, const Tensor& w, int64_t C);

}  // namespace kiln
