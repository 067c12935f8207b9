// kiln runtime: int8 kernels for cores whose multiplier forms one product per instruction (no DSP
// extension: Cortex-M0+, M3, RV32IMAC). The compiler picks them by capability (a core without
// `dsp` in targets/cores.def, compiler/ops/qconv.cpp); results equal the reference kernels of
// kiln_int8.h bit for bit (the same integer products and sums, the same output stage).
#ifndef KILN_INT8_NODSP_H_
#define KILN_INT8_NODSP_H_

#include "kiln_int8.h"

#if defined(__clang__)
#define KILN_I8_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define KILN_I8_UNROLL _Pragma("GCC unroll 16")
#else
#define KILN_I8_UNROLL
#endif

namespace kiln {

// Depthwise convolution (group = C = M, constant weights without zero point, bias folded with
// the input zero point as for qconv2d) through a padded plane: each channel is copied into
// `plane` [HP, WP] (planned scratch) with the padding set to x_zp, the real zero, so every output
// is a full window with no bounds checks (the reference adds x_zp times the skipped weights back,
// the same sum). Outputs go four along a row, the window's weights and taps unrolled. In place
// (y == x, OH * OW <= H * W): channel c's outputs land at or below its input, in the plane by then.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename XT, typename WT, typename YT, typename Out>
inline void qdepthwise_plane(const XT* x, const WT* w, const int32_t* bias, int32_t x_zp, YT* y, XT* plane,
                             Out out) {
  constexpr int HP = (OH - 1) * SH + (KH - 1) * DH + 1, WP = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr int kLeft = PL < WP ? PL : WP;                          // fill, then input, then fill
  constexpr int kEnd = W + PL < WP ? W + PL : WP;
  constexpr int OW4 = OW / 4 * 4;
  const XT fill = static_cast<XT>(x_zp);
  for (int c = 0; c < C; ++c) {
    const XT* xc = x + c * H * W;
    for (int r = 0; r < HP; ++r) {
      XT* d = plane + r * WP;
      const int ih = r - PT;
      if (ih < 0 || ih >= H) {
        for (int i = 0; i < WP; ++i) d[i] = fill;
        continue;
      }
      int i = 0;
      for (; i < kLeft; ++i) d[i] = fill;
      for (; i < kEnd; ++i) d[i] = xc[ih * W + i - PL];
      for (; i < WP; ++i) d[i] = fill;
    }
    int32_t wk[KH * KW];
    KILN_I8_UNROLL
    for (int i = 0; i < KH * KW; ++i) wk[i] = w[c * KH * KW + i];
    const int32_t b = bias[c];
    YT* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      const XT* xr = plane + oh * SH * WP;
      YT* yr = yc + oh * OW;
      int ow = 0;
      for (; ow < OW4; ow += 4) {
        int32_t a0 = b, a1 = b, a2 = b, a3 = b;
        KILN_I8_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_I8_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const XT* xt = xr + kh * DH * WP + ow * SW + kw * DW;
            const int32_t wv = wk[kh * KW + kw];
            a0 += static_cast<int32_t>(xt[0]) * wv;
            a1 += static_cast<int32_t>(xt[SW]) * wv;
            a2 += static_cast<int32_t>(xt[2 * SW]) * wv;
            a3 += static_cast<int32_t>(xt[3 * SW]) * wv;
          }
        }
        yr[ow] = out(a0, c), yr[ow + 1] = out(a1, c), yr[ow + 2] = out(a2, c), yr[ow + 3] = out(a3, c);
      }
      for (; ow < OW; ++ow) {
        int32_t a = b;
        KILN_I8_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_I8_UNROLL
          for (int kw = 0; kw < KW; ++kw)
            a += static_cast<int32_t>(xr[kh * DH * WP + ow * SW + kw * DW]) * wk[kh * KW + kw];
        }
        yr[ow] = out(a, c);
      }
    }
  }
}

