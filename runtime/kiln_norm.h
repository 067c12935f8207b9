// kiln runtime: normalizations (BatchNormalization, InstanceNormalization, LayerNormalization,
// LpNormalization, LRN, MeanVarianceNormalization). Float32; statistics are computed in two
// passes (mean, then the mean squared deviation), which stays accurate when the mean is large.
#ifndef KILN_NORM_H_
#define KILN_NORM_H_

#include "kiln_base.h"

namespace kiln {

// Inference BatchNormalization with the per-channel factor s = scale / sqrt(var + eps) folded
// at compile time: y = (x - mean[c]) * s[c] + b[c] over N x C x HW. Elementwise: y may be x.
template <int N, int C, int HW>
inline void batchnorm(const float* x, const float* mean, const float* s, const float* b, float* y) {
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const float m = mean[c], f = s[c], o = b[c];
      const int base = (n * C + c) * HW;
      for (int i = 0; i < HW; ++i) y[base + i] = (x[base + i] - m) * f + o;
    }
}

// The same with the statistics as run-time tensors.
template <int N, int C, int HW>
inline void batchnorm_stats(const float* x, const float* scale, const float* bias, const float* mean,
                            const float* var, float eps, float* y) {
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const float m = mean[c], f = scale[c] / sqrtf(var[c] + eps), o = bias[c];
      const int base = (n * C + c) * HW;
      for (int i = 0; i < HW; ++i) y[base + i] = (x[base + i] - m) * f + o;
    }
}

// Mean and 1 / sqrt(variance + eps) of n values.
template <int LEN>
inline void norm_moments(const float* x, float eps, float* mean, float* inv_std) {
  float s = 0.0f;
  for (int i = 0; i < LEN; ++i) s += x[i];
  const float m = s / static_cast<float>(LEN);
  float v = 0.0f;
  for (int i = 0; i < LEN; ++i) v += (x[i] - m) * (x[i] - m);
  *mean = m;
  *inv_std = 1.0f / sqrtf(v / static_cast<float>(LEN) + eps);
}

// InstanceNormalization: each of the N x C planes of HW values normalised on its own, then
// scaled and shifted by its channel's scale and b.
template <int N, int C, int HW>
inline void instancenorm(const float* x, const float* scale, const float* b, float eps, float* y) {
  for (int p = 0; p < N * C; ++p) {
    const float* xp = x + p * HW;
    float* yp = y + p * HW;
    float m, r;
    norm_moments<HW>(xp, eps, &m, &r);
    const float f = r * scale[p % C], o = b[p % C];
    for (int i = 0; i < HW; ++i) yp[i] = (xp[i] - m) * f + o;
  }
}

// LayerNormalization over the INNER trailing values of each of OUTER rows. scale and b (b may
// be null) hold INNER values, or one when their stride SS / SB is 0. mean_out / inv_std_out
// (may be null) receive each row's statistics.
template <int OUTER, int INNER, int SS, int SB>
inline void layernorm(const float* x, const float* scale, const float* b, float eps, float* y,
                      float* mean_out, float* inv_std_out) {
  for (int o = 0; o < OUTER; ++o) {
    const float* xr = x + o * INNER;
    float* yr = y + o * INNER;
    float m, r;
    norm_moments<INNER>(xr, eps, &m, &r);
    for (int i = 0; i < INNER; ++i) yr[i] = (xr[i] - m) * r * scale[i * SS] + (b ? b[i * SB] : 0.0f);
    if (mean_out) mean_out[o] = m;
    if (inv_std_out) inv_std_out[o] = r;
  }
}

// LpNormalization along an axis of D values with INNER stride: y = x / ||x||_P (P = 1 or 2);
// a zero vector stays zero.
template <int OUTER, int D, int INNER, int P>
inline void lpnorm(const float* x, float* y) {
  for (int o = 0; o < OUTER; ++o)
    for (int i = 0; i < INNER; ++i) {
      const float* xv = x + o * D * INNER + i;
      float* yv = y + o * D * INNER + i;
      float s = 0.0f;
      for (int d = 0; d < D; ++d) s += P == 1 ? fabsf(xv[d * INNER]) : xv[d * INNER] * xv[d * INNER];
      const float norm = P == 1 ? s : sqrtf(s);
      const float inv = norm > 0.0f ? 1.0f / norm : 0.0f;
      for (int d = 0; d < D; ++d) yv[d * INNER] = xv[d * INNER] * inv;
    }
}

// LRN across channels: y = x / (bias + alpha / SIZE * sum of x^2 over the channel window)^beta,
// the window being [c - (SIZE - 1) / 2, c + SIZE / 2] clipped to [0, C).
template <int N, int C, int HW, int SIZE>
inline void lrn(const float* x, float alpha, float beta, float bias, float* y) {
  constexpr int kBefore = (SIZE - 1) / 2, kAfter = SIZE / 2;
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const int c0 = c - kBefore < 0 ? 0 : c - kBefore;
      const int c1 = c + kAfter >= C ? C - 1 : c + kAfter;
      const float* xn = x + n * C * HW;
      float* yc = y + (n * C + c) * HW;
      for (int i = 0; i < HW; ++i) {
        float s = 0.0f;
        for (int k = c0; k <= c1; ++k) s += xn[k * HW + i] * xn[k * HW + i];
        yc[i] = xn[c * HW + i] / powf(bias + alpha / static_cast<float>(SIZE) * s, beta);
      }
    }
}

// MeanVarianceNormalization of x viewed as [A, B, CN], with statistics over A and CN for each
// b: y = (x - mean) / (sqrt(variance) + 1e-9) (ONNX's function body).
template <int A, int B, int CN>
inline void mvn(const float* x, float* y) {
  constexpr float kCount = static_cast<float>(A * CN);
  for (int b = 0; b < B; ++b) {
    float s = 0.0f;
    for (int a = 0; a < A; ++a)
      for (int c = 0; c < CN; ++c) s += x[(a * B + b) * CN + c];
    const float m = s / kCount;
    float v = 0.0f;
    for (int a = 0; a < A; ++a)
      for (int c = 0; c < CN; ++c) {
        const float d = x[(a * B + b) * CN + c] - m;
        v += d * d;
      }
    const float inv = 1.0f / (sqrtf(v / kCount) + 1e-9f);
    for (int a = 0; a < A; ++a)
      for (int c = 0; c < CN; ++c) y[(a * B + b) * CN + c] = (x[(a * B + b) * CN + c] - m) * inv;
  }
}

}  // namespace kiln

#endif  // KILN_NORM_H_
