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

// Sliding-window geometry of Conv and the pools. 1-D windows are 2-D ones with H = KH = 1.
struct Window2d {
  int64_t H, W;            // input spatial dims
  int64_t KH, KW;          // kernel
  int64_t SH, SW, DH, DW;  // strides, dilations
  int64_t PT, PL, PB, PR;  // resolved pads: top, left, bottom, right
  int64_t OH, OW;          // output spatial dims
};

// Reads strides, dilations, pads and auto_pad for an input of shape xs ([N, C, W] or
// [N, C, H, W]) and the given kernel dims. ceil_mode (pools) rounds the output size up; a last
// window that would start in the right padding is dropped (as PyTorch and ONNX 1.16+ do).
Status resolve_window(const OpCtx& ctx, const Shape& xs, const std::vector<int64_t>& kernel,
                      bool ceil_mode, Window2d* w);

// Output spatial shape of a window op: [N, C', OW] or [N, C', OH, OW] for input rank 3 or 4.
Shape window_out_shape(const Shape& xs, int64_t channels, const Window2d& w);

// Pixels an in-place pointwise convolution (passes/inplace.cpp) gathers per block: its scratch is
// C * kInplacePointwiseBlock elements.
constexpr int64_t kInplacePointwiseBlock = 4;

// GlobalAveragePool / GlobalMaxPool: X [N, C, d...] -> [N, C, 1...] (float32, float64), and
// the call of `kernel`<T, N*C, prod(d)>.
Status global_pool_infer(OpCtx& ctx);
Status global_pool_emit(OpCtx& ctx, const char* kernel);

}  // namespace kiln
