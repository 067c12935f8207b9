// kiln runtime: int8 / uint8 nonlinear functions without floating point.
//
// - lookup: any unary function of a per-tensor quantized input is a table of 256 outputs (one per
//   input value), computed by the compiler exactly as DequantizeLinear -> f -> QuantizeLinear
//   would compute it (Sigmoid, Tanh, HardSwish, Exp, ...).
// - qsoftmax: e_k = table[max - x_k] with table[d] = round(2^16 * exp(-x_scale * d)); each output
//   is y_zp + round(e_k / (sum * y_scale)), evaluated as (e_k * R + den / 2) / den with
//   R = round(2^16 / y_scale) and den = sum * 2^16, in 64-bit integers. One division per element:
//   Softmax sits on a model's few logits.
// - qlogsoftmax: the same sum; y_k = y_zp + round(((x_k - max) * x_scale - ln(sum / 2^16)) / y_scale)
//   with the logarithm in Q16 from the leading one's position and a 257-entry table of
//   ln(1 + i/256), linearly interpolated.
#ifndef KILN_INT8_LUT_H_
#define KILN_INT8_LUT_H_

#include "kiln_base.h"

namespace kiln {

// y[i] = table[x[i] - XMIN]; XMIN is -128 for int8 and 0 for uint8. y may alias x.
template <int N, int XMIN, typename XT, typename YT>
inline void lookup(const XT* x, const YT* table, YT* y) {
  for (int i = 0; i < N; ++i) y[i] = table[static_cast<int>(x[i]) - XMIN];
}

// The largest element of a row (N elements, stride INNER) in *max; returns the sum of
// exptab[max - x] over the row.
template <int N, int INNER, typename T>
inline uint32_t qsoftmax_row_sum(const T* xr, const uint32_t* exptab, int32_t* max) {
  int32_t m = xr[0];
  for (int k = 1; k < N; ++k) m = xr[k * INNER] > m ? xr[k * INNER] : m;
  uint32_t sum = 0;
  for (int k = 0; k < N; ++k) sum += exptab[m - xr[k * INNER]];
  *max = m;
  return sum;
}

// Softmax along an axis of length N with stride INNER, for OUTER x INNER rows.
template <int OUTER, int N, int INNER, typename T>
inline void qsoftmax(const T* x, const uint32_t* table, uint64_t r, int32_t zy, int32_t lo, int32_t hi, T* y) {
  for (int o = 0; o < OUTER; ++o) {
    for (int in = 0; in < INNER; ++in) {
      const T* xr = x + o * N * INNER + in;
      T* yr = y + o * N * INNER + in;
      int32_t m;
      const uint32_t sum = qsoftmax_row_sum<N, INNER>(xr, table, &m);
      const uint64_t den = static_cast<uint64_t>(sum) << 16;
      for (int k = 0; k < N; ++k) {
        const uint64_t q = (static_cast<uint64_t>(table[m - xr[k * INNER]]) * r + den / 2) / den;
        int32_t v = zy + static_cast<int32_t>(q > 65535u ? 65535u : q);
        v = v < lo ? lo : v > hi ? hi : v;
        yr[k * INNER] = static_cast<T>(v);
      }
    }
  }
}

// floor(z / 2^16) for any sign (no reliance on >> of negative values).
inline int64_t floor_shift16(int64_t z) { return z >= 0 ? z >> 16 : -((-z + 65535) >> 16); }

// ln(v / 2^16) in Q16 for v >= 1; lntab[i] = round(2^16 * ln(1 + i / 256)), i = 0..256.
inline int32_t ln_q16(uint32_t v, const int32_t* lntab) {
  int e = 31;
  while (!(v >> e)) --e;
  const uint32_t m = e >= 16 ? v >> (e - 16) : v << (16 - e);  // 1.x in Q16
  const uint32_t frac = m - 65536u, i = frac >> 8, f = frac & 255u;
  const int32_t lnm = lntab[i] + ((lntab[i + 1] - lntab[i]) * static_cast<int32_t>(f) + 128) / 256;
  return (e - 16) * 45426 + lnm;  // 45426 = round(2^16 ln 2)
}

// LogSoftmax along an axis of length N with stride INNER; a = round(2^16 x_scale / y_scale),
// r = round(2^16 / y_scale).
template <int OUTER, int N, int INNER, typename T>
inline void qlogsoftmax(const T* x, const uint32_t* exptab, const int32_t* lntab, int64_t a, int64_t r, int32_t zy,
                        int32_t lo, int32_t hi, T* y) {
  for (int o = 0; o < OUTER; ++o) {
    for (int in = 0; in < INNER; ++in) {
      const T* xr = x + o * N * INNER + in;
      T* yr = y + o * N * INNER + in;
      int32_t m;
      const uint32_t sum = qsoftmax_row_sum<N, INNER>(xr, exptab, &m);
      const int64_t lb = (static_cast<int64_t>(ln_q16(sum, lntab)) * r + 32768) >> 16;  // ln(sum) >= 0
      for (int k = 0; k < N; ++k) {
        const int64_t q = floor_shift16(static_cast<int64_t>(xr[k * INNER] - m) * a - lb + 32768);
        int32_t v = zy + static_cast<int32_t>(q < -65536 ? -65536 : q);
        v = v < lo ? lo : v > hi ? hi : v;
        yr[k * INNER] = static_cast<T>(v);
      }
    }
  }
}

}  // namespace kiln

#endif  // KILN_INT8_LUT_H_
