// kiln runtime: register-blocked float32 depthwise convolution for cores with a floating-point
// unit (the depthwise half of kiln_conv_blocked.h: same tiling ideas, weights of a whole
// channel's window in registers). On Arm FPU cores 3x3 windows run dw3x3_blocks
// (kiln_float_asm.h); elsewhere, and for other windows, the C loops below.
#ifndef KILN_CONV_BLOCKED_DW_H_
#define KILN_CONV_BLOCKED_DW_H_

#include "kiln_conv_blocked.h"

namespace kiln {

// The activations the depthwise assembly loop applies itself (KIND of dw3x3_blocks), -1 for the
// others (their layers keep the C loops), and Clip's bound as integer bits.
template <int Kind>
struct AsmActNoBound {
  static constexpr int kKind = Kind;
  template <typename Act>
  static int32_t hi(const Act&) { return 0; }
};
template <typename Act>
struct AsmAct : AsmActNoBound<-1> {};
template <>
struct AsmAct<ActNone> : AsmActNoBound<0> {};
template <>
struct AsmAct<ActKeep> : AsmActNoBound<0> {};
template <>
struct AsmAct<ActReluBits> : AsmActNoBound<1> {};
template <>
struct AsmAct<ActClampBits> {
  static constexpr int kKind = 2;
  static int32_t hi(const ActClampBits& a) {
    int32_t h;
    __builtin_memcpy(&h, &a.hi, sizeof h);
    return h;
  }
};

// Whether the depthwise kernels run dw3x3_blocks: 3x3 windows, undilated, strides 1 or 2.
template <int KH, int KW, int SH, int SW, int DH, int DW, int OW, typename Act>
constexpr bool asm_dw3x3() {
  return KILN_FP_ASM && KH == 3 && KW == 3 && DH == 1 && DW == 1 && (SH == 1 || SH == 2) && (SW == 1 || SW == 2) &&
         AsmAct<Act>::kKind >= 0 && OW * 4 <= 4095;
}

// Outputs [ow0, ow1) of output row oh of one depthwise channel, every tap bounds-checked.
template <int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, typename Act>
inline void depthwise2d_row(const float* xc, const float* wc, float b, int oh, int ow0, int ow1, float* yr,
                            Act act) {
  const int ih0 = oh * SH - PT;
  int kh0, kh1;
  window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
  for (int ow = ow0; ow < ow1; ++ow) {
    const int iw0 = ow * SW - PL;
    int kw0, kw1;
    window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
    float acc = b;
    for (int kh = kh0; kh < kh1; ++kh) {
      const float* xr = xc + (ih0 + kh * DH) * W + iw0;
      for (int kw = kw0; kw < kw1; ++kw) acc += xr[kw * DW] * wc[kh * KW + kw];
    }
    yr[ow] = act(acc);
  }
}

// Outputs ow to ow + 3 (dw_window4) or ow alone (dw_window1) of one depthwise output row: the
// unchecked KH x KW window, its rows XS floats apart from xr (pixel 0's window), taps DW apart,
// pixels SW apart, the weights wk held in registers.
template <int KH, int KW, int SW, int DH, int DW, int XS, typename Act>
KILN_ALWAYS_INLINE inline void dw_window4(const float* xr, const float* wk, float b, float* yr, int ow, Act act) {
  float a0 = b, a1 = b, a2 = b, a3 = b;
  KILN_UNROLL
  for (int kh = 0; kh < KH; ++kh) {
    KILN_UNROLL
    for (int kw = 0; kw < KW; ++kw) {
      const float* xt = xr + kh * DH * XS + ow * SW + kw * DW;
      const float wv = wk[kh * KW + kw];
      a0 += wv * xt[0], a1 += wv * xt[SW], a2 += wv * xt[2 * SW], a3 += wv * xt[3 * SW];
    }
  }
  yr[ow] = act(a0), yr[ow + 1] = act(a1), yr[ow + 2] = act(a2), yr[ow + 3] = act(a3);
}
template <int KH, int KW, int SW, int DH, int DW, int XS, typename Act>
KILN_ALWAYS_INLINE inline void dw_window1(const float* xr, const float* wk, float b, float* yr, int ow, Act act) {
  float a = b;
  KILN_UNROLL
  for (int kh = 0; kh < KH; ++kh) {
    KILN_UNROLL
    for (int kw = 0; kw < KW; ++kw) a += wk[kh * KW + kw] * xr[kh * DH * XS + ow * SW + kw * DW];
  }
  yr[ow] = act(a);
}

// Depthwise 2-D convolution with the window's weights held in registers for a whole channel:
// rows whose window lies inside the input vertically run four pixels at a time with the window
// unrolled; the border rows and columns take depthwise2d's checked path.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void depthwise2d_blocked(const float* x, const float* w, const float* bias, float* y, Act act) {
  constexpr int kBegin = conv_inner_begin(PL, SW);
  constexpr int kEnd = conv_inner_end(W, KW, SW, PL, DW, OW);
  constexpr int kRowBegin = conv_inner_begin(PT, SH);
  constexpr int kRowEnd = conv_inner_end(H, KH, SH, PT, DH, OH);
  constexpr bool kAsm = asm_dw3x3<KH, KW, SH, SW, DH, DW, OW, Act>();
  (void)kAsm;
  for (int c = 0; c < C; ++c) {
    const float* xc = x + c * H * W;
    float* yc = y + c * OH * OW;
    const float* wc = w + c * KH * KW;
    const float b = bias ? bias[c] : 0.0f;
    float wk[KH * KW];  // the window, copied so that the stores to y cannot alias it: registers
    KILN_UNROLL
    for (int i = 0; i < KH * KW; ++i) wk[i] = wc[i];
    for (int oh = 0; oh < OH; ++oh) {
      if (oh < kRowBegin || oh >= kRowEnd || kBegin >= kEnd) {  // the checked path for the row
        depthwise2d_row<H, W, KH, KW, SH, SW, PT, PL, DH, DW>(xc, wc, b, oh, 0, OW, yc + oh * OW, act);
        continue;
      }
      const float* xr = xc + (oh * SH - PT) * W - PL;
      float* yr = yc + oh * OW;
      depthwise2d_row<H, W, KH, KW, SH, SW, PT, PL, DH, DW>(xc, wc, b, oh, 0, kBegin, yr, act);
      int ow = kBegin;
#if KILN_FP_ASM
      if (kAsm && kEnd - kBegin >= 4) {
        const int n = (kEnd - kBegin) / 4;
        dw3x3_blocks<SH == 2 ? 2 : 1, SW == 2 ? 2 : 1, W, kAsm ? OW : 1, false, kAsm ? AsmAct<Act>::kKind : 0>(
            xr + kBegin * SW, wc, &b, yr + kBegin, n, AsmAct<Act>::hi(act));
        ow += 4 * n;
      }
#endif
      for (; ow + 4 <= kEnd; ow += 4) dw_window4<KH, KW, SW, DH, DW, W>(xr, wk, b, yr, ow, act);
      for (; ow < kEnd; ++ow) dw_window1<KH, KW, SW, DH, DW, W>(xr, wk, b, yr, ow, act);
      depthwise2d_row<H, W, KH, KW, SH, SW, PT, PL, DH, DW>(xc, wc, b, oh, kEnd, OW, yr, act);
    }
  }
}

