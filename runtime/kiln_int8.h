// kiln runtime: int8 / uint8 inference kernels (the TFLite int8 scheme).
//
// Real value = scale * (q - zero_point). Accumulators are int32; an output is requantized by a
// Q31 fixed-point multiplier and a power-of-two shift (TFLite's QuantizeMultiplier format),
// offset by the output zero point and clamped (a fused Relu/Clip narrows the clamp). Models whose scales are constants (every real
// model) get multipliers, shifts, zero-point-folded biases and zero-point-free weights computed
// by the compiler: the kernels then use no floating point at all. Only QuantizeLinear and
// DequantizeLinear (the float boundary) touch floats, and so does the RequantRuntime stage used
// when a model feeds its scales as graph inputs (ONNX's own operator tests do).
//
// Layouts: NCHW activations, conv weights [M, C/G, KH, KW], fully connected weights [N, K] (one
// row per output), matmul operands row-major.
#ifndef KILN_INT8_H_
#define KILN_INT8_H_

#include "kiln_base.h"

namespace kiln {

// --- fixed-point requantization ---

// x * mult * 2^(shift - 31) rounded once, to nearest with ties to even (ONNX's rounding), from
// the exact 64-bit product: TFLite's MultiplyByQuantizedMultiplier in its single-rounding form
// (TFLITE_SINGLE_ROUNDING; CMSIS-NN's CMSIS_NN_USE_SINGLE_ROUNDING) with even ties. The
// gemmlowp form (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) rounds twice and
// misses onnxruntime's result on about 1 % of outputs; see docs/quantization.md. mult in
// [0, 2^31), shift in [-31, 30].
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t mult, int32_t shift) {
  const int total = 31 - shift;
  const int64_t p = static_cast<int64_t>(x) * static_cast<int64_t>(mult);
  const int64_t half = (int64_t(1) << (total - 1)) - 1 + ((p >> total) & 1);
  return static_cast<int32_t>((p + half) >> total);
}

// The same with the shift a compile-time constant: the 64-bit shifts become a few instructions
// (the compiler gives every channel of a layer one shift when that costs no precision).
template <int SHIFT>
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t mult) {
  constexpr int total = 31 - SHIFT;
  const int64_t p = static_cast<int64_t>(x) * static_cast<int64_t>(mult);
  const int64_t half = (int64_t(1) << (total - 1)) - 1 + ((p >> total) & 1);
  return static_cast<int32_t>((p + half) >> total);
}

// TFLite's QuantizeMultiplier for a multiplier known only at run time (RequantRuntime).
inline void quantize_multiplier(double m, int32_t* mult, int32_t* shift) {
  if (!(m > 0.0) || m != m) {
    *mult = 0;
    *shift = 0;
    return;
  }
  int e = 0;
  while (m >= 1.0) {
    m *= 0.5;
    ++e;
  }
  while (m < 0.5) {
    m *= 2.0;
    --e;
  }
  int64_t q = static_cast<int64_t>(m * 2147483648.0 + 0.5);
  if (q == (int64_t(1) << 31)) {
    q /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    q = 0;
  }
  if (e > 30) {
    e = 30;
    q = INT32_MAX;
  }
  *mult = static_cast<int32_t>(q);
  *shift = e;
}

template <typename T> struct QRange;
template <> struct QRange<int8_t> { static constexpr int32_t lo = -128, hi = 127; };
template <> struct QRange<uint8_t> { static constexpr int32_t lo = 0, hi = 255; };

template <typename YT>
inline YT clamp_to(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<YT>(v < lo ? lo : (v > hi ? hi : v));
}

// --- output stages: accumulator of output channel `c` -> stored value ---

template <typename YT, int SHIFT>
struct RequantPerTensor {
  int32_t mult, zp, lo, hi;
  YT operator()(int32_t acc, int) const {
    return clamp_to<YT>(zp + multiply_by_quantized_multiplier<SHIFT>(acc, mult), lo, hi);
  }
};

