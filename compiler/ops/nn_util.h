// Helpers shared by the NN family's op files (Conv, ConvTranspose, the pools, Gemm, MatMul,
// Einsum, the normalizations).
#pragma once

#include <string>
#include <vector>

#include "compiler/ops/op.h"

namespace kiln {

// A C literal of the float element type t with value v ("0.5f" for float, "0.5" for double).
std::string c_scalar(DType t, double v);

// A copy of constant t with its last two dims swapped ([..., R, C] -> [..., C, R]), named
// `name`: weights repacked at compile time so a kernel reads them forwards.
Tensor transpose_last2(const Tensor& t, const std::string& name);

// Whether float32 Conv, Gemm and MatMul use the register-blocked kernels of
// runtime/kiln_conv_blocked.h (4 x 4 tiles of accumulators): on cores with a floating-point unit.
// Without one every multiply-add is a library call and the plain kernels are as fast and smaller.
bool use_blocked_float(const Target& t);
// The blocked kernels' activation for node n: fused_act_expr, except that Relu and Clip(0, hi)
// clamp on the bit pattern (kiln::ActReluBits / ActClampBits: integer instructions; a NaN may
// come out as a bound).
std::string blocked_act_expr(const Node& n);
// Includes kiln_conv_blocked.h, kiln_conv_blocked_dw.h (depthwise), kiln_float_asm.h (their Arm
// assembly loops) and the runtime headers they build on.
void include_blocked(OpCtx& ctx);

// A copy of float constant t, seen as [M, K] (K = numel / M), with its rows in blocks of four
// interleaved: element (m, k) of a block at (m / 4) * 4 * K + k * 4 + m % 4; the M % 4 last rows
// stay as they are. The order in which kiln_conv_blocked.h's tiles read their weights.
Tensor pack_rows4(const Tensor& t, int64_t M, const std::string& name);

// Sliding-window geometry of Conv and the pools, always 3-D: 1-D and 2-D windows are 3-D ones
// with the missing leading dims of extent 1 (D = KD = 1, H = KH = 1), no stride and no pad.
struct Window {
  int64_t D, H, W;                 // input spatial dims
  int64_t KD, KH, KW;              // kernel
  int64_t SD, SH, SW, DD, DH, DW;  // strides, dilations
  int64_t PF, PT, PL, PK, PB, PR;  // resolved pads: front, top, left (begin); back, bottom, right (end)
  int64_t OD, OH, OW;              // output spatial dims
  // The input's element offset of (d, h, w) in one plane, and the output's of (od, oh, ow).
  int64_t in_at(int64_t d, int64_t h, int64_t w) const { return (d * H + h) * W + w; }
  int64_t out_at(int64_t d, int64_t h, int64_t w) const { return (d * OH + h) * OW + w; }
  int64_t in_plane() const { return D * H * W; }
  int64_t out_plane() const { return OD * OH * OW; }
  int64_t taps() const { return KD * KH * KW; }
};

// Reads strides, dilations, pads and auto_pad for an input of shape xs ([N, C, W],
// [N, C, H, W] or [N, C, D, H, W]) and the given kernel dims. ceil_mode (pools) rounds the output
// size up; a last window that would start in the right padding is dropped (as PyTorch and ONNX
// 1.16+ do).
Status resolve_window(const OpCtx& ctx, const Shape& xs, const std::vector<int64_t>& kernel,
                      bool ceil_mode, Window* w);

// The window of a quantized average pool (QLinearAveragePool, kiln.QAvgPool16): X [N, C, (H,) W],
// kernel_shape, strides, pads, auto_pad, ceil_mode and count_include_pad, no dilation.
struct AvgPoolWindow {
  Window w;
  int64_t planes = 0;  // N * C
  bool include_pad = false;
};
Status resolve_avg_pool(OpCtx& ctx, AvgPoolWindow* p);
// ONNX's divisor of window (oh, ow): the cells inside the input, or inside the padded input.
int64_t avg_pool_divisor(const AvgPoolWindow& p, int64_t oh, int64_t ow);
// The kernels index their multipliers by a window's cell count inside the input: that is ONNX's
// divisor when padding is not counted; when it is, every divisor must be the same. *var: the
// divisors differ between windows.
Status avg_pool_varying_count(OpCtx& ctx, const AvgPoolWindow& p, bool* var);

// Output shape of a window op: [N, C', OW], [N, C', OH, OW] or [N, C', OD, OH, OW] for input
// rank 3, 4 or 5.
Shape window_out_shape(const Shape& xs, int64_t channels, const Window& w);

// Pixels an in-place pointwise convolution (passes/inplace.cpp) gathers per block: its scratch is
// C * kInplacePointwiseBlock elements.
constexpr int64_t kInplacePointwiseBlock = 4;

// GlobalAveragePool / GlobalMaxPool: X [N, C, d...] -> [N, C, 1...] (float32, float64), and
// the call of `kernel`<T, N*C, prod(d)>.
Status global_pool_infer(OpCtx& ctx);
Status global_pool_emit(OpCtx& ctx, const char* kernel);

}  // namespace kiln
