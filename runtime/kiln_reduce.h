// kiln runtime: reductions (Reduce*), the softmax family and ArgMax/ArgMin.
//
// The compiler collapses a tensor into the few groups that matter: kept and reduced axes for
// Reduce*, [outer, axis, inner] for softmax and arg ops. Kernels visit one output at a time and
// read its reduced elements with constant strides, so no scratch memory is needed.
#ifndef KILN_REDUCE_H_
#define KILN_REDUCE_H_

#include "kiln_base.h"

namespace kiln {

// Math overloaded for float and double (own names: kiln_elementwise.h has its own k_* set and
// both headers may be in one translation unit).
namespace rmath {
inline float exp(float v) { return expf(v); }
inline double exp(double v) { return ::exp(v); }
inline float log(float v) { return logf(v); }
inline double log(double v) { return ::log(v); }
inline float sqrt(float v) { return sqrtf(v); }
inline double sqrt(double v) { return ::sqrt(v); }
template <typename A>
inline A abs(A v) { return v < A(0) ? static_cast<A>(-v) : v; }
}  // namespace rmath

// The reduced elements of one output: up to three nested groups of R* elements at strides S*.
template <typename T, int R0, int R1, int R2, int S0, int S1, int S2>
struct ReduceWindow {
  static constexpr int kCount = R0 * R1 * R2;
  const T* p;
  T first() const { return p[0]; }
  template <typename F>
  void each(F f) const {
    for (int r0 = 0; r0 < R0; ++r0)
      for (int r1 = 0; r1 < R1; ++r1)
        for (int r2 = 0; r2 < R2; ++r2) f(p[r0 * S0 + r1 * S1 + r2 * S2]);
  }
};

// --- reduction functors: run<A>(window) returns the result in accumulator type A ---
struct RedSum {
  template <typename A, typename W>
  A run(const W& w) const {
    A s = A(0);
    w.each([&](A v) { s += v; });
    return s;
  }
};
struct RedMean {
  template <typename A, typename W>
  A run(const W& w) const {
    return static_cast<A>(RedSum().run<A>(w) / A(W::kCount));
  }
};
struct RedProd {
  template <typename A, typename W>
  A run(const W& w) const {
    A s = A(1);
    w.each([&](A v) { s *= v; });
    return s;
  }
};
struct RedMax {
  template <typename A, typename W>
  A run(const W& w) const {
    A m = A(w.first());
    w.each([&](A v) { m = v > m ? v : m; });
    return m;
  }
};
struct RedMin {
  template <typename A, typename W>
  A run(const W& w) const {
    A m = A(w.first());
    w.each([&](A v) { m = v < m ? v : m; });
    return m;
  }
};
struct RedL1 {
  template <typename A, typename W>
  A run(const W& w) const {
    A s = A(0);
    w.each([&](A v) { s += rmath::abs(v); });
    return s;
  }
};
struct RedSumSquare {
  template <typename A, typename W>
  A run(const W& w) const {
    A s = A(0);
    w.each([&](A v) { s += v * v; });
    return s;
  }
};
struct RedL2 {  // A is float or double
  template <typename A, typename W>
  A run(const W& w) const {
    return rmath::sqrt(RedSumSquare().run<A>(w));
  }
};
struct RedLogSum {  // A is float or double
  template <typename A, typename W>
  A run(const W& w) const {
    return rmath::log(RedSum().run<A>(w));
  }
};
struct RedLogSumExp {  // A is float or double; subtracting the max keeps exp() finite
  template <typename A, typename W>
  A run(const W& w) const {
    const A m = RedMax().run<A>(w);
    if (!(m - m == A(0))) return m;  // +inf, all -inf, or nan: the max is the answer
    A s = A(0);
    w.each([&](A v) { s += rmath::exp(v - m); });
    return m + rmath::log(s);
  }
};

// y[k0, k1, k2, k3] = op over (r0, r1, r2) of x[k0, r0, k1, r1, k2, r2, k3]: the input collapsed
// to alternating kept (K*) and reduced (R*) groups. A is the accumulator type.
template <typename T, typename A, int K0, int R0, int K1, int R1, int K2, int R2, int K3, typename Op>
inline void reduce_strided(const T* x, T* y, Op op) {
  constexpr int SR2 = K3, SK2 = R2 * SR2, SR1 = K2 * SK2, SK1 = R1 * SR1, SR0 = K1 * SK1, SK0 = R0 * SR0;
  for (int k0 = 0; k0 < K0; ++k0)
    for (int k1 = 0; k1 < K1; ++k1)
      for (int k2 = 0; k2 < K2; ++k2)
        for (int k3 = 0; k3 < K3; ++k3) {
          ReduceWindow<T, R0, R1, R2, SR0, SR1, SR2> w{x + k0 * SK0 + k1 * SK1 + k2 * SK2 + k3};
          *y++ = static_cast<T>(op.template run<A>(w));
        }
}

// The common case: one group of adjacent reduced axes, x viewed as [O, R, I].
template <typename T, typename A, int O, int R, int I, typename Op>
inline void reduce(const T* x, T* y, Op op) {
  reduce_strided<T, A, O, R, I, 1, 1, 1, 1>(x, y, op);
}

// --- softmax family over x viewed as [O, N, I], normalising along N ---

template <typename T, int O, int N, int I>
inline void softmax(const T* x, T* y) {
  for (int o = 0; o < O; ++o)
    for (int i = 0; i < I; ++i) {
      const T* xr = x + o * N * I + i;
      T* yr = y + o * N * I + i;
      T m = xr[0];
      for (int n = 1; n < N; ++n) m = max_of(m, xr[n * I]);
      T s = T(0);
      for (int n = 0; n < N; ++n) {
        yr[n * I] = rmath::exp(xr[n * I] - m);
        s += yr[n * I];
      }
      const T inv = T(1) / s;
      for (int n = 0; n < N; ++n) yr[n * I] *= inv;
    }
}

template <typename T, int O, int N, int I>
inline void log_softmax(const T* x, T* y) {
  for (int o = 0; o < O; ++o)
    for (int i = 0; i < I; ++i) {
      const T* xr = x + o * N * I + i;
      T* yr = y + o * N * I + i;
      T m = xr[0];
      for (int n = 1; n < N; ++n) m = max_of(m, xr[n * I]);
      T s = T(0);
      for (int n = 0; n < N; ++n) s += rmath::exp(xr[n * I] - m);
      const T lse = m + rmath::log(s);
      for (int n = 0; n < N; ++n) yr[n * I] = xr[n * I] - lse;
    }
}

// 1 at the first maximum along N, 0 elsewhere.
template <typename T, int O, int N, int I>
inline void hardmax(const T* x, T* y) {
  for (int o = 0; o < O; ++o)
    for (int i = 0; i < I; ++i) {
      const T* xr = x + o * N * I + i;
      T* yr = y + o * N * I + i;
      int best = 0;
      for (int n = 1; n < N; ++n)
        if (xr[n * I] > xr[best * I]) best = n;
      for (int n = 0; n < N; ++n) yr[n * I] = n == best ? T(1) : T(0);
    }
}

// Index of the maximum (Max) or minimum along N; Last picks the last of equal extremes.
template <typename T, int O, int N, int I, bool Max, bool Last>
inline void arg_reduce(const T* x, int64_t* y) {
  for (int o = 0; o < O; ++o)
    for (int i = 0; i < I; ++i) {
      const T* xr = x + o * N * I + i;
      int best = 0;
      for (int n = 1; n < N; ++n) {
        const T v = xr[n * I], b = xr[best * I];
        const bool better = Max ? (Last ? v >= b : v > b) : (Last ? v <= b : v < b);
        if (better) best = n;
      }
      *y++ = best;
    }
}

}  // namespace kiln

#endif  // KILN_REDUCE_H_