// Per-channel multipliers sharing one shift.
template <typename YT, int SHIFT>
struct RequantPerChannel {
  const int32_t* mult;
  int32_t zp, lo, hi;
  YT operator()(int32_t acc, int c) const {
    return clamp_to<YT>(zp + multiply_by_quantized_multiplier<SHIFT>(acc, mult[c]), lo, hi);
  }
};

// Per-channel multipliers and shifts (channels whose scales lie too far apart to share a shift).
template <typename YT>
struct RequantPerChannelShift {
  const int32_t* mult;
  const int32_t* shift;
  int32_t zp, lo, hi;
  YT operator()(int32_t acc, int c) const {
    return clamp_to<YT>(zp + multiply_by_quantized_multiplier(acc, mult[c], shift[c]), lo, hi);
  }
};

// Scales and output zero point read at run time (operator tests feed them as inputs). The
// multiplier is derived exactly as the compiler derives it: double(sx) * double(sw) / double(sy).
template <typename YT, typename ZT, bool PerChannel>
struct RequantRuntime {
  const float* sx;
  const float* sw;
  const float* sy;
  const ZT* zy;  // may be null
  YT operator()(int32_t acc, int c) const {
    int32_t mult, shift;
    quantize_multiplier(static_cast<double>(sx[0]) * static_cast<double>(sw[PerChannel ? c : 0]) /
                            static_cast<double>(sy[0]),
                        &mult, &shift);
    const int32_t z = zy ? static_cast<int32_t>(zy[0]) : 0;
    return clamp_to<YT>(z + multiply_by_quantized_multiplier(acc, mult, shift), QRange<YT>::lo, QRange<YT>::hi);
  }
};

// ConvInteger / MatMulInteger: the raw int32 accumulator.
struct StoreAcc {
  int32_t operator()(int32_t acc, int) const { return acc; }
};

// --- boundary: float <-> quantized ---

// Round to nearest, ties to even, for |v| < 2^22 (values are clamped first). Truncation and the
// exact remainder instead of floorf, which is a library call on cores without VRINT.
inline int32_t round_half_even(float v) {
#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__thumb2__) && !defined(KILN_NO_ASM)
  // VCVTR rounds as FPSCR says: to nearest, ties to even, unless the firmware changed the mode.
  float r;
  __asm__("vcvtr.s32.f32 %0, %1" : "=t"(r) : "t"(v));
  int32_t i;
  __builtin_memcpy(&i, &r, 4);
  return i;
#else
  int32_t t = static_cast<int32_t>(v);
  const float f = v - static_cast<float>(t);  // exact
  if (f > 0.5f || (f == 0.5f && (t & 1))) ++t;
  else if (f < -0.5f || (f == -0.5f && (t & 1))) --t;
  return t;
#endif
}

// y = saturate(round(x / scale) + zero_point) (ONNX QuantizeLinear: float division, ties to
// even). Per axis: channel of element i is (i / INNER) % C; C = 1 is per tensor. zp may be null.
template <int N, int C, int INNER, typename YT, typename ZT>
inline void quantize(const float* x, const float* scale, const ZT* zp, YT* y) {
  for (int c0 = 0; c0 < C; ++c0) {  // per channel: parameters read once (y may alias them)
    const int32_t z = zp ? static_cast<int32_t>(zp[c0]) : 0;
    const float s = scale[c0];
    const float lo = static_cast<float>(QRange<YT>::lo - z), hi = static_cast<float>(QRange<YT>::hi - z);
    for (int i0 = c0 * INNER; i0 < N; i0 += C * INNER)
      for (int i = i0; i < i0 + INNER; ++i) {
        float v = x[i] / s;
        v = v > lo ? v : lo;  // NaN -> lo, as onnxruntime
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(KILN_NO_ASM)
        // The upper clamp after rounding (hi is an integer, so they commute): VCVTR saturates,
        // QADD and SSAT/USAT finish in integers.
        (void)hi;
        const int32_t r = __builtin_arm_qadd(round_half_even(v), z);
        y[i] = static_cast<YT>(QRange<YT>::lo < 0 ? __builtin_arm_ssat(r, 8) : __builtin_arm_usat(r, 8));
#else
        v = v < hi ? v : hi;
        y[i] = static_cast<YT>(round_half_even(v) + z);
#endif
      }
  }
}

