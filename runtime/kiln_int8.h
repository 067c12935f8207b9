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

// Round to nearest, ties to even, for |v| < 2^22 (values are clamped first).
inline float round_half_even(float v) {
  float r = floorf(v + 0.5f);
  if (r - v == 0.5f && (static_cast<int32_t>(r) & 1)) r -= 1.0f;
  return r;
}

// y = saturate(round(x / scale) + zero_point) (ONNX QuantizeLinear: float division, ties to
// even). Per axis: channel of element i is (i / INNER) % C; C = 1 is per tensor. zp may be null.
template <int N, int C, int INNER, typename YT, typename ZT>
inline void quantize(const float* x, const float* scale, const ZT* zp, YT* y) {
  for (int i = 0; i < N; ++i) {
    const int c = C == 1 ? 0 : (i / INNER) % C;
    const int32_t z = zp ? static_cast<int32_t>(zp[c]) : 0;
    const float lo = static_cast<float>(QRange<YT>::lo - z), hi = static_cast<float>(QRange<YT>::hi - z);
    float v = x[i] / scale[c];
    v = v > lo ? v : lo;  // NaN -> lo, as onnxruntime
    v = v < hi ? v : hi;
    y[i] = static_cast<YT>(static_cast<int32_t>(round_half_even(v)) + z);
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
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, int G, typename XT, typename WT, typename YT, typename Out>
inline void qconv2d(const XT* x, const WT* w, const int32_t* bias, const int32_t* wsum, int32_t x_zp, YT* y,
                    Out out) {
  constexpr int CG = C / G;
  constexpr int MG = M / G;
  for (int m = 0; m < M; ++m) {
    const int g = m / MG;
    const WT* wm = w + m * CG * KH * KW;
    const XT* xg = x + g * CG * H * W;
    YT* ym = y + m * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      const int ih0 = oh * SH - PT;
      int kh0 = 0, kh1 = KH;
      while (kh0 < KH && ih0 + kh0 * DH < 0) ++kh0;
      while (kh1 > kh0 && ih0 + (kh1 - 1) * DH >= H) --kh1;
      for (int ow = 0; ow < OW; ++ow) {
        const int iw0 = ow * SW - PL;
        int kw0 = 0, kw1 = KW;
        while (kw0 < KW && iw0 + kw0 * DW < 0) ++kw0;
        while (kw1 > kw0 && iw0 + (kw1 - 1) * DW >= W) --kw1;
        int32_t acc = bias[m];
        if (kh0 == 0 && kh1 == KH && kw0 == 0 && kw1 == KW) {
          for (int c = 0; c < CG; ++c) {
            const XT* xc = xg + c * H * W + ih0 * W + iw0;
            const WT* wc = wm + c * KH * KW;
            for (int kh = 0; kh < KH; ++kh)
              for (int kw = 0; kw < KW; ++kw)
                acc += static_cast<int32_t>(xc[kh * DH * W + kw * DW]) * static_cast<int32_t>(wc[kh * KW + kw]);
          }
        } else {
          int32_t ws = 0;
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
          acc += x_zp * (wsum[m] - ws);
        }
        ym[oh * OW + ow] = out(acc, m);
      }
    }
  }
}

// 1x1, stride 1, unpadded, ungrouped convolution: Y[M, P] = W[M, C] . X[C, P]. Four pixels at a
// time share each weight load.
template <int C, int P, int M, typename XT, typename WT, typename YT, typename Out>
inline void qconv_pointwise(const XT* x, const WT* w, const int32_t* bias, YT* y, Out out) {
  for (int m = 0; m < M; ++m) {
    const WT* wm = w + m * C;
    YT* ym = y + m * P;
    int p = 0;
    for (; p + 4 <= P; p += 4) {
      int32_t a0 = bias[m], a1 = a0, a2 = a0, a3 = a0;
      const XT* xp = x + p;
      for (int c = 0; c < C; ++c, xp += P) {
        const int32_t wv = wm[c];
        a0 += static_cast<int32_t>(xp[0]) * wv;
        a1 += static_cast<int32_t>(xp[1]) * wv;
        a2 += static_cast<int32_t>(xp[2]) * wv;
        a3 += static_cast<int32_t>(xp[3]) * wv;
      }
      ym[p] = out(a0, m);
      ym[p + 1] = out(a1, m);
      ym[p + 2] = out(a2, m);
      ym[p + 3] = out(a3, m);
    }
    for (; p < P; ++p) {
      int32_t acc = bias[m];
      for (int c = 0; c < C; ++c) acc += static_cast<int32_t>(x[c * P + p]) * static_cast<int32_t>(wm[c]);
      ym[p] = out(acc, m);
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
    for (int n = 0; n < N; ++n) {
      const WT* wn = w + n * K;
      int32_t acc = bias[n];
      for (int k = 0; k < K; ++k) acc += static_cast<int32_t>(xi[k]) * static_cast<int32_t>(wn[k]);
      y[i * N + n] = out(acc, n);
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
template <typename YT>
struct QAdd {
  int32_t za, ma, sa, zb, mb, sb, zy, my, sy, lo, hi;
  template <typename A, typename B>
  YT operator()(A a, B b) const {
    const int32_t xa = multiply_by_quantized_multiplier((static_cast<int32_t>(a) - za) * (1 << 20), ma, sa);
    const int32_t xb = multiply_by_quantized_multiplier((static_cast<int32_t>(b) - zb) * (1 << 20), mb, sb);
    return clamp_to<YT>(zy + multiply_by_quantized_multiplier(xa + xb, my, sy), lo, hi);
  }
};

// TFLite's quantized Mul: (a - za) * (b - zb) requantized by sa * sb / sy.
template <typename YT>
struct QMul {
  int32_t za, zb, zy, m, s, lo, hi;
  template <typename A, typename B>
  YT operator()(A a, B b) const {
    const int32_t p = (static_cast<int32_t>(a) - za) * (static_cast<int32_t>(b) - zb);
    return clamp_to<YT>(zy + multiply_by_quantized_multiplier(p, m, s), lo, hi);
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

// Average pool of quantized values: y = zy + (sum(x - zx) over the window) * sx / (sy * count),
// the division folded into the multiplier. Padding holds the real value zero. With VarCount the
// count is the window's size inside the input (padding not counted) and mult/shift are tables
// indexed by it; else entry 0 serves every window.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, bool VarCount,
          typename XT, typename YT>
inline void qavgpool2d(const XT* x, int32_t zx, const int32_t* mult, const int32_t* shift, int32_t zy, int32_t lo,
                       int32_t hi, YT* y) {
  for (int c = 0; c < C; ++c) {
    const XT* xc = x + c * H * W;
    YT* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      const int ih0 = oh * SH - PT;
      const int h0 = ih0 < 0 ? 0 : ih0, h1 = ih0 + KH > H ? H : ih0 + KH;
      for (int ow = 0; ow < OW; ++ow) {
        const int iw0 = ow * SW - PL;
        const int w0 = iw0 < 0 ? 0 : iw0, w1 = iw0 + KW > W ? W : iw0 + KW;
        int32_t acc = 0;
        for (int ih = h0; ih < h1; ++ih)
          for (int iw = w0; iw < w1; ++iw) acc += static_cast<int32_t>(xc[ih * W + iw]);
        acc -= zx * (h1 - h0) * (w1 - w0);
        const int k = VarCount ? (h1 - h0) * (w1 - w0) : 0;
        yc[oh * OW + ow] = clamp_to<YT>(zy + multiply_by_quantized_multiplier(acc, mult[k], shift[k]), lo, hi);
      }
    }
  }
}

// Global average pool over P positions per channel (NCHW).
template <int C, int P, typename XT, typename YT>
inline void qglobal_avgpool(const XT* x, int32_t zx, int32_t mult, int32_t shift, int32_t zy, int32_t lo, int32_t hi,
                            YT* y) {
  for (int c = 0; c < C; ++c) {
    int32_t acc = 0;
    for (int p = 0; p < P; ++p) acc += static_cast<int32_t>(x[c * P + p]);
    acc -= zx * P;
    y[c] = clamp_to<YT>(zy + multiply_by_quantized_multiplier(acc, mult, shift), lo, hi);
  }
}

}  // namespace kiln

#endif  // KILN_INT8_H_
