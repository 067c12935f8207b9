// kiln runtime: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss over an [N, C, D] view
// (D = product of the spatial dims, 1 when there are none).
#ifndef KILN_LOSS_H_
#define KILN_LOSS_H_

#include "kiln_base.h"

namespace kiln {

inline float loss_exp(float v) { return expf(v); }
inline double loss_exp(double v) { return exp(v); }
inline float loss_log(float v) { return logf(v); }
inline double loss_log(double v) { return log(v); }

// Reduction: 0 none (y has N*D elements), 1 sum, 2 mean (weighted by the picked class weights).
// `weight` may be null (all ones). Targets equal to `ignore` (when HasIgnore) contribute nothing.
template <typename T, typename L, int N, int C, int D, int Reduction, bool HasIgnore, long long Ignore>
inline void nll_loss(const T* x, const L* target, const T* weight, T* y) {
  T sum = T(0), wsum = T(0);
  for (int n = 0; n < N; ++n) {
    for (int d = 0; d < D; ++d) {
      const long long t = static_cast<long long>(target[n * D + d]);
      T v = T(0), w = T(0);
      if (!(HasIgnore && t == Ignore) && t >= 0 && t < C) {
        w = weight ? weight[t] : T(1);
        v = -x[(n * C + static_cast<int>(t)) * D + d] * w;
      }
      if (Reduction == 0) y[n * D + d] = v;
      sum += v;
      wsum += w;
    }
  }
  if (Reduction == 1) y[0] = sum;
  if (Reduction == 2) y[0] = sum / wsum;
}

// log_softmax over C of x[N, C, D] into lp (same shape).
template <typename T, int N, int C, int D>
inline void log_softmax_axis1(const T* x, T* lp) {
  for (int n = 0; n < N; ++n) {
    for (int d = 0; d < D; ++d) {
      const T* xs = x + n * C * D + d;
      T* ls = lp + n * C * D + d;
      T m = xs[0];
      for (int c = 1; c < C; ++c) m = xs[c * D] > m ? xs[c * D] : m;
      T s = T(0);
      for (int c = 0; c < C; ++c) s += loss_exp(xs[c * D] - m);
      const T lse = m + loss_log(s);
      for (int c = 0; c < C; ++c) ls[c * D] = xs[c * D] - lse;
    }
  }
}

}  // namespace kiln

#endif  // KILN_LOSS_H_