// y = (x - zero_point) * scale.
template <int N, int C, int INNER, typename XT, typename ZT>
inline void dequantize(const XT* x, const float* scale, const ZT* zp, float* y) {
  for (int i = 0; i < N; ++i) {
    const int c = C == 1 ? 0 : (i / INNER) % C;
    const int32_t z = zp ? static_cast<int32_t>(zp[c]) : 0;
    y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - z) * scale[c];
  }
}

// --- convolution ---

// Constant weights and parameters. w holds weights minus their zero point; bias[m] is
// B[m] - x_zp * wsum[m] with wsum[m] the sum of channel m's weights, so a window that lies fully
// inside the input accumulates plain x * w products. A window clipped by padding adds back
// x_zp times the weights it skipped (padding holds x_zp, the real value zero).
//
// Interior windows are computed in blocks that share loads: two output channels by two pixels
// (or two pixels of one channel for depthwise convolutions); the rest one output at a time.
template <int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, int CG, typename XT,
          typename WT>
inline int32_t qconv_window(const XT* xg, const WT* wm, int32_t bias, int32_t wsum, int32_t x_zp, int oh, int ow) {
  const int ih0 = oh * SH - PT, iw0 = ow * SW - PL;
  int kh0 = 0, kh1 = KH, kw0 = 0, kw1 = KW;
  while (kh0 < KH && ih0 + kh0 * DH < 0) ++kh0;
  while (kh1 > kh0 && ih0 + (kh1 - 1) * DH >= H) --kh1;
  while (kw0 < KW && iw0 + kw0 * DW < 0) ++kw0;
  while (kw1 > kw0 && iw0 + (kw1 - 1) * DW >= W) --kw1;
  int32_t acc = bias, ws = 0;
  for (int c = 0; c < CG; ++c) {
    const XT* xc = xg + c * H * W + ih0 * W + iw0;
    const WT* wc = wm + c * KH * KW;
    for (int kh = kh0; kh < kh1; ++kh)
      for (int kw = kw0; kw < kw1; ++kw) {
        const int32_t wv = wc[kh * KW + kw];
        acc += static_cast<int32_t>(xc[kh * DH * W + kw * DW]) * wv;
        ws += wv;
      }
  }
  return acc + x_zp * (wsum - ws);
}

template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, int G, typename XT, typename WT, typename YT, typename Out>
inline void qconv2d(const XT* x, const WT* w, const int32_t* bias, const int32_t* wsum, int32_t x_zp, YT* y,
                    Out out) {
  constexpr int CG = C / G;
  constexpr int MG = M / G;
  constexpr int K = CG * KH * KW;
  // Output rows and columns whose windows lie inside the input: [oh0, oh1) x [ow0, ow1).
  constexpr int oh0 = (PT + SH - 1) / SH, ow0 = (PL + SW - 1) / SW;
  constexpr int nh = H + PT - (KH - 1) * DH - 1, nw = W + PL - (KW - 1) * DW - 1;
  constexpr int oh1r = nh < 0 ? 0 : nh / SH + 1, ow1r = nw < 0 ? 0 : nw / SW + 1;
  constexpr int oh1 = oh1r < OH ? oh1r : OH, ow1 = ow1r < OW ? ow1r : OW;
  for (int m = 0; m < M;) {
    const int g = m / MG;
    const XT* xg = x + g * CG * H * W;
    const bool pair = MG > 1 && m + 1 < (g + 1) * MG;  // two channels of one group
    const WT* w0 = w + m * K;
    const WT* w1 = w0 + (pair ? K : 0);
    for (int oh = 0; oh < OH; ++oh) {
      const bool row_in = oh >= oh0 && oh < oh1;
      for (int ow = 0; ow < OW;) {
        if (!row_in || ow < ow0 || ow >= ow1) {
          y[m * OH * OW + oh * OW + ow] =
              out(qconv_window<C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, CG>(xg, w0, bias[m], wsum[m], x_zp, oh, ow), m);
          if (pair)
            y[(m + 1) * OH * OW + oh * OW + ow] = out(
                qconv_window<C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, CG>(xg, w1, bias[m + 1], wsum[m + 1], x_zp, oh, ow),
                m + 1);
          ++ow;
          continue;
        }
        const bool two = ow + 1 < ow1;  // two pixels
        const int step = two ? SW : 0;  // a lone pixel reads itself twice, never past the input
        const XT* xp = xg + (oh * SH - PT) * W + (ow * SW - PL);
        int32_t a00 = bias[m], a01 = two ? a00 : 0, a10 = pair ? bias[m + 1] : 0, a11 = pair && two ? a10 : 0;
        for (int c = 0; c < CG; ++c) {
          const XT* xc = xp + c * H * W;
          const WT* wc0 = w0 + c * KH * KW;
          const WT* wc1 = w1 + c * KH * KW;
          for (int kh = 0; kh < KH; ++kh) {
            const XT* xr = xc + kh * DH * W;
            for (int kw = 0; kw < KW; ++kw) {
              const int32_t x0 = xr[kw * DW], x1 = xr[kw * DW + step];
              const int32_t v0 = wc0[kh * KW + kw], v1 = wc1[kh * KW + kw];
              a00 += x0 * v0;
              a01 += x1 * v0;
              a10 += x0 * v1;
              a11 += x1 * v1;
            }
          }
        }
        YT* y0 = y + m * OH * OW + oh * OW + ow;
        y0[0] = out(a00, m);
        if (two) y0[1] = out(a01, m);
        if (pair) {
          y0[OH * OW] = out(a10, m + 1);
          if (two) y0[OH * OW + 1] = out(a11, m + 1);
        }
        ow += two ? 2 : 1;
      }
    }
    m += pair ? 2 : 1;
  }
}

