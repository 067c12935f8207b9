// kiln runtime: elementwise kernels (unary maps, broadcasting binary and ternary maps) and their
// functors.
//
// Functors are type-generic (one template operator() serves every element type the op accepts).
// Generated code must build warning-free for every instantiation, so anything that would compare
// an unsigned value with 0 (-Wtype-limits) goes through is_neg(), and math goes through the k_*
// overloads, which pick the float or double C function (or an integer version).
#ifndef KILN_ELEMENTWISE_H_
#define KILN_ELEMENTWISE_H_

#include "kiln_base.h"

namespace kiln {

// y[i] = f(x[i]); y may equal x (in place).
template <typename T, typename U, int N, typename F>
inline void unary(const T* x, U* y, F f) {
  for (int i = 0; i < N; ++i) y[i] = f(x[i]);
}

// Same-shape operands; y may equal a or b. b's type is deduced, so it may differ from a's (Pow).
template <typename T, typename U, int N, typename TB, typename F>
inline void binary(const T* a, const TB* b, U* y, F f) {
  for (int i = 0; i < N; ++i) y[i] = f(a[i], b[i]);
}

// b (or a) is a single element.
template <typename T, typename U, int N, typename TB, typename F>
inline void binary_scalar_b(const T* a, const TB* b, U* y, F f) {
  const TB bv = b[0];
  for (int i = 0; i < N; ++i) y[i] = f(a[i], bv);
}
template <typename T, typename U, int N, typename TB, typename F>
inline void binary_scalar_a(const T* a, const TB* b, U* y, F f) {
  const T av = a[0];
  for (int i = 0; i < N; ++i) y[i] = f(av, b[i]);
}

// General broadcast, collapsed by the compiler to at most 4 dims D0..D3 with element strides
// A* and B* (0 on broadcast dims). The output is dense; it may equal an operand that is dense
// with the output's shape.
template <typename T, typename U, int D0, int D1, int D2, int D3, int A0, int A1, int A2, int A3,
          int B0, int B1, int B2, int B3, typename TB, typename F>
inline void binary_bcast(const T* a, const TB* b, U* y, F f) {
  for (int i0 = 0; i0 < D0; ++i0)
    for (int i1 = 0; i1 < D1; ++i1)
      for (int i2 = 0; i2 < D2; ++i2) {
        const T* ar = a + i0 * A0 + i1 * A1 + i2 * A2;
        const TB* br = b + i0 * B0 + i1 * B1 + i2 * B2;
        for (int i3 = 0; i3 < D3; ++i3) *y++ = f(ar[i3 * A3], br[i3 * B3]);
      }
}

// y[i] = f(a[i], b[i], c[i]) for same-shape operands (Where); operand types are deduced.
template <typename U, int N, typename TA, typename TB, typename TC, typename F>
inline void ternary(const TA* a, const TB* b, const TC* c, U* y, F f) {
  for (int i = 0; i < N; ++i) y[i] = f(a[i], b[i], c[i]);
}

// Three-operand broadcast, like binary_bcast with strides A*, B*, C* per operand.
template <typename U, int D0, int D1, int D2, int D3, int A0, int A1, int A2, int A3, int B0, int B1,
          int B2, int B3, int C0, int C1, int C2, int C3, typename TA, typename TB, typename TC,
          typename F>
inline void ternary_bcast(const TA* a, const TB* b, const TC* c, U* y, F f) {
  for (int i0 = 0; i0 < D0; ++i0)
    for (int i1 = 0; i1 < D1; ++i1)
      for (int i2 = 0; i2 < D2; ++i2) {
        const TA* ar = a + i0 * A0 + i1 * A1 + i2 * A2;
        const TB* br = b + i0 * B0 + i1 * B1 + i2 * B2;
        const TC* cr = c + i0 * C0 + i1 * C1 + i2 * C2;
        for (int i3 = 0; i3 < D3; ++i3) *y++ = f(ar[i3 * A3], br[i3 * B3], cr[i3 * C3]);
      }
}

// --- type-generic helpers ---

// v < 0 without -Wtype-limits on unsigned types.
template <typename T> inline bool is_neg(T v) { return v < T(0); }
template <> inline bool is_neg<bool>(bool) { return false; }
template <> inline bool is_neg<uint8_t>(uint8_t) { return false; }
template <> inline bool is_neg<uint16_t>(uint16_t) { return false; }
template <> inline bool is_neg<uint32_t>(uint32_t) { return false; }
template <> inline bool is_neg<uint64_t>(uint64_t) { return false; }

template <typename T> inline bool k_isnan(T) { return false; }
inline bool k_isnan(float v) { return __builtin_isnan(v); }
inline bool k_isnan(double v) { return __builtin_isnan(v); }

// Math helpers overloaded for float and double, so functors stay type-generic.
inline float k_exp(float v) { return expf(v); }
inline double k_exp(double v) { return exp(v); }
inline float k_log(float v) { return logf(v); }
inline double k_log(double v) { return log(v); }
inline float k_log1p(float v) { return log1pf(v); }
inline double k_log1p(double v) { return log1p(v); }
inline float k_sqrt(float v) { return sqrtf(v); }
inline double k_sqrt(double v) { return sqrt(v); }
inline float k_tanh(float v) { return tanhf(v); }
inline double k_tanh(double v) { return tanh(v); }
inline float k_pow(float a, float b) { return powf(a, b); }
inline double k_pow(double a, double b) { return pow(a, b); }
inline float k_abs(float v) { return fabsf(v); }
inline double k_abs(double v) { return fabs(v); }
template <typename T> inline T k_abs(T v) { return is_neg(v) ? static_cast<T>(0 - v) : v; }
inline float k_erf(float v) { return erff(v); }
inline double k_erf(double v) { return erf(v); }
inline float k_floor(float v) { return floorf(v); }
inline double k_floor(double v) { return floor(v); }
inline float k_ceil(float v) { return ceilf(v); }
inline double k_ceil(double v) { return ceil(v); }
// Round half to even: rint under the default rounding mode (round to nearest, ties to even).
inline float k_rint(float v) { return rintf(v); }
inline double k_rint(double v) { return rint(v); }
inline float k_sin(float v) { return sinf(v); }
inline double k_sin(double v) { return sin(v); }
inline float k_cos(float v) { return cosf(v); }
inline double k_cos(double v) { return cos(v); }
inline float k_tan(float v) { return tanf(v); }
inline double k_tan(double v) { return tan(v); }
inline float k_asin(float v) { return asinf(v); }
inline double k_asin(double v) { return asin(v); }
inline float k_acos(float v) { return acosf(v); }
inline double k_acos(double v) { return acos(v); }
inline float k_atan(float v) { return atanf(v); }
inline double k_atan(double v) { return atan(v); }
inline float k_sinh(float v) { return sinhf(v); }
inline double k_sinh(double v) { return sinh(v); }
inline float k_cosh(float v) { return coshf(v); }
inline double k_cosh(double v) { return cosh(v); }
inline float k_asinh(float v) { return asinhf(v); }
inline double k_asinh(double v) { return asinh(v); }
inline float k_acosh(float v) { return acoshf(v); }
inline double k_acosh(double v) { return acosh(v); }
inline float k_atanh(float v) { return atanhf(v); }
inline double k_atanh(double v) { return atanh(v); }
// C remainder (sign of the dividend): fmod for floats, % for integers.
inline float k_fmod(float a, float b) { return fmodf(a, b); }
inline double k_fmod(double a, double b) { return fmod(a, b); }
template <typename T> inline T k_fmod(T a, T b) { return static_cast<T>(a % b); }

// Pow for every base/exponent type pair: a float base uses pow; an integer base with an integer
// exponent multiplies exactly; an integer base with a float exponent goes through double.
struct FloatKind {};
struct IntKind {};
template <typename T> struct KindOf { typedef IntKind type; };
template <> struct KindOf<float> { typedef FloatKind type; };
template <> struct KindOf<double> { typedef FloatKind type; };
template <typename T, typename E>
inline T pow_by(T a, E b, FloatKind) {  // float exponent, integer base
  return static_cast<T>(pow(static_cast<double>(a), static_cast<double>(b)));
}
template <typename T, typename E>
inline T pow_by(T a, E b, IntKind) {  // integer exponent, integer base
  if (is_neg(b)) {  // 1 / a^|b|, truncated toward zero
    if (a == T(1)) return T(1);
    if (is_neg(a) && a == static_cast<T>(-1)) return b % 2 != 0 ? a : T(1);
    return T(0);
  }
  // In uint64, where overflow wraps (int promotion would make it undefined even for uint16).
  uint64_t r = 1, base = static_cast<uint64_t>(a);
  for (E e = b; e != E(0); e = static_cast<E>(e / 2)) {
    if (e % 2 != 0) r *= base;
    base *= base;
  }
  return static_cast<T>(r);
}
template <typename T, typename E>
inline T pow_of(T a, E b, FloatKind) { return k_pow(a, static_cast<T>(b)); }
template <typename T, typename E>
inline T pow_of(T a, E b, IntKind) { return pow_by(a, b, typename KindOf<E>::type()); }

// The type integer arithmetic is done in: unsigned and at least as wide as int, so that results
// wrap around (two's complement) instead of overflowing a signed int, which is undefined. Floats
// compute in their own type.
template <typename T> struct Wrap { typedef T type; };
template <> struct Wrap<int8_t> { typedef uint32_t type; };
template <> struct Wrap<uint8_t> { typedef uint32_t type; };
template <> struct Wrap<int16_t> { typedef uint32_t type; };
template <> struct Wrap<uint16_t> { typedef uint32_t type; };
template <> struct Wrap<int32_t> { typedef uint32_t type; };
template <> struct Wrap<uint32_t> { typedef uint32_t type; };
template <> struct Wrap<int64_t> { typedef uint64_t type; };
template <> struct Wrap<uint64_t> { typedef uint64_t type; };
template <typename T> inline typename Wrap<T>::type wrap(T v) { return static_cast<typename Wrap<T>::type>(v); }

// --- functors (one per ONNX op; op files name them in their emitters) ---
struct OpFirst {  // broadcast copy of the first operand
  template <typename T> T operator()(T a, T) const { return a; }
};
struct OpRelu {
  template <typename T> T operator()(T v) const { return v < T(0) ? T(0) : v; }
};
struct OpAdd {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(wrap(a) + wrap(b)); }
};
struct OpSub {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(wrap(a) - wrap(b)); }
};
struct OpMul {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(wrap(a) * wrap(b)); }
};
struct OpDiv {  // integers truncate toward zero
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a / b); }
};
struct OpPow {
  template <typename T, typename E> T operator()(T a, E b) const {
    return pow_of(a, b, typename KindOf<T>::type());
  }
};
struct OpMax {  // NaN propagates
  template <typename T> T operator()(T a, T b) const { return (k_isnan(a) || b < a) ? a : b; }
};
struct OpMin {
  template <typename T> T operator()(T a, T b) const { return (k_isnan(a) || a < b) ? a : b; }
};
struct OpDivBy {  // Mean: the sum divided by the number of inputs
  int n;
  template <typename T> T operator()(T v) const { return static_cast<T>(v / static_cast<T>(n)); }
};
struct OpMod {  // fmod=0: the result takes the divisor's sign (Python's %)
  template <typename T> T operator()(T a, T b) const {
    T r = k_fmod(a, b);
    if (r != T(0) && is_neg(r) != is_neg(b)) r = static_cast<T>(r + b);
    return r;
  }
};
struct OpFmod {  // fmod=1: C's remainder (the dividend's sign)
  template <typename T> T operator()(T a, T b) const { return k_fmod(a, b); }
};
struct OpShiftLeft {  // shifts past the width give 0
  template <typename T> T operator()(T a, T b) const {
    return b >= T(sizeof(T) * 8) ? T(0) : static_cast<T>(static_cast<uint64_t>(a) << b);
  }
};
struct OpShiftRight {
  template <typename T> T operator()(T a, T b) const {
    return b >= T(sizeof(T) * 8) ? T(0) : static_cast<T>(static_cast<uint64_t>(a) >> b);
  }
};
struct OpPRelu {
  template <typename T> T operator()(T x, T slope) const { return is_neg(x) ? static_cast<T>(wrap(x) * wrap(slope)) : x; }
};

