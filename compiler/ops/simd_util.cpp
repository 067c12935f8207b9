#include "compiler/ops/simd_util.h"

#include <algorithm>
#include <vector>

#include "compiler/ops/quant_util.h"

namespace kiln {

namespace {

// Output rows conv2d_simd gathers per product: about 96 columns, at most 64 KiB of columns.
int64_t conv_rows_per_block(int64_t C, const Window& k) {
  const int64_t K = C * k.KH * k.KW;
  int64_t rb = std::min<int64_t>(k.OH, (96 + k.OW - 1) / k.OW);
  rb = std::min<int64_t>(rb, 16384 / std::max<int64_t>(1, K * k.OW));
  return std::max<int64_t>(1, rb);
}

// Elements of depthwise2d_simd's plane (runtime depthwise2d_simd_plane_floats, plane_row).
int64_t plane_floats(const Window& k) {
  const int64_t ph = (k.OH - 1) * k.SH + (k.KH - 1) * k.DH + 1, pw = (k.OW - 1) * k.SW + (k.KW - 1) * k.DW + 1;
  const int64_t row = std::max((pw + k.SW - 1) / k.SW, (k.KW - 1) * k.DW / k.SW + (k.OW + 7) / 8 * 8);
  return k.SW * ph * row;
}

enum class Kind { kNone, kPointwise, kDepthwise, kConv };

// The kernel for a 1-D or 2-D convolution on a SIMD target, whatever its element type.
Kind conv_kind(const OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k) {
  if (!ctx.has_target() || ctx.target().simd_bytes <= 0 || k.D != 1 || k.KD != 1) return Kind::kNone;
  if (ctx.node().attr_int("kiln_inplace_dw", 0)) return G == C && G == M ? Kind::kDepthwise : Kind::kNone;
  if (k.taps() == 1 && k.SH == 1 && k.SW == 1 && k.PT == 0 && k.PL == 0 && k.PB == 0 && k.PR == 0 && G == 1)
    return Kind::kPointwise;
  if (ctx.node().attr_int("kiln_inplace_pw", 0)) return Kind::kNone;
  if (G == C && G == M) return Kind::kDepthwise;
  if (G == 1) return Kind::kConv;
  return Kind::kNone;
}

Kind float_conv_kind(const OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k) {
  return ctx.in(0).dtype == DType::kFloat32 ? conv_kind(ctx, C, M, G, k) : Kind::kNone;
}

// Scratch elements of a kernel.
int64_t scratch_elems(const OpCtx& ctx, Kind kind, int64_t C, const Window& k) {
  switch (kind) {
    case Kind::kNone: return -1;
    case Kind::kPointwise: return ctx.node().attr_int("kiln_inplace_pw", 0) ? C * 16 : 0;
    case Kind::kDepthwise: return plane_floats(k);
    case Kind::kConv:
      if (k.SH == 1 && k.SW == 1)  // conv2d_simd_direct's padded planes
        return C * (k.OH + (k.KH - 1) * k.DH) * (k.OW + (k.KW - 1) * k.DW);
      return C * k.KH * k.KW * conv_rows_per_block(C, k) * k.OW;
  }
  return -1;
}

}  // namespace

bool use_simd_float(const OpCtx& ctx) { return ctx.has_target() && ctx.target().simd_bytes > 0; }

int64_t conv_simd_scratch(const OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k) {
  const int64_t n = scratch_elems(ctx, float_conv_kind(ctx, C, M, G, k), C, k);
  return n < 0 ? -1 : n * static_cast<int64_t>(sizeof(float));
}

bool emit_conv_simd(OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k, const std::string& xo,
                    const std::string& yo, std::string* packed) {
  const Kind kind = float_conv_kind(ctx, C, M, G, k);
  if (kind == Kind::kNone) return false;
  ctx.include("kiln_simd.h");
  const Tensor& w = ctx.in(1);
  if (kind != Kind::kDepthwise && packed->empty())
    *packed = ctx.add_const(w.name + "_p4", pack_rows4(w, M, w.name + " (rows packed by 4)"));
  const std::string bias = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)";
  const std::string act = fused_act_expr(ctx.node());
  const std::string x = ctx.in_ptr(0) + xo, y = ctx.out_ptr(0) + yo;
  if (kind == Kind::kPointwise && ctx.node().attr_int("kiln_inplace_pw", 0)) {
    ctx.w().line("kiln::pointwise_simd_inplace<{}, {}, {}>({}, {}, {}, {}, {}, {});", M, C, k.H * k.W, x, *packed,
                 bias, y, ctx.scratch_ptr(DType::kFloat32), act);
  } else if (kind == Kind::kPointwise) {
    ctx.w().line("kiln::pointwise_simd<{}, {}, {}>({}, {}, {}, {}, {});", M, C, k.H * k.W, x, *packed, bias, y, act);
  } else if (kind == Kind::kDepthwise && ctx.node().attr_int("kiln_inplace_dw", 0)) {
    // y = x (passes/inplace.cpp): the kernel copies each channel out before writing it.
    ctx.w().line("kiln::depthwise2d_simd_inplace<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {});",
                 C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, y, ctx.in_ptr(1), bias,
                 ctx.scratch_ptr(DType::kFloat32), act);
  } else if (kind == Kind::kDepthwise) {
    ctx.w().line("kiln::depthwise2d_simd<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {});",
                 C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, x, ctx.in_ptr(1), bias,
                 ctx.scratch_ptr(DType::kFloat32), y, act);
  } else if (k.SH == 1 && k.SW == 1) {
    ctx.w().line("kiln::conv2d_simd_direct<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {});", C,
                 k.H, k.W, M, k.KH, k.KW, k.OH, k.OW, k.PT, k.PL, k.DH, k.DW, x, *packed, bias,
                 ctx.scratch_ptr(DType::kFloat32), y, act);
  } else {
    ctx.w().line("kiln::conv2d_simd<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {});",
                 C, k.H, k.W, M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW,
                 conv_rows_per_block(C, k), x, *packed, bias, ctx.scratch_ptr(DType::kFloat32), y, act);
  }
  return true;
}