// 1x1, stride 1, unpadded, ungrouped convolution: Y[M, P] = W[M, C] . X[C, P]. Blocks of two
// output channels by four pixels share their loads.
template <int C, int P, int M, typename XT, typename WT, typename YT, typename Out>
inline void qconv_pointwise(const XT* x, const WT* w, const int32_t* bias, YT* y, Out out) {
  for (int m = 0; m < M; m += 2) {
    const bool pair = m + 1 < M;
    const WT* w0 = w + m * C;
    const WT* w1 = pair ? w0 + C : w0;
    int p = 0;
    for (; p + 4 <= P; p += 4) {
      int32_t a0 = bias[m], a1 = a0, a2 = a0, a3 = a0;
      int32_t b0 = bias[pair ? m + 1 : m], b1 = b0, b2 = b0, b3 = b0;
      const XT* xp = x + p;
      for (int c = 0; c < C; ++c, xp += P) {
        const int32_t v0 = w0[c], v1 = w1[c];
        const int32_t x0 = xp[0], x1 = xp[1], x2 = xp[2], x3 = xp[3];
        a0 += x0 * v0;
        a1 += x1 * v0;
        a2 += x2 * v0;
        a3 += x3 * v0;
        b0 += x0 * v1;
        b1 += x1 * v1;
        b2 += x2 * v1;
        b3 += x3 * v1;
      }
      YT* ym = y + m * P + p;
      ym[0] = out(a0, m);
      ym[1] = out(a1, m);
      ym[2] = out(a2, m);
      ym[3] = out(a3, m);
      if (pair) {
        ym[P] = out(b0, m + 1);
        ym[P + 1] = out(b1, m + 1);
        ym[P + 2] = out(b2, m + 1);
        ym[P + 3] = out(b3, m + 1);
      }
    }
    for (; p < P; ++p) {
      int32_t a = bias[m], b = bias[pair ? m + 1 : m];
      for (int c = 0; c < C; ++c) {
        const int32_t xv = x[c * P + p];
        a += xv * static_cast<int32_t>(w0[c]);
        b += xv * static_cast<int32_t>(w1[c]);
      }
      y[m * P + p] = out(a, m);
      if (pair) y[(m + 1) * P + p] = out(b, m + 1);
    }
  }
}