// Unary math.
struct OpNeg {
  template <typename T> T operator()(T v) const { return static_cast<T>(-v); }
};
struct OpAbs {
  template <typename T> T operator()(T v) const { return k_abs(v); }
};
struct OpSign {
  template <typename T> T operator()(T v) const {
    return is_neg(v) ? static_cast<T>(-1) : (T(0) < v ? T(1) : T(0));
  }
};
struct OpReciprocal {
  template <typename T> T operator()(T v) const { return T(1) / v; }
};
struct OpSqrt {
  template <typename T> T operator()(T v) const { return k_sqrt(v); }
};
struct OpExp {
  template <typename T> T operator()(T v) const { return k_exp(v); }
};
struct OpLog {
  template <typename T> T operator()(T v) const { return k_log(v); }
};
struct OpErf {
  template <typename T> T operator()(T v) const { return k_erf(v); }
};
struct OpFloor {
  template <typename T> T operator()(T v) const { return k_floor(v); }
};
struct OpCeil {
  template <typename T> T operator()(T v) const { return k_ceil(v); }
};
struct OpRound {
  template <typename T> T operator()(T v) const { return k_rint(v); }
};
struct OpSin {
  template <typename T> T operator()(T v) const { return k_sin(v); }
};
struct OpCos {
  template <typename T> T operator()(T v) const { return k_cos(v); }
};
struct OpTan {
  template <typename T> T operator()(T v) const { return k_tan(v); }
};
struct OpAsin {
  template <typename T> T operator()(T v) const { return k_asin(v); }
};
struct OpAcos {
  template <typename T> T operator()(T v) const { return k_acos(v); }
};
struct OpAtan {
  template <typename T> T operator()(T v) const { return k_atan(v); }
};
struct OpSinh {
  template <typename T> T operator()(T v) const { return k_sinh(v); }
};
struct OpCosh {
  template <typename T> T operator()(T v) const { return k_cosh(v); }
};
struct OpAsinh {
  template <typename T> T operator()(T v) const { return k_asinh(v); }
};
struct OpAcosh {
  template <typename T> T operator()(T v) const { return k_acosh(v); }
};
struct OpAtanh {
  template <typename T> T operator()(T v) const { return k_atanh(v); }
};