bool qconv_simd_applies(const OpCtx& ctx, bool folded, int64_t C, int64_t M, int64_t G, const Window& k) {
  return folded && dtype_size(ctx.in(0).dtype) == 1 && dtype_size(ctx.out(0).dtype) == 1 &&
         conv_kind(ctx, C, M, G, k) != Kind::kNone;
}

// Columns of qconv2d_pairs' pair layout per row of pairs (runtime qconv2d_pairs_cols).
int64_t pairs_cols(int64_t rb, int64_t ow) { return (rb * ow + 7) / 8 * 8; }

int64_t qconv_simd_scratch(OpCtx& ctx, bool folded, int64_t C, int64_t M, int64_t G, const Window& k) {
  if (!qconv_simd_applies(ctx, folded, C, M, G, k)) return -1;
  switch (conv_kind(ctx, C, M, G, k)) {
    case Kind::kNone: return -1;
    case Kind::kPointwise: return (C + 1) / 2 * 32 * 2;  // int16 pairs of 16 pixels
    case Kind::kDepthwise: return plane_floats(k);       // one-byte elements
    case Kind::kConv:
      if (k.SH == 1 && k.SW == 1)  // qconv2d_pairs_direct's planes of channel pairs
        return ((C + 1) / 2 * 2 * (k.OH + (k.KH - 1) * k.DH) * (k.OW + (k.KW - 1) * k.DW) + 16) * 2;
      return (C * k.KH * k.KW + 1) / 2 * 2 * pairs_cols(conv_rows_per_block(C, k), k.OW) * 2;
  }
  return -1;
}