// --- in-place convolutions (below the liveness bound; see passes/inplace.cpp) ---
// x and y point at the same bytes (XT and YT are both one byte). Kept apart from the kernels above
// so those can be rewritten freely: these only reuse them or mirror their arithmetic.

// The output stage of channel c + m for a kernel run on channels from c on.
template <typename Out>
struct ChannelOffset {
  Out out;
  int c;
  auto operator()(int32_t acc, int m) const -> decltype(out(acc, m)) { return out(acc, m + c); }
};

// Depthwise qconv2d (G = C = M, constant parameters) in place: channel c's outputs go to `tmp`
// [OH * OW] and are then copied to y's channel c, which ends at or before x's channel c + 1
// (OH * OW <= H * W): only consumed input is overwritten.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename XT, typename WT, typename YT, typename Out>
inline void qdepthwise2d_inplace(const XT* x, const WT* w, const int32_t* bias, const int32_t* wsum, int32_t x_zp,
                                 YT* y, YT* tmp, Out out) {
  static_assert(OH * OW <= H * W, "in-place depthwise needs an output no larger than its input");
  static_assert(sizeof(XT) == 1 && sizeof(YT) == 1, "in-place kernels need one-byte elements");
  for (int c = 0; c < C; ++c) {
    qconv2d<1, H, W, 1, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW, 1>(x + c * H * W, w + c * KH * KW, bias + c, wsum + c,
                                                                   x_zp, tmp, ChannelOffset<Out>{out, c});
    YT* yc = y + c * OH * OW;
    for (int i = 0; i < OH * OW; ++i) yc[i] = tmp[i];
  }
}

// qconv_pointwise in place, NCHW: x == y + K * P for some K >= 0 (K <= M - C when M > C), so
// element (c, q) of X and (m, p) of Y share a byte only when m == c + K and q == p: output pixel
// p clobbers only input pixel p (see kiln::pointwise_inplace). Each block of B pixels is gathered
// into `tmp` [C * B] before its outputs are written.
template <int C, int P, int M, int B, typename XT, typename WT, typename YT, typename Out>
inline void qconv_pointwise_inplace(const XT* x, const WT* w, const int32_t* bias, YT* y, XT* tmp, Out out) {
  static_assert(sizeof(XT) == 1 && sizeof(YT) == 1, "in-place kernels need one-byte elements");
  static_assert(B == 4, "blocks of four pixels (the accumulators below)");
  for (int p0 = 0; p0 < P; p0 += 4) {
    const int nb = P - p0 < 4 ? P - p0 : 4;
    for (int c = 0; c < C; ++c)
      for (int j = 0; j < 4; ++j) tmp[c * 4 + j] = j < nb ? x[c * P + p0 + j] : XT(0);
    for (int m = 0; m < M; m += 2) {  // two output channels by four pixels share each load
      const bool pair = m + 1 < M;
      const WT* w0 = w + m * C;
      const WT* w1 = pair ? w0 + C : w0;
      int32_t a0 = bias[m], a1 = a0, a2 = a0, a3 = a0;
      int32_t b0 = bias[pair ? m + 1 : m], b1 = b0, b2 = b0, b3 = b0;
      const XT* t = tmp;
      for (int c = 0; c < C; ++c, t += 4) {
        const int32_t u = w0[c], v = w1[c];
        const int32_t x0 = t[0], x1 = t[1], x2 = t[2], x3 = t[3];
        a0 += x0 * u;
        a1 += x1 * u;
        a2 += x2 * u;
        a3 += x3 * u;
        b0 += x0 * v;
        b1 += x1 * v;
        b2 += x2 * v;
        b3 += x3 * v;
      }
      const int32_t a[4] = {a0, a1, a2, a3}, b[4] = {b0, b1, b2, b3};
      for (int j = 0; j < nb; ++j) {
        y[m * P + p0 + j] = out(a[j], m);
        if (pair) y[(m + 1) * P + p0 + j] = out(b[j], m + 1);
      }
    }
  }
}

// Any parameters, constant or not: acc = B[m] + sum (x - x_zp) * (w - w_zp[m]) over the taps
// inside the input. Zero points and bias may be null (zero). Used by ConvInteger and by
// QLinearConv when a model feeds weights or zero points as graph inputs.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, int G, bool WZPerChannel, typename XT, typename WT, typename ZX, typename ZW,
          typename YT, typename Out>