// Activations.
struct OpSigmoid {
  template <typename T> T operator()(T v) const { return T(1) / (T(1) + k_exp(-v)); }
};
struct OpTanh {
  template <typename T> T operator()(T v) const { return k_tanh(v); }
};
struct OpLeakyRelu {
  float alpha;
  template <typename T> T operator()(T v) const { return v < T(0) ? static_cast<T>(alpha) * v : v; }
};
struct OpHardSigmoid {
  float alpha, beta;
  template <typename T> T operator()(T v) const {
    T s = static_cast<T>(alpha) * v + static_cast<T>(beta);
    return s < T(0) ? T(0) : (s > T(1) ? T(1) : s);
  }
};
struct OpHardSwish {
  template <typename T> T operator()(T v) const {
    T s = v / T(6) + T(0.5);
    return v * (s < T(0) ? T(0) : (s > T(1) ? T(1) : s));
  }
};
struct OpElu {
  float alpha;
  template <typename T> T operator()(T v) const { return v < T(0) ? static_cast<T>(alpha) * (k_exp(v) - T(1)) : v; }
};
struct OpSelu {
  float alpha, gamma;
  template <typename T> T operator()(T v) const {
    const T g = static_cast<T>(gamma);
    return v > T(0) ? g * v : g * (static_cast<T>(alpha) * k_exp(v) - static_cast<T>(alpha));
  }
};
struct OpCelu {
  float alpha;
  template <typename T> T operator()(T v) const {
    const T a = static_cast<T>(alpha);
    T neg = a * (k_exp(v / a) - T(1));
    return (v > T(0) ? v : T(0)) + (neg < T(0) ? neg : T(0));
  }
};
struct OpSoftplus {  // log(1 + exp(v)) without overflow for large v
  template <typename T> T operator()(T v) const {
    return v > T(0) ? v + k_log1p(k_exp(-v)) : k_log1p(k_exp(v));
  }
};
struct OpSoftsign {
  template <typename T> T operator()(T v) const { return v / (T(1) + k_abs(v)); }
};
struct OpThresholdedRelu {
  float alpha;
  template <typename T> T operator()(T v) const { return v > static_cast<T>(alpha) ? v : T(0); }
};
struct OpShrink {
  float lambd, bias;
  template <typename T> T operator()(T v) const {
    const T l = static_cast<T>(lambd), b = static_cast<T>(bias);
    return v < -l ? v + b : (v > l ? v - b : T(0));
  }
};
template <typename T>
struct OpClip {  // min(max(v, lo), hi): all of v becomes hi when lo > hi (ONNX, onnxruntime)
  T lo, hi;
  T operator()(T v) const {
    const T m = v < lo ? lo : v;
    return hi < m ? hi : m;
  }
};