// Depthwise 2-D convolution of small images, where border outputs would dominate: channel by
// channel the input is copied into the middle of `plane` [HP, WP] (planned scratch, HP * WP
// floats, its zero border written once), so every output runs the unchecked window with the
// weights in registers, 2 rows x 4 pixels at a time. y may equal x (in place, when
// OH * OW <= H * W): channel c's outputs land at or below its input, which is in the plane by then.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void depthwise2d_padded(const float* x, const float* w, const float* bias, float* plane, float* y, Act act) {
  constexpr int HP = (OH - 1) * SH + (KH - 1) * DH + 1, WP = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr int kRows = H < HP - PT ? H : HP - PT, kCols = W < WP - PL ? W : WP - PL;  // input in the plane
  constexpr int OW4 = OW / 4 * 4;
  constexpr bool kAsm = asm_dw3x3<KH, KW, SH, SW, DH, DW, OW, Act>();
  (void)kAsm;
  for (int i = 0; i < HP * WP; ++i) plane[i] = 0.0f;
  for (int c = 0; c < C; ++c) {
    const float* xc = x + c * H * W;
    for (int ih = 0; ih < kRows; ++ih) {
#if KILN_FP_ASM
      if (kCols > 0) {
        copy_floats<(kCols > 0 ? kCols : 1)>(xc + ih * W, plane + (ih + PT) * WP + PL);
        continue;
      }
#endif
      KILN_UNROLL_4
      for (int iw = 0; iw < kCols; ++iw) plane[(ih + PT) * WP + iw + PL] = xc[ih * W + iw];
    }
    float wk[KH * KW];
    KILN_UNROLL
    for (int i = 0; i < KH * KW; ++i) wk[i] = w[c * KH * KW + i];
    const float b = bias ? bias[c] : 0.0f;
    float* yc = y + c * OH * OW;
    int oh = 0;
    for (; oh + 2 <= OH; oh += 2) {  // two output rows share the input rows their windows overlap
      const float* xr = plane + oh * SH * WP;
      float* yr = yc + oh * OW;
      int ow = 0;
#if KILN_FP_ASM
      if (kAsm && OW4 > 0) {
        dw3x3_blocks<SH == 2 ? 2 : 1, SW == 2 ? 2 : 1, WP, kAsm ? OW : 1, true, kAsm ? AsmAct<Act>::kKind : 0>(
            xr, w + c * KH * KW, &b, yr, OW4 / 4, AsmAct<Act>::hi(act));
        ow = OW4;
      }
#endif
      for (; ow < OW4; ow += 4) {
        float a0 = b, a1 = b, a2 = b, a3 = b, e0 = b, e1 = b, e2 = b, e3 = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const float* xt = xr + kh * DH * WP + ow * SW + kw * DW;
            const float* xu = xt + SH * WP;
            const float wv = wk[kh * KW + kw];
            a0 += wv * xt[0], a1 += wv * xt[SW], a2 += wv * xt[2 * SW], a3 += wv * xt[3 * SW];
            e0 += wv * xu[0], e1 += wv * xu[SW], e2 += wv * xu[2 * SW], e3 += wv * xu[3 * SW];
          }
        }
        yr[ow] = act(a0), yr[ow + 1] = act(a1), yr[ow + 2] = act(a2), yr[ow + 3] = act(a3);
        yr[OW + ow] = act(e0), yr[OW + ow + 1] = act(e1), yr[OW + ow + 2] = act(e2), yr[OW + ow + 3] = act(e3);
      }
      for (; ow < OW; ++ow) {
        float a = b, e = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const float* xt = xr + kh * DH * WP + ow * SW + kw * DW;
            a += wk[kh * KW + kw] * xt[0];
            e += wk[kh * KW + kw] * xt[SH * WP];
          }
        }
        yr[ow] = act(a), yr[OW + ow] = act(e);
      }
    }
    for (; oh < OH; ++oh) {
      const float* xr = plane + oh * SH * WP;
      float* yr = yc + oh * OW;
      int ow = 0;
#if KILN_FP_ASM
      if (kAsm && OW4 > 0) {
        dw3x3_blocks<SH == 2 ? 2 : 1, SW == 2 ? 2 : 1, WP, kAsm ? OW : 1, false, kAsm ? AsmAct<Act>::kKind : 0>(
            xr, w + c * KH * KW, &b, yr, OW4 / 4, AsmAct<Act>::hi(act));
        ow = OW4;
      }
#endif
      for (; ow < OW4; ow += 4) dw_window4<KH, KW, SW, DH, DW, WP>(xr, wk, b, yr, ow, act);
      for (; ow < OW; ++ow) dw_window1<KH, KW, SW, DH, DW, WP>(xr, wk, b, yr, ow, act);
    }
  }
}

// depthwise2d_blocked in place (as depthwise2d_inplace): channel c goes to the one-channel
// temporary `tmp` [OH*OW], then down to the output's channel c over already-consumed input.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void depthwise2d_blocked_inplace(float* xy, const float* w, const float* bias, float* tmp, Act act) {
  static_assert(OH * OW <= H * W, "in-place depthwise needs an output no larger than its input");
  for (int c = 0; c < C; ++c) {
    depthwise2d_blocked<1, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(xy + c * H * W, w + c * KH * KW,
                                                                         bias ? bias + c : bias, tmp, act);
    float* yc = xy + c * OH * OW;
#if KILN_FP_ASM
    copy_floats<OH * OW>(tmp, yc);
    continue;
#endif
    for (int i = 0; i < OH * OW; ++i) yc[i] = tmp[i];
  }
}
}  // namespace kiln

#endif  // KILN_CONV_BLOCKED_DW_H_