inline void qconv2d_generic(const XT* x, const ZX* x_zp, const WT* w, const ZW* w_zp, const int32_t* bias, YT* y,
                            Out out) {
  constexpr int CG = C / G;
  constexpr int MG = M / G;
  const int32_t zx = x_zp ? static_cast<int32_t>(x_zp[0]) : 0;
  for (int m = 0; m < M; ++m) {
    const int g = m / MG;
    const int32_t zw = w_zp ? static_cast<int32_t>(w_zp[WZPerChannel ? m : 0]) : 0;
    for (int oh = 0; oh < OH; ++oh)
      for (int ow = 0; ow < OW; ++ow) {
        int32_t acc = bias ? bias[m] : 0;
        for (int c = 0; c < CG; ++c)
          for (int kh = 0; kh < KH; ++kh) {
            const int ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= H) continue;
            for (int kw = 0; kw < KW; ++kw) {
              const int iw = ow * SW - PL + kw * DW;
              if (iw < 0 || iw >= W) continue;
              acc += (static_cast<int32_t>(x[((g * CG + c) * H + ih) * W + iw]) - zx) *
                     (static_cast<int32_t>(w[((m * CG + c) * KH + kh) * KW + kw]) - zw);
            }
          }
        y[(m * OH + oh) * OW + ow] = out(acc, m);
      }
  }
}

// --- fully connected / matmul ---

// Constant weights: y[i, n] = out(bias[n] + x[i, :] . w[n, :], n), w [N, K] without zero point,
// bias[n] = B[n] - x_zp * sum(w[n, :]).
template <int M, int N, int K, typename XT, typename WT, typename YT, typename Out>
inline void qfully_connected(const XT* x, const WT* w, const int32_t* bias, YT* y, Out out) {
  for (int i = 0; i < M; ++i) {
    const XT* xi = x + i * K;
    for (int n = 0; n < N; n += 2) {
      const bool pair = n + 1 < N;
      const WT* w0 = w + n * K;
      const WT* w1 = pair ? w0 + K : w0;
      int32_t a = bias[n], b = bias[pair ? n + 1 : n];
      for (int k = 0; k < K; ++k) {
        const int32_t xv = xi[k];
        a += xv * static_cast<int32_t>(w0[k]);
        b += xv * static_cast<int32_t>(w1[k]);
      }
      y[i * N + n] = out(a, n);
      if (pair) y[i * N + n + 1] = out(b, n + 1);
    }
  }
}

// Any parameters: BATCH products A[M, K] . B[K, N] (A advances ASTRIDE, B BSTRIDE elements per
// batch; 0 broadcasts), acc = sum (a - a_zp) * (b - b_zp[n]) (+ bias[n]).
template <int BATCH, int M, int N, int K, int ASTRIDE, int BSTRIDE, bool BZPerColumn, typename AT, typename BT,
          typename ZA, typename ZB, typename YT, typename Out>
inline void qmatmul_generic(const AT* a, const ZA* a_zp, const BT* b, const ZB* b_zp, const int32_t* bias, YT* y,
                            Out out) {
  const int32_t za = a_zp ? static_cast<int32_t>(a_zp[0]) : 0;
  for (int bt = 0; bt < BATCH; ++bt) {
    const AT* ab = a + bt * ASTRIDE;
    const BT* bb = b + bt * BSTRIDE;
    YT* yb = y + bt * M * N;
    for (int i = 0; i < M; ++i)
      for (int n = 0; n < N; ++n) {
        const int32_t zb = b_zp ? static_cast<int32_t>(b_zp[BZPerColumn ? n : 0]) : 0;
        int32_t acc = bias ? bias[n] : 0;
        for (int k = 0; k < K; ++k)
          acc += (static_cast<int32_t>(ab[i * K + k]) - za) * (static_cast<int32_t>(bb[k * N + n]) - zb);
        yb[i * N + n] = out(acc, n);
      }
  }
}