void emit_qconv_simd(OpCtx& ctx, int64_t C, int64_t M, int64_t G, const Window& k, const std::string& x,
                     const Tensor& w, const std::string& name, std::string* wsym, const std::string& bias,
                     int32_t x_zp, const std::string& y, const std::string& out) {
  const Kind kind = conv_kind(ctx, C, M, G, k);
  ctx.include("kiln_simd.h");
  ctx.include("kiln_simd_int8.h");
  if (wsym->empty() && kind == Kind::kDepthwise) {
    *wsym = ctx.add_const(name + "_w", w);
  } else if (wsym->empty()) {
    // The pmaddwd kernels' weights: int32 pairs of int16, the low half from input channel 2j and
    // the high half from 2j + 1 at the same tap (stride-1 direct and pointwise kernels; T taps per
    // channel), or from reduction indices 2j and 2j + 1 of the im2col order (T = 1, C = K).
    const bool direct = kind == Kind::kPointwise || (k.SH == 1 && k.SW == 1);
    const int64_t K = w.numel() / M, T = direct ? k.KH * k.KW : 1, CC = K / T, CP = (CC + 1) / 2;
    std::vector<int32_t> pairs(static_cast<size_t>(M * CP * T));
    for (int64_t m = 0; m < M; ++m)
      for (int64_t j = 0; j < CP; ++j)
        for (int64_t t = 0; t < T; ++t) {
          const uint32_t lo = static_cast<uint32_t>(int_elem(w, (m * CC + 2 * j) * T + t)) & 0xffffu;
          const uint32_t hi = 2 * j + 1 < CC ? static_cast<uint32_t>(int_elem(w, (m * CC + 2 * j + 1) * T + t)) : 0u;
          pairs[static_cast<size_t>((m * CP + j) * T + t)] = static_cast<int32_t>(lo | (hi << 16));
        }
    *wsym = ctx.add_const(name + "_w2", int32_tensor(name + "_w2", pairs));
  }
  const bool inplace = ctx.node().attr_int("kiln_inplace_pw", 0) || ctx.node().attr_int("kiln_inplace_dw", 0);
  if (kind == Kind::kPointwise) {
    // Gathers each run of pixels first, so it runs in place too (passes/inplace.cpp).
    ctx.w().line("kiln::qconv_pointwise_pairs{}<{}, {}, {}>({}, {}, {}, {}, {}, {});", inplace ? "_inplace" : "", C,
                 k.H * k.W, M, x, *wsym, bias, y, ctx.scratch_ptr(DType::kInt16), out);
  } else if (kind == Kind::kDepthwise && inplace) {
    // y = x (passes/inplace.cpp): the kernel copies each channel out before writing it.
    ctx.w().line("kiln::qdepthwise2d_simd_inplace<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {});",
                 C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, y, *wsym, bias, x_zp,
                 ctx.scratch_ptr(ctx.in(0).dtype), out);
  } else if (kind == Kind::kDepthwise) {
    ctx.w().line("kiln::qdepthwise2d_simd<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});",
                 C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, x, *wsym, bias, x_zp,
                 ctx.scratch_ptr(ctx.in(0).dtype), y, out);
  } else if (k.SH == 1 && k.SW == 1) {
    ctx.w().line("kiln::qconv2d_pairs_direct<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});",
                 C, k.H, k.W, M, k.KH, k.KW, k.OH, k.OW, k.PT, k.PL, k.DH, k.DW, x, *wsym, bias, x_zp,
                 ctx.scratch_ptr(DType::kInt16), y, out);
  } else {
    ctx.w().line("kiln::qconv2d_pairs<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});",
                 C, k.H, k.W, M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW,
                 conv_rows_per_block(C, k), x, *wsym, bias, x_zp, ctx.scratch_ptr(DType::kInt16), y, out);
  }
}

bool emit_gemm_simd(OpCtx& ctx, int64_t M, int64_t N, int64_t K, bool trans_b, int64_t sam, int64_t sak,
                    int64_t scm, int64_t scn, const std::string& cp, double alpha, double beta) {
  const Tensor& b = ctx.in(1);
  if (!use_simd_float(ctx) || ctx.in(0).dtype != DType::kFloat32 || !b.is_const) return false;
  ctx.include("kiln_simd.h");
  // dense_simd reads B as [K, N]: Gemm's B as given, or B' repacked once here.
  const std::string bt = trans_b ? ctx.add_const(b.name + "_t", transpose_last2(b, b.name + " (transposed)"))
                                 : ctx.in_ptr(1);
  ctx.w().line("kiln::dense_simd<{}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});", M, N, K, sam, sak, scm,
               scn, ctx.in_ptr(0), bt, cp, c_scalar(DType::kFloat32, alpha), c_scalar(DType::kFloat32, beta),
               ctx.out_ptr(0), fused_act_expr(ctx.node()));
  return true;
}

}  // namespace kiln
