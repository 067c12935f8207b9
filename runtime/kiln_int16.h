// kiln runtime: int16 activations with int8 weights (TFLite's "16x8" scheme).
//
// Activations are symmetric int16 (zero point 0), weights symmetric int8 per output channel,
// biases int32 or int64 at x_scale * w_scale. An int16 x int8 product takes 23 bits, so long
// reductions accumulate in int64, from int32 partial sums of at most 256 products. Outputs are
// requantized as TFLite's 64-bit MultiplyByQuantizedMultiplier does: the Q31 multiplier reduced
// to 16 bits, so the product of an accumulator below 2^47 stays within int64, rounded once
// (to nearest, ties to even: kiln's rule everywhere), clamped to int16 or to a fused Relu/Clip.
// Each kernel's compiler-side twin is the reference evaluation of its op
// (compiler/ops/q_conv16.cpp, q_gemm16.cpp, q_add16.cpp, q_avg_pool16.cpp; compiler/ops/qint16.cpp).
#ifndef KILN_INT16_H_
#define KILN_INT16_H_

#include "kiln_int8.h"

namespace kiln {

// DequantizeLinear (kiln_int8.h dequantize) on int16 tensors.
template <> struct QRange<int16_t> { static constexpr int32_t lo = -32768, hi = 32767; };

// QuantizeLinear to int16: y = saturate(round(x / scale) + zero_point), float division, ties to
// even (kiln_int8.h's quantize saturates to 8 bits on DSP cores). Per axis: channel of element i
// is (i / INNER) % C. zp may be null.
template <int N, int C, int INNER, typename ZT>
inline void quantize16(const float* x, const float* scale, const ZT* zp, int16_t* y) {
  for (int i = 0; i < N; ++i) {
    const int c = C == 1 ? 0 : (i / INNER) % C;
    const int32_t z = zp ? static_cast<int32_t>(zp[c]) : 0;
    const float lo = static_cast<float>(-32768 - z), hi = static_cast<float>(32767 - z);
    float v = x[i] / scale[c];
    v = v > lo ? v : lo;  // NaN -> lo, as onnxruntime
    v = v < hi ? v : hi;
    y[i] = static_cast<int16_t>(static_cast<int32_t>(round_half_even(v)) + z);
  }
}

// x * mult * 2^(shift - 15) rounded to nearest, ties to even; mult in [0, 2^15), shift <= 14,
// |x| < 2^47.
inline int64_t requant16(int64_t x, int32_t mult, int32_t shift) {
  const int total = 15 - shift;
  const int64_t p = x * static_cast<int64_t>(mult);
  const int64_t half = (int64_t(1) << (total - 1)) - 1 + ((p >> total) & 1);
  return (p + half) >> total;
}

inline int16_t clamp16(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int16_t>(v < lo ? lo : (v > hi ? hi : v));
}

// Products of int16 and int8 take 23 bits: up to 256 of them sum exactly in int32 (one MLA each
// on any core), and the int32 partial sums go into the int64 accumulator.
constexpr int kInt16Chunk = 256;

// Convolution, NCHW, weights [M, C/G, KH, KW] int8, bias (may be null) and per-channel
// multipliers and shifts. Padding holds zero (the zero point), so clipped taps are skipped: each
// window's valid tap range is computed once, and one channel's taps sum in int32 when they are
// at most kInt16Chunk.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH,
          int DW, int G, typename BT>
inline void qconv16(const int16_t* x, const int8_t* w, const BT* bias, const int16_t* mult, const int8_t* shift,
                    int32_t lo, int32_t hi, int16_t* y) {
  constexpr int CG = C / G, MG = M / G;
  constexpr bool kChannelInInt32 = KH * KW <= kInt16Chunk;
  for (int m = 0; m < M; ++m) {
    const int16_t* xg = x + (m / MG) * CG * H * W;
    const int8_t* wm = w + m * CG * KH * KW;
    const int64_t b = bias ? static_cast<int64_t>(bias[m]) : 0;
    for (int oh = 0; oh < OH; ++oh) {
      const int ih0 = oh * SH - PT;
      const int kh0 = ih0 < 0 ? (-ih0 + DH - 1) / DH : 0;
      const int kh1 = H - ih0 <= 0 ? 0 : ((H - ih0 + DH - 1) / DH < KH ? (H - ih0 + DH - 1) / DH : KH);
      for (int ow = 0; ow < OW; ++ow) {
        const int iw0 = ow * SW - PL;
        const int kw0 = iw0 < 0 ? (-iw0 + DW - 1) / DW : 0;
        const int kw1 = W - iw0 <= 0 ? 0 : ((W - iw0 + DW - 1) / DW < KW ? (W - iw0 + DW - 1) / DW : KW);
        int64_t acc = b;
        for (int c = 0; c < CG; ++c) {
          const int16_t* xc = xg + c * H * W + ih0 * W + iw0;
          const int8_t* wc = wm + c * KH * KW;
          if (kChannelInInt32) {
            int32_t part = 0;
            for (int kh = kh0; kh < kh1; ++kh)
              for (int kw = kw0; kw < kw1; ++kw)
                part += static_cast<int32_t>(xc[kh * DH * W + kw * DW]) * static_cast<int32_t>(wc[kh * KW + kw]);
            acc += part;
          } else {
            for (int kh = kh0; kh < kh1; ++kh)
              for (int kw = kw0; kw < kw1; ++kw)
                acc += static_cast<int32_t>(xc[kh * DH * W + kw * DW]) * static_cast<int32_t>(wc[kh * KW + kw]);
          }
        }
        y[(m * OH + oh) * OW + ow] = clamp16(requant16(acc, mult[m], shift[m]), lo, hi);
      }
    }
  }
}

// 1x1 convolution, stride 1, no padding, one group (P = H * W pixels): two output channels by
// four pixels share each load (6 loads for 8 MACs); channels sum in int32 chunks of kInt16Chunk.
template <int C, int P, int M, typename BT>
inline void qconv16_pointwise(const int16_t* x, const int8_t* w, const BT* bias, const int16_t* mult,
                              const int8_t* shift, int32_t lo, int32_t hi, int16_t* y) {
  int m = 0;
  for (; m + 2 <= M; m += 2) {
    const int8_t* w0 = w + m * C;
    const int8_t* w1 = w0 + C;
    const int64_t b0 = bias ? static_cast<int64_t>(bias[m]) : 0, b1 = bias ? static_cast<int64_t>(bias[m + 1]) : 0;
    int p = 0;
    for (; p + 4 <= P; p += 4) {
      int64_t a[8] = {b0, b0, b0, b0, b1, b1, b1, b1};
      for (int c0 = 0; c0 < C; c0 += kInt16Chunk) {
        const int c1 = c0 + kInt16Chunk < C ? c0 + kInt16Chunk : C;
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (int c = c0; c < c1; ++c) {
          const int16_t* xc = x + c * P + p;
          const int32_t x0 = xc[0], x1 = xc[1], x2 = xc[2], x3 = xc[3];
          const int32_t u = w0[c], v = w1[c];
          s0 += x0 * u;
          s1 += x1 * u;
          s2 += x2 * u;
          s3 += x3 * u;
          t0 += x0 * v;
          t1 += x1 * v;
          t2 += x2 * v;
          t3 += x3 * v;
        }
        a[0] += s0;
        a[1] += s1;
        a[2] += s2;
        a[3] += s3;
        a[4] += t0;
        a[5] += t1;
        a[6] += t2;
        a[7] += t3;
      }
      for (int k = 0; k < 4; ++k) {
        y[m * P + p + k] = clamp16(requant16(a[k], mult[m], shift[m]), lo, hi);
        y[(m + 1) * P + p + k] = clamp16(requant16(a[4 + k], mult[m + 1], shift[m + 1]), lo, hi);
      }
    }
    for (; p < P; ++p)
      for (int j = 0; j < 2; ++j) {
        int64_t acc = j ? b1 : b0;
        for (int c = 0; c < C; ++c) acc += static_cast<int32_t>(x[c * P + p]) * static_cast<int32_t>((j ? w1 : w0)[c]);
        y[(m + j) * P + p] = clamp16(requant16(acc, mult[m + j], shift[m + j]), lo, hi);
      }
  }
  for (; m < M; ++m)  // an odd last channel
    for (int p = 0; p < P; ++p) {
      int64_t acc = bias ? static_cast<int64_t>(bias[m]) : 0;
      for (int c = 0; c < C; ++c) acc += static_cast<int32_t>(x[c * P + p]) * static_cast<int32_t>(w[m * C + c]);
      y[m * P + p] = clamp16(requant16(acc, mult[m], shift[m]), lo, hi);
    }
}

// Fully connected: y[r][n] = out(bias[n] + sum_k a[r][k] * w[n][k]), weights one row per output;
// the reduction sums in int32 chunks of kInt16Chunk.
template <int ROWS, int N, int K, typename BT>
inline void qgemm16(const int16_t* a, const int8_t* w, const BT* bias, const int16_t* mult, const int8_t* shift,
                    int32_t lo, int32_t hi, int16_t* y) {
  for (int r = 0; r < ROWS; ++r) {
    const int16_t* ar = a + r * K;
    for (int n = 0; n < N; ++n) {
      const int8_t* wn = w + n * K;
      int64_t acc = bias ? static_cast<int64_t>(bias[n]) : 0;
      for (int k0 = 0; k0 < K; k0 += kInt16Chunk) {
        const int k1 = k0 + kInt16Chunk < K ? k0 + kInt16Chunk : K;
        int32_t part = 0;
        for (int k = k0; k < k1; ++k) part += static_cast<int32_t>(ar[k]) * static_cast<int32_t>(wn[k]);
        acc += part;
      }
      y[r * N + n] = clamp16(requant16(acc, mult[n], shift[n]), lo, hi);
    }
  }
}

// x * mult * 2^(SHIFT - 31) for a Q31 multiplier, rounded once, ties to even: the arithmetic of
// kiln_int8.h's multiply_by_quantized_multiplier, kept here so the int16 kernels depend on
// kiln_int8.h for QRange only.
template <int SHIFT>
inline int32_t requant_q31(int32_t x, int32_t mult) {
  constexpr int total = 31 - SHIFT;
  const int64_t p = static_cast<int64_t>(x) * static_cast<int64_t>(mult);
  const int64_t half = (int64_t(1) << (total - 1)) - 1 + ((p >> total) & 1);
  return static_cast<int32_t>((p + half) >> total);
}

// TFLite's int16 Add (zero points 0): both inputs brought to twice the larger scale with 15 bits
// of headroom, summed, and requantized.
template <int SA, int SB, int SY>
struct QAdd16 {
  int32_t ma, mb, my, lo, hi;
  template <typename A, typename B>
  int16_t operator()(A a, B b) const {
    const int32_t xa = requant_q31<SA>(static_cast<int32_t>(a) * (1 << 15), ma);
    const int32_t xb = requant_q31<SB>(static_cast<int32_t>(b) * (1 << 15), mb);
    return clamp16(requant_q31<SY>(xa + xb, my), lo, hi);
  }
};

// Average pool (also global: one window over the plane): the window sum of the cells inside the
// input times x_scale / (y_scale * count). VarCount: mult/shift are indexed by the window's cell
// count inside the input (padding not counted); else entry 0 serves every window.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, bool VarCount>
inline void qavgpool16(const int16_t* x, const int16_t* mult, const int8_t* shift, int32_t lo, int32_t hi,
                       int16_t* y) {
  for (int c = 0; c < C; ++c) {
    int16_t* yc = y + c * OH * OW;
    window_sums<H, W, KH, KW, OH, OW, SH, SW, PT, PL, int64_t>(x + c * H * W, [&](int o, int64_t acc, int n) {
      const int k = VarCount ? n : 0;
      yc[o] = clamp16(requant16(acc, mult[k], shift[k]), lo, hi);
    });
  }
}

}  // namespace kiln

#endif  // KILN_INT16_H_