// --- elementwise (functors for kiln_elementwise.h's binary kernels) ---

// TFLite's quantized Add: both inputs are brought to a common scale with 20 bits of headroom,
// summed, and requantized.
template <typename YT, int SA, int SB, int SY>
struct QAdd {
  int32_t za, ma, zb, mb, zy, my, lo, hi;
  template <typename A, typename B>
  YT operator()(A a, B b) const {
    const int32_t xa = multiply_by_quantized_multiplier<SA>((static_cast<int32_t>(a) - za) * (1 << 20), ma);
    const int32_t xb = multiply_by_quantized_multiplier<SB>((static_cast<int32_t>(b) - zb) * (1 << 20), mb);
    return clamp_to<YT>(zy + multiply_by_quantized_multiplier<SY>(xa + xb, my), lo, hi);
  }
};

// TFLite's quantized Mul: (a - za) * (b - zb) requantized by sa * sb / sy.
template <typename YT, int S>
struct QMul {
  int32_t za, zb, zy, m, lo, hi;
  template <typename A, typename B>
  YT operator()(A a, B b) const {
    const int32_t p = (static_cast<int32_t>(a) - za) * (static_cast<int32_t>(b) - zb);
    return clamp_to<YT>(zy + multiply_by_quantized_multiplier<S>(p, m), lo, hi);
  }
};

// A 256-entry table indexed by the input's bit pattern (the compiler evaluates any per-tensor
// quantized unary function into one: QLinearSigmoid, QLinearLeakyRelu, ...).
template <typename YT>
struct Lut256 {
  const YT* table;
  template <typename X>
  YT operator()(X x) const { return table[static_cast<uint8_t>(x)]; }
};

// --- pooling ---

// Every window of one channel's H x W plane: f(o, sum, n) with o the output's index, sum the
// window's cells inside the input added up in Acc, and n their count (padding not counted).
template <int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, typename Acc, typename XT,
          typename F>
inline void window_sums(const XT* xc, F f) {
  for (int oh = 0; oh < OH; ++oh) {
    const int ih0 = oh * SH - PT;
    const int h0 = ih0 < 0 ? 0 : ih0, h1 = ih0 + KH > H ? H : ih0 + KH;
    for (int ow = 0; ow < OW; ++ow) {
      const int iw0 = ow * SW - PL;
      const int w0 = iw0 < 0 ? 0 : iw0, w1 = iw0 + KW > W ? W : iw0 + KW;
      Acc acc = 0;
      for (int ih = h0; ih < h1; ++ih)
        for (int iw = w0; iw < w1; ++iw) acc += static_cast<Acc>(xc[ih * W + iw]);
      f(oh * OW + ow, acc, (h1 - h0) * (w1 - w0));
    }
  }
}

// Average pool of quantized values: y = out(sum(x - zx) over the window, k) where the output
// stage multiplies by x_scale / (y_scale * count). Padding holds the real value zero. With
// VarCount the count differs between windows (padding not counted) and k is the window's cell
// count inside the input, indexing per-count multipliers; else k = 0.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, bool VarCount,
          typename XT, typename YT, typename Out>
inline void qavgpool2d(const XT* x, int32_t zx, YT* y, Out out) {
  for (int c = 0; c < C; ++c) {
    YT* yc = y + c * OH * OW;
    window_sums<H, W, KH, KW, OH, OW, SH, SW, PT, PL, int32_t>(
        x + c * H * W, [&](int o, int32_t acc, int n) { yc[o] = out(acc - zx * n, VarCount ? n : 0); });
  }
}

// Global average pool over P positions per channel (NCHW); out multiplies by sx / (sy * P).
template <int C, int P, typename XT, typename YT, typename Out>
inline void qglobal_avgpool(const XT* x, int32_t zx, YT* y, Out out) {
  for (int c = 0; c < C; ++c) {
    int32_t acc = 0;
    for (int p = 0; p < P; ++p) acc += static_cast<int32_t>(x[c * P + p]);
    y[c] = out(acc - zx * P, 0);
  }
}

}  // namespace kiln

#endif  // KILN_INT8_H_