// Comparisons and logic (outputs bool).
struct OpEqual {
  template <typename T> bool operator()(T a, T b) const { return a == b; }
};
struct OpGreater {
  template <typename T> bool operator()(T a, T b) const { return a > b; }
};
struct OpLess {
  template <typename T> bool operator()(T a, T b) const { return a < b; }
};
struct OpGreaterOrEqual {
  template <typename T> bool operator()(T a, T b) const { return a >= b; }
};
struct OpLessOrEqual {
  template <typename T> bool operator()(T a, T b) const { return a <= b; }
};
struct OpAnd {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct OpOr {
  bool operator()(bool a, bool b) const { return a || b; }
};
struct OpXor {
  bool operator()(bool a, bool b) const { return a != b; }
};
struct OpNot {
  bool operator()(bool v) const { return !v; }
};
struct OpIsNaN {
  template <typename T> bool operator()(T v) const { return k_isnan(v); }
};
struct OpIsInf {
  bool negative, positive;
  template <typename T> bool operator()(T v) const {
    return __builtin_isinf(v) && (v < T(0) ? negative : positive);
  }
};
struct OpWhere {
  template <typename T> T operator()(bool c, T a, T b) const { return c ? a : b; }
};

// Casts (to bool is v != 0: a plain conversion of 0.5 to an integer would give 0).
template <typename U>
struct OpCast {
  template <typename T> U operator()(T v) const { return static_cast<U>(v); }
};
struct OpToBool {
  template <typename T> bool operator()(T v) const { return v != T(0); }
};

}  // namespace kiln

#endif  // KILN_ELEMENTWISE_H_