// Convolution (one group; constant weights without zero point, bias folded as for qconv2d) through
// a row buffer: for each output row, the C * KH input rows its windows read are copied into
// `rows` [C * KH, WP] (planned scratch) with the padding set to x_zp, so every window is full and
// unchecked. Two output channels by four pixels accumulate per pass (eight registers), the taps of
// a row unrolled; the weights of the second channel are K bytes after the first's.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename XT, typename WT, typename YT, typename Out>
inline void qconv2d_rows(const XT* x, const WT* w, const int32_t* bias, int32_t x_zp, YT* y, XT* rows, Out out) {
  constexpr int WP = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr int kLeft = PL < WP ? PL : WP;
  constexpr int kEnd = W + PL < WP ? W + PL : WP;
  constexpr int K = C * KH * KW, OW4 = OW / 4 * 4;
  const XT fill = static_cast<XT>(x_zp);
  for (int oh = 0; oh < OH; ++oh) {
    const int ih0 = oh * SH - PT;
    for (int r = 0; r < C * KH; ++r) {
      XT* d = rows + r * WP;
      const int ih = ih0 + (r % KH) * DH;
      if (ih < 0 || ih >= H) {
        for (int i = 0; i < WP; ++i) d[i] = fill;
        continue;
      }
      const XT* s = x + ((r / KH) * H + ih) * W - PL;
      int i = 0;
      for (; i < kLeft; ++i) d[i] = fill;
      for (; i < kEnd; ++i) d[i] = s[i];
      for (; i < WP; ++i) d[i] = fill;
    }
    for (int m = 0; m < M; m += 2) {
      const bool pair = m + 1 < M;
      const WT* wm = w + m * K;
      const int wo = pair ? K : 0;  // the second channel's weights
      const int32_t b0 = bias[m], b1 = bias[pair ? m + 1 : m];
      YT* y0 = y + m * OH * OW + oh * OW;
      int ow = 0;
      for (; ow < OW4; ow += 4) {
        int32_t a0 = b0, a1 = b0, a2 = b0, a3 = b0, e0 = b1, e1 = b1, e2 = b1, e3 = b1;
        const XT* xr = rows + ow * SW;
        const WT* wr = wm;
        for (int r = 0; r < C * KH; ++r, xr += WP, wr += KW) {
          KILN_I8_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const int32_t u = wr[kw], v = wr[wo + kw];
            const int32_t x0 = xr[kw * DW], x1 = xr[kw * DW + SW], x2 = xr[kw * DW + 2 * SW], x3 = xr[kw * DW + 3 * SW];
            a0 += x0 * u, a1 += x1 * u, a2 += x2 * u, a3 += x3 * u;
            e0 += x0 * v, e1 += x1 * v, e2 += x2 * v, e3 += x3 * v;
          }
        }
        y0[ow] = out(a0, m), y0[ow + 1] = out(a1, m), y0[ow + 2] = out(a2, m), y0[ow + 3] = out(a3, m);
        if (pair) {
          YT* y1 = y0 + OH * OW;
          y1[ow] = out(e0, m + 1), y1[ow + 1] = out(e1, m + 1), y1[ow + 2] = out(e2, m + 1), y1[ow + 3] = out(e3, m + 1);
        }
      }
      for (; ow < OW; ++ow) {
        int32_t a = b0, e = b1;
        const XT* xr = rows + ow * SW;
        const WT* wr = wm;
        for (int r = 0; r < C * KH; ++r, xr += WP, wr += KW) {
          KILN_I8_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const int32_t xv = xr[kw * DW];
            a += xv * static_cast<int32_t>(wr[kw]);
            e += xv * static_cast<int32_t>(wr[wo + kw]);
          }
        }
        y0[ow] = out(a, m);
        if (pair) y0[OH * OW + ow] = out(e, m + 1);
      }
    }
  }
}

// y[i] = quantize() of x[i] per tensor into 8 bits, without float arithmetic (a division and a
// rounding are library calls on a core without an FPU): t[j] (255 entries, computed by the
// compiler, compiler/ops/quantize_linear.cpp) is the order key of the smallest float quantized to
// lo + j + 1 or more, so the output is lo plus the count of thresholds at or below x's key, found
// in eight steps. NaN gives lo, as quantize(). y may be x's bytes (in place: y[i] after x[i] is read).
template <int N, typename YT>
inline void quantize_thresholds(const float* x, const int32_t* t, YT* y) {
  for (int i = 0; i < N; ++i) {
    int32_t b;
    __builtin_memcpy(&b, x + i, sizeof b);
    const int32_t key = b ^ ((b >> 31) & 0x7FFFFFFF);
    int q = key >= t[127] ? 128 : 0;
    q += key >= t[q + 63] ? 64 : 0;
    q += key >= t[q + 31] ? 32 : 0;
    q += key >= t[q + 15] ? 16 : 0;
    q += key >= t[q + 7] ? 8 : 0;
    q += key >= t[q + 3] ? 4 : 0;
    q += key >= t[q + 1] ? 2 : 0;
    q += key >= t[q] ? 1 : 0;
    if ((b & 0x7FFFFFFF) > 0x7F800000) q = 0;
    y[i] = static_cast<YT>(QRange<YT>::lo + q);
  }
}

}  // namespace kiln

#endif  // KILN_INT8_NODSP_H_
