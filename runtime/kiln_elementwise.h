// kiln runtime: elementwise kernels (unary maps and broadcasting binary maps) and their functors.
#ifndef KILN_ELEMENTWISE_H_
#define KILN_ELEMENTWISE_H_

#include "kiln_base.h"

namespace kiln {

// y[i] = f(x[i]); y may equal x (in place).
template <typename T, typename U, int N, typename F>
inline void unary(const T* x, U* y, F f) {
  for (int i = 0; i < N; ++i) y[i] = f(x[i]);
}

// Same-shape operands.
template <typename T, typename U, int N, typename F>
inline void binary(const T* a, const T* b, U* y, F f) {
  for (int i = 0; i < N; ++i) y[i] = f(a[i], b[i]);
}

// b (or a) is a single element.
template <typename T, typename U, int N, typename F>
inline void binary_scalar_b(const T* a, const T* b, U* y, F f) {
  const T bv = b[0];
  for (int i = 0; i < N; ++i) y[i] = f(a[i], bv);
}
template <typename T, typename U, int N, typename F>
inline void binary_scalar_a(const T* a, const T* b, U* y, F f) {
  const T av = a[0];
  for (int i = 0; i < N; ++i) y[i] = f(av, b[i]);
}

// General broadcast, collapsed by the compiler to at most 4 dims D0..D3 with element strides
// A* and B* (0 on broadcast dims). The output is dense.
template <typename T, typename U, int D0, int D1, int D2, int D3, int A0, int A1, int A2, int A3,
          int B0, int B1, int B2, int B3, typename F>
inline void binary_bcast(const T* a, const T* b, U* y, F f) {
  for (int i0 = 0; i0 < D0; ++i0)
    for (int i1 = 0; i1 < D1; ++i1)
      for (int i2 = 0; i2 < D2; ++i2) {
        const T* ar = a + i0 * A0 + i1 * A1 + i2 * A2;
        const T* br = b + i0 * B0 + i1 * B1 + i2 * B2;
        for (int i3 = 0; i3 < D3; ++i3) *y++ = f(ar[i3 * A3], br[i3 * B3]);
      }
}

// Math helpers overloaded for float and double, so functors stay type-generic.
inline float k_exp(float v) { return expf(v); }
inline double k_exp(double v) { return exp(v); }
inline float k_log(float v) { return logf(v); }
inline double k_log(double v) { return log(v); }
inline float k_sqrt(float v) { return sqrtf(v); }
inline double k_sqrt(double v) { return sqrt(v); }
inline float k_tanh(float v) { return tanhf(v); }
inline double k_tanh(double v) { return tanh(v); }
inline float k_pow(float a, float b) { return powf(a, b); }
inline double k_pow(double a, double b) { return pow(a, b); }
inline float k_abs(float v) { return fabsf(v); }
inline double k_abs(double v) { return fabs(v); }

// --- functors (one per ONNX op; op files name them in their emitters) ---
struct OpFirst {  // broadcast copy of the first operand
  template <typename T> T operator()(T a, T) const { return a; }
};
struct OpRelu {
  template <typename T> T operator()(T v) const { return v < T(0) ? T(0) : v; }
};
struct OpAdd {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a + b); }
};
struct OpSub {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a - b); }
};
struct OpMul {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a * b); }
};
struct OpDiv {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a / b); }
};

}  // namespace kiln

#endif  // KILN_ELEMENTWISE_H_
