// kiln runtime: Helium (MVE) int8 kernels. The compiler picks them on cores with the M-profile
// Vector Extension (Cortex-M55) for constant-parameter QLinearConv (pointwise, im2col GEMM,
// depthwise), QGemm / QLinearMatMul (fully connected) when x is int8 and the zero-point-free
// weights fit int8; runtime/kiln_int8_fast.h keeps the DSP kernels for the rest. See
// docs/kernels.md.
//
// The core is VMLADAVA.S8: sixteen int8 x int8 products summed into a scalar int32 per
// instruction. Weights stay int8 (padded with zeros to a multiple of 16 along K and laid out by
// compiler/ops/qmve.cpp in the order the loops read them); the input zero point is folded into
// the bias, so activations are used as they are, and padding positions hold the zero point.
// The same code compiles everywhere: without __ARM_FEATURE_MVE the kiln::mve helpers are plain C
// with the instructions' exact semantics (lane for lane, predicated lanes zero), so the host runs,
// and tests, the very loops the MCU runs.
#ifndef KILN_INT8_MVE_H_
#define KILN_INT8_MVE_H_

#include "kiln_mve.h"

namespace kiln {

// --- GEMM core: two output channels by four pixels ---

// Columns: eight pixels' K values (K16 = K padded to 16), interleaved by chunks of sixteen: value
// k of pixel q at q / 4 * 4 K16 + (k / 16) * 64 + q % 4 * 16 + k % 16 (two groups of four, chunk
// by chunk: the core's loads post-increment by 64). Weights (qmve.cpp's gemm_weights_mve): pairs of
// channels (the last one alone when M is odd), per chunk the pair's sixteen values one after the
// other. acc[r][q] = w_r . x_q over K16.
template <int K16>
inline void mve_dot_2x4_c(const int8_t* w, const int8_t* col, int32_t (&acc)[2][4]) {
  for (int r = 0; r < 2; ++r)
    for (int q = 0; q < 4; ++q) acc[r][q] = 0;
  for (int j = 0; j < K16 / 16; ++j, col += 64, w += 32) {
    const mve::I8x16 w0 = mve::load16(w), w1 = mve::load16(w + 16);
    for (int q = 0; q < 4; ++q) {
      const mve::I8x16 xq = mve::load16(col + 16 * q);
      acc[0][q] = mve::dot16(acc[0][q], w0, xq);
      acc[1][q] = mve::dot16(acc[1][q], w1, xq);
    }
  }
}

// The two channels' four sums, each a vector (returned in vector registers).
struct MveAcc24 {
  mve::I32x4 c0, c1;
};

#if KILN_MVE_ASM
// Eight accumulators: every even core register (VMLADAVA's accumulator must be one) including
// LR, bound by register variables, so the loop counts with SUBS / BNE rather than LE. A chunk is
// six loads, eight VMLADAVs and the two loop instructions: 128 MACs; the first chunk starts the
// sums (VMLADAV), so nothing is zeroed; four VMOVs (two core registers each) make the vectors.
// Out of line: the bound registers must be free.
template <int K16>
__attribute__((noinline)) MveAcc24 mve_dot_2x4(const int8_t* w, const int8_t* col) {
  register int32_t a0 __asm__("r0"), a1 __asm__("r2"), a2 __asm__("r4"), a3 __asm__("r6");
  register int32_t b0 __asm__("r8"), b1 __asm__("r10"), b2 __asm__("r12"), b3 __asm__("r14");
  register const int8_t* xp __asm__("r1") = col;
  register const int8_t* wp __asm__("r3") = w;
  register int32_t n __asm__("r5") = K16 / 16 - 1;
  mve::I32x4 v0, v1, t0, t1;
  // The weights and the first two pixels, then the other two pixels into the pixels' registers.
#define KILN_MVE_STEP(I)                                                                               \
  "vldrb.8 %q[v0], [%[w]], #16\n\tvldrb.8 %q[v1], [%[w]], #16\n\t"                                     \
  "vldrb.8 %q[t0], [%[x]], #16\n\tvldrb.8 %q[t1], [%[x]], #16\n\t"                                     \
  "vmladav" I ".s8 %[a0], %q[v0], %q[t0]\n\tvmladav" I ".s8 %[b0], %q[v1], %q[t0]\n\t"                  \
  "vmladav" I ".s8 %[a1], %q[v0], %q[t1]\n\tvmladav" I ".s8 %[b1], %q[v1], %q[t1]\n\t"                  \
  "vldrb.8 %q[t0], [%[x]], #16\n\tvldrb.8 %q[t1], [%[x]], #16\n\t"                                     \
  "vmladav" I ".s8 %[a2], %q[v0], %q[t0]\n\tvmladav" I ".s8 %[b2], %q[v1], %q[t0]\n\t"                  \
  "vmladav" I ".s8 %[a3], %q[v0], %q[t1]\n\tvmladav" I ".s8 %[b3], %q[v1], %q[t1]\n\t"
  __asm__ volatile(KILN_MVE_STEP("") "cmp %[n], #0\n\tbeq 3f\n2:\t" KILN_MVE_STEP("a")
                   "subs %[n], %[n], #1\n\tbne 2b\n3:\n\t"
                   // VMOV Qd[2], Qd[0], Rt, Rt2: Rt to lane 0, Rt2 to lane 2 (as LLVM builds vectors)
                   "vmov %q[v0][2], %q[v0][0], %[a0], %[a2]\n\tvmov %q[v0][3], %q[v0][1], %[a1], %[a3]\n\t"
                   "vmov %q[v1][2], %q[v1][0], %[b0], %[b2]\n\tvmov %q[v1][3], %q[v1][1], %[b1], %[b3]\n"
                   : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [b0] "=&r"(b0), [b1] "=&r"(b1),
                     [b2] "=&r"(b2), [b3] "=&r"(b3), [x] "+r"(xp), [w] "+r"(wp), [n] "+r"(n), [v0] "=&w"(v0),
                     [v1] "=&w"(v1), [t0] "=&w"(t0), [t1] "=&w"(t1)
                   :
                   : "memory", "cc");
#undef KILN_MVE_STEP
  (void)t0, (void)t1;
  return MveAcc24{v0, v1};
}
#else
template <int K16>
inline MveAcc24 mve_dot_2x4(const int8_t* w, const int8_t* col) {
  int32_t acc[2][4];
  mve_dot_2x4_c<K16>(w, col, acc);
  return MveAcc24{mve::load4(acc[0]), mve::load4(acc[1])};
}
#endif

// The last channel of an odd M: four pixels.
template <int K16>
inline void mve_dot_1x4(const int8_t* w, const int8_t* col, int32_t (&acc)[4]) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (int j = 0; j < K16 / 16; ++j, col += 64, w += 16) {
    const mve::I8x16 wv = mve::load16(w);
    a0 = mve::dot16(a0, wv, mve::load16(col));
    a1 = mve::dot16(a1, wv, mve::load16(col + 16));
    a2 = mve::dot16(a2, wv, mve::load16(col + 32));
    a3 = mve::dot16(a3, wv, mve::load16(col + 48));
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

// K16 = 16 (K <= 16: pointwise with few input channels): four pixels' columns stay in vector
// registers while every channel reads them, and the four sums of a channel go through the vector
// output stage (the scalar one would cost three instructions per 16 MACs).
template <int M, int YSTRIDE, typename YT, typename Out>
inline void mve_gemm_k16(const int8_t* w, const int32_t* bias, const int8_t* col, YT* y, int n, const Out& out) {
  for (int q = 0; q < n; q += 4, col += 64, y += 4) {
    const int nq = n - q < 4 ? n - q : 4;
    const mve::I8x16 x0 = mve::load16(col), x1 = mve::load16(col + 16), x2 = mve::load16(col + 32),
                     x3 = mve::load16(col + 48);
    const int8_t* wm = w;
    for (int m = 0; m < M; ++m, wm += 16) {
      const mve::I8x16 wv = mve::load16(wm);
      const mve::I32x4 acc = mve::add_n(
          mve::lanes(mve::dot16(wv, x0), mve::dot16(wv, x1), mve::dot16(wv, x2), mve::dot16(wv, x3)), bias[m]);
      mve::vec_channel(out, m)(acc, y + m * YSTRIDE, nq);
    }
  }
}

// y[m][q] for every output channel m and the n <= 8 pixels of the columns: per channel pair and
// four pixels one pass of the core, then each channel's four sums through the vector output stage.
template <int M, int K16, int YSTRIDE, typename YT, typename Out>
inline void mve_gemm_x8(const int8_t* w, const int32_t* bias, const int8_t* col, YT* y, int n, const Out& out) {
  if (K16 == 16) {
    mve_gemm_k16<M, YSTRIDE>(w, bias, col, y, n, out);
    return;
  }
  int m = 0;
  for (; m + 1 < M; m += 2, w += 2 * K16) {
    const auto o0 = mve::vec_channel(out, m);
    const auto o1 = mve::vec_channel(out, m + 1);
    YT* y0 = y + m * YSTRIDE;
    for (int q = 0; q < n; q += 4) {
      const MveAcc24 acc = mve_dot_2x4<K16>(w, col + q * K16);
      const int nq = n - q < 4 ? n - q : 4;
      o0(mve::add_n(acc.c0, bias[m]), y0 + q, nq);
      o1(mve::add_n(acc.c1, bias[m + 1]), y0 + YSTRIDE + q, nq);
    }
  }
  if (m < M) {
    const auto o0 = mve::vec_channel(out, m);
    for (int q = 0; q < n; q += 4) {
      int32_t acc[4];
      mve_dot_1x4<K16>(w, col + q * K16, acc);
      o0(mve::add_n(mve::load4(acc), bias[m]), y + m * YSTRIDE + q, n - q < 4 ? n - q : 4);
    }
  }
}

// The eight pixels' offsets within a chunk of the columns: q % 4 * 16, plus 4 K16 for the second
// group of four.
template <int K16>
inline mve::U16x8 mve_col_lanes() {
  static_assert(4 * K16 + 48 < 65536, "16-bit scatter offsets");
  int16_t v[8];
  for (int q = 0; q < 8; ++q) v[q] = static_cast<int16_t>(q / 4 * 4 * K16 + q % 4 * 16);
  return mve::as_u16(mve::load_h(v));
}

// Zeros in the columns' K padding (the weights there are zero too; the zeros keep it defined).
template <int K, int K16>
inline void mve_zero_tail(int8_t* col) {
  for (int k = K; k < K16; ++k)
    for (int q = 0; q < 8; ++q) col[q / 4 * 4 * K16 + k / 16 * 64 + q % 4 * 16 + k % 16] = 0;
}

// --- pointwise convolution: Y[M, P] = W[M, C] . X[C, P] ---

// Eight pixels at a time: their C values are transposed into the columns (per channel a widening
// load of eight bytes and a scatter of their low bytes; scratch: 8 x C16 bytes), then every block
// of output channels reads them. Reads the eight pixels whole before writing them, so y may
// overlap x as the in-place rewrite lays them out (the same pixels of other channel planes).
template <int C, int P, int M, typename YT, typename Out>
inline void qconv_pointwise_mve(const int8_t* x, const int8_t* w, const int32_t* bias, YT* y, int8_t* col, Out out) {
  constexpr int C16 = (C + 15) / 16 * 16;
  mve_zero_tail<C, C16>(col);
  const mve::U16x8 off = mve_col_lanes<C16>();
  for (int p = 0; p < P; p += 8) {
    const int n = P - p < 8 ? P - p : 8;
    const int8_t* xp = x + p;
    if (n == 8)
      for (int c0 = 0; c0 < C; c0 += 16)
        for (int c = c0; c < c0 + 16 && c < C; ++c, xp += P) mve::scatter8(col + c0 * 4 + c - c0, off, mve::widen8(xp));
    else
      for (int c = 0; c < C; ++c, xp += P) mve::scatter8(col + c / 16 * 64 + c % 16, off, mve::widen8(xp, n));
    mve_gemm_x8<M, C16, P>(w, bias, col, y + p, n, out);
  }
}

// --- any other ungrouped convolution: im2col of eight pixels, then the same GEMM ---

// The columns in k order: value k of the eight pixels goes to d, d advancing by one and jumping
// the other pixels' 48 bytes after every sixteen (the layout of mve_gemm_x8).
struct MveColCursor {
  int8_t* d;
  int left;  // values before the next jump
  void next() {
    ++d;
    if (--left == 0) d += 48, left = 16;
  }
};

// Pixels p .. p + n - 1 (n <= 8, any rows, any padding): the eight lanes' input offsets and
// in-bounds predicates of every window position are computed once, then per channel and position
// one predicated gather (x_zp where the window leaves the input) and one scatter.
template <int C, int H, int W, int KH, int KW, int OW, int SH, int SW, int PT, int PL, int DH, int DW>
inline void mve_im2col_any8(const int8_t* x, int8_t x_zp, int p, int n, int8_t* col) {
  static_assert(H * W <= 65536, "16-bit gather offsets");
  int16_t hb[8], wb[8];
  for (int q = 0; q < 8; ++q) {
    const int pq = p + (q < n ? q : 0);
    hb[q] = static_cast<int16_t>(pq / OW * SH - PT);
    wb[q] = static_cast<int16_t>(pq % OW * SW - PL);
  }
  const mve::I16x8 h0 = mve::load_h(hb), w0 = mve::load_h(wb);
  const mve::U16x8 dst = mve_col_lanes<(C * KH * KW + 15) / 16 * 16>();
  const mve::P8 lanes = mve::first8(n);
  mve::U16x8 off[KH * KW];
  mve::P8 pr[KH * KW];
  for (int kh = 0; kh < KH; ++kh) {
    const mve::I16x8 h = mve::add_h(h0, kh * DH);
    const mve::P8 ph = mve::within(h, H, lanes);
    for (int kw = 0; kw < KW; ++kw) {
      const mve::I16x8 wv = mve::add_h(w0, kw * DW);
      pr[kh * KW + kw] = mve::within(wv, W, ph);
      off[kh * KW + kw] = mve::as_u16(mve::mla_h(wv, h, W));
    }
  }
  MveColCursor cur{col, 16};
  for (int c = 0; c < C; ++c, x += H * W)
    for (int t = 0; t < KH * KW; ++t, cur.next()) mve::scatter8(cur.d, dst, mve::gather8_or(x, off[t], pr[t], x_zp));
}

// Eight pixels of one output row whose windows lie inside: per window position one load of the
// eight pixels' values (a gather, SW apart, for stride 2) and one scatter into the columns.
template <int C, int H, int W, int KH, int KW, int SW, int DH, int DW>
inline void mve_im2col_row8(const int8_t* x, int8_t* col) {
  const mve::U16x8 src = mve::iota8(SW), dst = mve_col_lanes<(C * KH * KW + 15) / 16 * 16>();
  MveColCursor cur{col, 16};
  for (int c = 0; c < C; ++c)
    for (int kh = 0; kh < KH; ++kh) {
      const int8_t* xr = x + (c * H + kh * DH) * W;
#pragma GCC unroll 16
      for (int kw = 0; kw < KW; ++kw, cur.next())
        mve::scatter8(cur.d, dst, SW == 1 ? mve::widen8(xr + kw * DW) : mve::gather8(xr + kw * DW, src));
    }
}

// Rows of output at least eight wide are built from a band: the C x KH input rows that output row
// oh reads, each padded (band row (c, kh) holds input row oh * SH - PT + kh * DH from column -PL
// on, WB bytes, x_zp outside the input), so every block of eight pixels of the row, border or
// not, is plain loads and scatters. WB covers the last block's eight lanes.
template <int OW, int SW, int KW, int DW>
struct MveBand {
  static constexpr int kWidth = ((OW + 7) / 8 * 8 - 1) * SW + (KW - 1) * DW + 1;
};

template <int C, int H, int W, int KH, int SH, int PT, int PL, int DH, int WB>
inline void mve_band(const int8_t* x, int8_t x_zp, int oh, int8_t* band) {
  constexpr int A = PL < WB ? PL : WB;              // left padding
  constexpr int N = W < WB - A ? W : WB - A;        // input columns in the band
  for (int c = 0; c < C; ++c)
    for (int kh = 0; kh < KH; ++kh, band += WB) {
      const int ih = oh * SH - PT + kh * DH;
      if (ih < 0 || ih >= H) {
        mve::fill_bytes(band, x_zp, WB);
        continue;
      }
      mve::fill_bytes(band, x_zp, A);
      mve::copy_bytes(band + A, x + (c * H + ih) * W, N);
      mve::fill_bytes(band + A + N, x_zp, WB - A - N);
    }
}

// Eight pixels (SW apart) from the band, b at the first one's window.
template <int C, int KH, int KW, int SW, int DW, int WB, int K16>
inline void mve_im2col_band8(const int8_t* b, int8_t* col) {
  const mve::U16x8 src = mve::iota8(SW), dst = mve_col_lanes<K16>();
  MveColCursor cur{col, 16};
  for (int r = 0; r < C * KH; ++r, b += WB)
#pragma GCC unroll 16
    for (int kw = 0; kw < KW; ++kw, cur.next())
      mve::scatter8(cur.d, dst, SW == 1 ? mve::widen8(b + kw * DW) : mve::gather8(b + kw * DW, src));
}

// scratch: 8 x K16 bytes of columns, then for OW >= 8 the band (C x KH x MveBand::kWidth bytes).
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename YT, typename Out>
inline void qconv_im2col_mve(const int8_t* x, const int8_t* w, const int32_t* bias, int8_t x_zp, YT* y, int8_t* col,
                             Out out) {
  constexpr int K = C * KH * KW, K16 = (K + 15) / 16 * 16, P = OH * OW;
  mve_zero_tail<K, K16>(col);
  if (OW >= 8) {
    constexpr int WB = MveBand<OW, SW, KW, DW>::kWidth;
    int8_t* band = col + 8 * K16;
    for (int oh = 0; oh < OH; ++oh) {
      mve_band<C, H, W, KH, SH, PT, PL, DH, WB>(x, x_zp, oh, band);
      for (int ow = 0; ow < OW; ow += 8) {
        mve_im2col_band8<C, KH, KW, SW, DW, WB, K16>(band + ow * SW, col);
        mve_gemm_x8<M, K16, P>(w, bias, col, y + oh * OW + ow, OW - ow < 8 ? OW - ow : 8, out);
      }
    }
    return;
  }
  for (int p = 0; p < P; p += 8) {  // short rows: blocks of eight pixels across rows
    const int n = P - p < 8 ? P - p : 8;
    const int oh = p / OW, ow = p % OW;
    const int ih0 = oh * SH - PT, iw0 = ow * SW - PL;
    if (n == 8 && ow + 7 < OW && ih0 >= 0 && ih0 + (KH - 1) * DH < H && iw0 >= 0 && iw0 + 7 * SW + (KW - 1) * DW < W) {
      mve_im2col_row8<C, H, W, KH, KW, SW, DH, DW>(x + ih0 * W + iw0, col);
    } else {
      mve_im2col_any8<C, H, W, KH, KW, OW, SH, SW, PT, PL, DH, DW>(x, x_zp, p, n, col);
    }
    mve_gemm_x8<M, K16, P>(w, bias, col, y + p, n, out);
  }
}

// --- depthwise convolution (one output channel per input channel), any window ---

// The padded plane: HP x WP bytes, the input's rows and columns at (PT, PL), x_zp around them
// (padding is real zero: the zero point, folded into the bias). The border is written once per
// layer; each channel copies only its rows in.
template <int H, int W, int HP, int WP, int PT, int PL>
inline void mve_plane_rows(const int8_t* x, int8_t* plane) {
  constexpr int RH = H < HP - PT ? H : HP - PT, RW = W < WP - PL ? W : WP - PL;
  for (int r = 0; r < RH; ++r) mve::copy_bytes(plane + (PT + r) * WP + PL, x + r * W, RW);
}

// Four outputs of one channel: per kernel tap one widening load (a gather for stride 2) and one
// VMLA by the tap's weight into int32 lanes. s: the window of the first output; lanes SW apart.
template <int KH, int KW, int SW, int DH, int DW, int WP>
inline mve::I32x4 mve_dw4(const int8_t* s, const int32_t* wk, mve::I32x4 acc, mve::U32x4 src, int n) {
#pragma GCC unroll 16
  for (int kh = 0; kh < KH; ++kh)
#pragma GCC unroll 16
    for (int kw = 0; kw < KW; ++kw) {
      const int8_t* t = s + kh * DH * WP + kw * DW;
      const mve::I32x4 v = n >= 4 ? (SW == 1 ? mve::widen4(t) : mve::gather4(t, src))
                                  : (SW == 1 ? mve::widen4(t, mve::first(n)) : mve::gather4(t, src, mve::first(n)));
      acc = mve::mla_n(acc, v, wk[kh * KW + kw]);
    }
  return acc;
}

// Stride 1: blocks of four wide outputs from plane[0 ..) to wide[0 ..).
template <int KH, int KW, int DH, int DW, int WP, typename YT, typename O>
inline void mve_dw_wide(const int8_t* plane, YT* wide, int blocks, const int32_t* wk, mve::I32x4 b, const O& o) {
  const mve::U32x4 src = mve::iota(1);
  for (int j = 0; j < 4 * blocks; j += 4) o(mve_dw4<KH, KW, 1, DH, DW, WP>(plane + j, wk, b, src, 4), wide + j, 4);
}

#if KILN_MVE_ASM
// 3x3 with RequantHalfUp's stage: 26 instructions per four outputs written out (nine loads at
// immediate offsets, nine VMLAs, the six-instruction output stage, LE); GCC 12 spills the
// weights and the clamp bounds of the same loop (about 36).
// Out of line: twelve core registers (eight vector ones), which a large caller cannot spare.
template <int KH, int KW, int DH, int DW, int WP, typename YT, int S, int LO, int HI>
__attribute__((noinline)) void mve_dw_wide(const int8_t* plane, YT* wide, int blocks, const int32_t* wk, mve::I32x4 b,
                                           const mve::VecHalfUp<YT, S, LO, HI>& o) {
  constexpr bool kAsm = KH == 3 && KW == 3 && DH == 1 && DW == 1 && 2 * WP + 2 <= 127;
  if (!kAsm) {
    const mve::U32x4 src = mve::iota(1);
    for (int j = 0; j < 4 * blocks; j += 4) o(mve_dw4<KH, KW, 1, DH, DW, WP>(plane + j, wk, b, src, 4), wide + j, 4);
    return;
  }
  constexpr int R = kAsm ? WP : 0;  // keeps the immediates encodable where the branch is dead
  const mve::I32x4 m = vdupq_n_s32(o.m), k = vdupq_n_s32(o.k), lo = vdupq_n_s32(LO), hi = vdupq_n_s32(HI);
  const int32_t w0 = wk[0 % (KH * KW)], w1 = wk[1 % (KH * KW)], w2 = wk[2 % (KH * KW)], w3 = wk[3 % (KH * KW)],
                w4 = wk[4 % (KH * KW)], w5 = wk[5 % (KH * KW)], w6 = wk[6 % (KH * KW)], w7 = wk[7 % (KH * KW)],
                w8 = wk[8 % (KH * KW)];
  __asm__ volatile(
      "wls lr, %[n], 1f\n"
      "2:\tvmov q0, %q[b]\n\t"
      "vldrb.s32 q1, [%[p], #1]\n\t"
      "vldrb.s32 q2, [%[p], #2]\n\t"
      "vmla.s32 q0, q1, %[w1]\n\t"
      "vldrb.s32 q1, [%[p], #%c[r0]]\n\t"
      "vmla.s32 q0, q2, %[w2]\n\t"
      "vldrb.s32 q2, [%[p], #%c[r1]]\n\t"
      "vmla.s32 q0, q1, %[w3]\n\t"
      "vldrb.s32 q1, [%[p], #%c[r2]]\n\t"
      "vmla.s32 q0, q2, %[w4]\n\t"
      "vldrb.s32 q2, [%[p], #%c[r3]]\n\t"
      "vmla.s32 q0, q1, %[w5]\n\t"
      "vldrb.s32 q1, [%[p], #%c[r4]]\n\t"
      "vmla.s32 q0, q2, %[w6]\n\t"
      "vldrb.s32 q2, [%[p], #%c[r5]]\n\t"
      "vmla.s32 q0, q1, %[w7]\n\t"
      "vldrb.s32 q1, [%[p]], #4\n\t"
      "vmla.s32 q0, q2, %[w8]\n\t"
      "vmla.s32 q0, q1, %[w0]\n\t"
      "vmulh.s32 q0, q0, %q[m]\n\t"
      "vadd.i32 q0, q0, %q[k]\n\t"
      "vshr.s32 q0, q0, #%c[s]\n\t"
      "vmax.s32 q0, q0, %q[lo]\n\t"
      "vmin.s32 q0, q0, %q[hi]\n\t"
      "vstrb.32 q0, [%[o]], #4\n\t"
      "le lr, 2b\n"
      "1:\n"
      : [p] "+r"(plane), [o] "+r"(wide)
      : [n] "r"(blocks), [b] "w"(b), [m] "w"(m), [lo] "w"(lo), [hi] "w"(hi), [k] "w"(k), [w0] "r"(w0), [w1] "r"(w1),
        [w2] "r"(w2), [w3] "r"(w3), [w4] "r"(w4), [w5] "r"(w5), [w6] "r"(w6), [w7] "r"(w7), [w8] "r"(w8), [s] "n"(S),
        [r0] "n"(R), [r1] "n"(R + 1), [r2] "n"(R + 2), [r3] "n"(2 * R), [r4] "n"(2 * R + 1), [r5] "n"(2 * R + 2)
      : "q0", "q1", "q2", "memory", "r14");
}
#endif

// Scratch: the padded plane, and for stride 1 the "wide" output (OH x WP) after it. Stride 1: the
// window of output (oh, ow) starts at plane[oh * WP + ow], so the outputs are computed four at a
// time over the flattened plane, rows and all (the WP - OW columns past each row are computed and
// dropped), then each row is copied to y: no per-row tails. Stride 2: four outputs of a row at a
// time, gathers. Reads a channel's plane whole before writing that channel, so it runs in place.
// w: KH x KW int8 per channel; bias zero-point-folded.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename YT, typename Out>
inline void qdepthwise_mve(const int8_t* x, const int8_t* w, const int32_t* bias, int8_t x_zp, YT* y, int8_t* plane,
                           Out out) {
  constexpr int HP = (OH - 1) * SH + (KH - 1) * DH + 1, WP = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr bool kWide = SH == 1 && SW == 1;
  constexpr int NW = (OH - 1) * WP + OW;  // wide outputs up to the last real one
  YT* wide = reinterpret_cast<YT*>(plane + HP * WP);
  mve::fill_bytes(plane, x_zp, HP * WP);
  const mve::U32x4 src = mve::iota(SW);
  for (int c = 0; c < C; ++c, w += KH * KW) {
    mve_plane_rows<H, W, HP, WP, PT, PL>(x + c * H * W, plane);
    int32_t wk[KH * KW];
    for (int t = 0; t < KH * KW; ++t) wk[t] = w[t];
    const mve::I32x4 b = mve::dup(bias[c]);
    const auto o = mve::vec_channel(out, c);
    YT* yc = y + c * OH * OW;
    if (kWide) {
      mve_dw_wide<KH, KW, DH, DW, WP>(plane, wide, NW / 4, wk, b, o);
      const int j = NW / 4 * 4;
      if (j < NW) o(mve_dw4<KH, KW, 1, DH, DW, WP>(plane + j, wk, b, src, NW - j), wide + j, NW - j);
      for (int oh = 0; oh < OH; ++oh) mve::copy_bytes(reinterpret_cast<int8_t*>(yc + oh * OW), reinterpret_cast<const int8_t*>(wide + oh * WP), OW);
      continue;
    }
    for (int oh = 0; oh < OH; ++oh) {
      const int8_t* r0 = plane + oh * SH * WP;
      YT* yr = yc + oh * OW;
      int j = 0;
      for (; j + 4 <= OW; j += 4) o(mve_dw4<KH, KW, SW, DH, DW, WP>(r0 + j * SW, wk, b, src, 4), yr + j, 4);
      if (j < OW) o(mve_dw4<KH, KW, SW, DH, DW, WP>(r0 + j * SW, wk, b, src, OW - j), yr + j, OW - j);
    }
  }
}

// --- fully connected: y[i, n] = out(bias[n] + x[i, :] . w[n, :], n) ---

// R <= 6 output channels share each sixteen values of x (six accumulators in even registers).
// Returns the next block's weights.
template <int R, int K, typename YT, typename Out>
inline const int8_t* mve_fc_block(const int8_t* x, const int8_t* w, const int32_t* bias, YT* y, int n, Out out) {
  constexpr int KF = K / 16 * 16;
  int32_t a[6];
  for (int r = 0; r < 6; ++r) a[r] = bias[n + (r < R ? r : 0)];
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
  for (int k = 0; k < KF; k += 16, w += 16 * R) {
    const mve::I8x16 xv = mve::load16(x + k);
    a0 = mve::dot16(a0, mve::load16(w), xv);
    if (R > 1) a1 = mve::dot16(a1, mve::load16(w + 16), xv);
    if (R > 2) a2 = mve::dot16(a2, mve::load16(w + 32), xv);
    if (R > 3) a3 = mve::dot16(a3, mve::load16(w + 48), xv);
    if (R > 4) a4 = mve::dot16(a4, mve::load16(w + 64), xv);
    if (R > 5) a5 = mve::dot16(a5, mve::load16(w + 80), xv);
  }
  if (KF < K) {  // the last K % 16 under a tail predicate: nothing read past x's end
    const mve::I8x16 xv = mve::load16_tail(x + KF, K - KF);
    a0 = mve::dot16(a0, mve::load16(w), xv);
    if (R > 1) a1 = mve::dot16(a1, mve::load16(w + 16), xv);
    if (R > 2) a2 = mve::dot16(a2, mve::load16(w + 32), xv);
    if (R > 3) a3 = mve::dot16(a3, mve::load16(w + 48), xv);
    if (R > 4) a4 = mve::dot16(a4, mve::load16(w + 64), xv);
    if (R > 5) a5 = mve::dot16(a5, mve::load16(w + 80), xv);
    w += 16 * R;
  }
  y[n] = out(a0, n);
  if (R > 1) y[n + 1] = out(a1, n + 1);
  if (R > 2) y[n + 2] = out(a2, n + 2);
  if (R > 3) y[n + 3] = out(a3, n + 3);
  if (R > 4) y[n + 4] = out(a4, n + 4);
  if (R > 5) y[n + 5] = out(a5, n + 5);
  return w;
}

// w (qmve.cpp's fc_weights_mve): blocks of six channels, then one of four, two and one as N % 6
// leaves them; per chunk of sixteen k the block's channels' values (K padded with zeros to 16).
template <int ROWS, int N, int K, typename YT, typename Out>
inline void qfully_connected_mve(const int8_t* x, const int8_t* w, const int32_t* bias, YT* y, Out out) {
  constexpr int N6 = N / 6 * 6, T = N - N6;
  for (int i = 0; i < ROWS; ++i) {
    const int8_t* xi = x + i * K;
    YT* yi = y + i * N;
    const int8_t* wp = w;
    for (int n = 0; n < N6; n += 6) wp = mve_fc_block<6, K>(xi, wp, bias, yi, n, out);
    int n = N6;
    if (T >= 4) wp = mve_fc_block<4, K>(xi, wp, bias, yi, n, out), n += 4;
    if (T % 4 >= 2) wp = mve_fc_block<2, K>(xi, wp, bias, yi, n, out), n += 2;
    if (T % 2) mve_fc_block<1, K>(xi, wp, bias, yi, n, out);
  }
}

// --- quantized Add, same shapes: QAddLutHalfUp four elements at a time ---

// Per four elements: two widening byte loads, two table gathers (ta, tb: the compiler's 256-entry
// input stages), an add and the vector output stage. Reads four elements before writing them, so
// y may be a or b.
template <int N, typename A, typename B, typename YT, int S, int LO, int HI>
inline void qadd_lut_mve(const A* a, const B* b, YT* y, const int32_t* ta, const int32_t* tb, int32_t my, int32_t k) {
  const mve::VecHalfUp<YT, S, LO, HI> o{my, k};
  int i = 0;
  for (; i + 4 <= N; i += 4) o(mve::add(mve::lookup(ta, mve::bytes4(a + i)), mve::lookup(tb, mve::bytes4(b + i))), y + i, 4);
  if (i < N) {
    const mve::Pred p = mve::first(N - i);
    o(mve::add(mve::lookup(ta, mve::bytes4(a + i, p)), mve::lookup(tb, mve::bytes4(b + i, p))), y + i, N - i);
  }
}

}  // namespace kiln

#endif  // KILN_INT8_MVE_H_
