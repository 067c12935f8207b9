// The vectorising float kernels (runtime/kiln_simd.h) for targets with SIMD vector units (a
// nonzero `simd_bytes` in targets/cores.def: the build machine). Conv and Gemm call these first;
// false means the node keeps its other kernels.
#pragma once

#include <string>

#include "compiler/ops/nn_util.h"

namespace kiln {

// Whether the node's target runs runtime/kiln_simd.h's float kernels.
bool use_simd_float(const OpCtx& ctx);

// Conv (float, 1-D or 2-D, batch offsets xo/yo as " + n"): pointwise (in place too), depthwise
// (in place too) and one-group convolutions. `packed` holds the packed weights' name once made.
bool emit_conv_simd(OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k, const std::string& xo,
                    const std::string& yo, std::string* packed);
// Scratch bytes emit_conv_simd's kernel needs, or -1 when the node does not run one.
int64_t conv_simd_scratch(const OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k);

// QLinearConv and QDQ convolutions with constant parameters (`folded`: weights w minus their
// zero point, bias B - x_zp * wsum) on one-byte activations: whether the int8 kernels apply,
// their scratch bytes (-1 when they do not apply), and the call for one batch (x, y with their
// batch offsets; bias the constant's name; out the output stage). The weights become a constant
// named after `name` (repacked as int16 pairs for the pmaddwd kernels) the first time, when
// *wsym is empty; *wsym keeps its symbol for later batches.
bool qconv_simd_applies(const OpCtx& ctx, bool folded, int64_t C, int64_t M, int64_t G, const Window& k);
int64_t qconv_simd_scratch(OpCtx& ctx, bool folded, int64_t C, int64_t M, int64_t G, const Window& k);
void emit_qconv_simd(OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k, const std::string& x,
                     const Tensor& w, const std::string& name, std::string* wsym, const std::string& bias,
                     int32_t x_zp, const std::string& y, const std::string& out);

// Gemm (float, constant B): y = act(alpha * A . B' + beta * C) with C at `cp` broadcast by
// strides (scm, scn), A read at a[m * sam + k * sak].
bool emit_gemm_simd(OpCtx& ctx, int64_t M, int64_t N, int64_t K, bool trans_b, int64_t sam, int64_t sak,
                    int64_t scm, int64_t scn, const std::string& cp, double alpha, double beta);

}  // namespace kiln
