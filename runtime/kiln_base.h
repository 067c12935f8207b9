// kiln runtime: the base every generated model includes.
//
// Freestanding C++14: no heap, no exceptions, no RTTI, no C++ standard library (only the C
// headers <stdint.h>, <stddef.h>, <math.h>). Kernels are templates whose shape parameters are the
// model's constants, so the compiler sees literal loop bounds and unrolls small windows.
#ifndef KILN_BASE_H_
#define KILN_BASE_H_

#include <math.h>
#include <stddef.h>
#include <stdint.h>

namespace kiln {

// Typed view of arena bytes at a constant offset.
template <typename T>
inline T* at(uint8_t* base, size_t offset) {
  return reinterpret_cast<T*>(base + offset);
}

// Activations fused into a producing kernel (applied to each output before the store).
struct ActNone {
  float operator()(float v) const { return v; }
};
struct ActMin {  // Relu: max(v, lo)
  float lo;
  float operator()(float v) const { return v < lo ? lo : v; }
};
struct ActClamp {  // Clip / Relu6
  float lo, hi;
  float operator()(float v) const { return v < lo ? lo : (v > hi ? hi : v); }
};
struct ActLeaky {
  float alpha;
  float operator()(float v) const { return v < 0.0f ? v * alpha : v; }
};

template <typename T, int N>
inline void copy(const T* x, T* y) {
  if (x == y) return;
  for (int i = 0; i < N; ++i) y[i] = x[i];
}

// Copies that may overlap (a view written into its own slice).
template <typename T, int N>
inline void move(const T* x, T* y) {
  if (x == y) return;
  if (y < x) {
    for (int i = 0; i < N; ++i) y[i] = x[i];
  } else {
    for (int i = N - 1; i >= 0; --i) y[i] = x[i];
  }
}

// Kernel taps k in [k0, k1) of a window starting at input index i0 (tap k at i0 + k * D) that fall
// inside [lo, hi): convolution and pooling loops over them need no bounds checks.
template <int K, int D>
inline void window_taps(int i0, int lo, int hi, int* k0, int* k1) {
  // Closed forms (no loops): the first k with i0 + k * D >= lo, and one past the last k < K
  // with i0 + k * D < hi.
  const int a = i0 >= lo ? 0 : (lo - i0 + D - 1) / D;
  const int b = i0 >= hi ? 0 : (hi - 1 - i0) / D + 1;
  *k0 = a < K ? a : K;
  *k1 = b < *k0 ? *k0 : (b < K ? b : K);
}

template <typename T>
inline T max_of(T a, T b) { return a < b ? b : a; }
template <typename T>
inline T min_of(T a, T b) { return b < a ? b : a; }

}  // namespace kiln

#endif  // KILN_BASE_H_
