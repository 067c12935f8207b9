// kiln runtime: matrix products (Gemm, MatMul, Einsum). Row-major; float32, float64 and, for
// MatMul, int32/int64. Outputs must not overlap inputs.
#ifndef KILN_LINALG_H_
#define KILN_LINALG_H_

#include "kiln_base.h"

namespace kiln {

// The activation of a kernel without one, for any element type (ActNone converts to float).
struct ActKeep {
  template <typename T>
  T operator()(T v) const { return v; }
};

// A product's accumulator: T itself, except that signed integers accumulate unsigned so that
// overflow wraps (as in the ONNX reference) instead of being undefined behaviour.
template <typename T>
struct ProdAcc {
  typedef T type;
};
template <>
struct ProdAcc<int32_t> {
  typedef uint32_t type;
};
template <>
struct ProdAcc<int64_t> {
  typedef uint64_t type;
};

// Stores one finished output: act(alpha * s + beta * c[m, n]); c may be null.
template <int N, int SCM, int SCN, typename T, typename Act>
inline void gemm_put(T* y, const T* c, int m, int n, T s, T alpha, T beta, Act act) {
  y[m * N + n] = act(c ? alpha * s + beta * c[m * SCM + n * SCN] : alpha * s);
}

// y[m, n] = act(alpha * (a . bt^T)[m, n] + beta * c[m, n]), with B given transposed as bt[N, K]
// (Gemm transB=1, or weights repacked at compile time): every output is a dot product of two
// rows read forwards, accumulated in registers, and four outputs share each load of a.
// a[m, k] is a[m * SAM + k * SAK]; c[m, n] is c[m * SCM + n * SCN] (0 strides broadcast) and
// may be null.
template <int M, int N, int K, int SAM, int SAK, int SCM, int SCN, typename T, typename Act>
inline void gemm_nt(const T* a, const T* bt, const T* c, T alpha, T beta, T* y, Act act) {
  typedef typename ProdAcc<T>::type A;
  constexpr int N4 = N / 4 * 4;
  for (int m = 0; m < M; ++m) {
    const T* am = a + m * SAM;
    int n = 0;
    for (; n < N4; n += 4) {
      const T* b0 = bt + n * K;
      const T* b1 = b0 + K;
      const T* b2 = b1 + K;
      const T* b3 = b2 + K;
      A s0 = A(0), s1 = A(0), s2 = A(0), s3 = A(0);
      for (int k = 0; k < K; ++k) {
        const A av = A(am[k * SAK]);
        s0 += av * A(b0[k]);
        s1 += av * A(b1[k]);
        s2 += av * A(b2[k]);
        s3 += av * A(b3[k]);
      }
      gemm_put<N, SCM, SCN>(y, c, m, n, T(s0), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 1, T(s1), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 2, T(s2), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 3, T(s3), alpha, beta, act);
    }
    for (; n < N; ++n) {
      const T* bn = bt + n * K;
      A s = A(0);
      for (int k = 0; k < K; ++k) s += A(am[k * SAK]) * A(bn[k]);
      gemm_put<N, SCM, SCN>(y, c, m, n, T(s), alpha, beta, act);
    }
  }
}

// The same product with B as stored, b[K, N] (an activation, or the pixels of a pointwise
// convolution): tiles of 2 rows x 4 columns accumulate in registers while k runs, each step
// loading two values of a and four contiguous values of b for eight multiply-adds and storing
// nothing, which suits FPUs without SIMD as well as auto-vectorisers.
template <int M, int N, int K, int SAM, int SAK, int SCM, int SCN, typename T, typename Act>
inline void gemm_nn(const T* a, const T* b, const T* c, T alpha, T beta, T* y, Act act) {
  typedef typename ProdAcc<T>::type A;
  constexpr int M2 = M / 2 * 2, N4 = N / 4 * 4;
  int m = 0;
  for (; m < M2; m += 2) {
    const T* a0 = a + m * SAM;
    const T* a1 = a0 + SAM;
    int n = 0;
    for (; n < N4; n += 4) {
      A s0 = A(0), s1 = A(0), s2 = A(0), s3 = A(0), t0 = A(0), t1 = A(0), t2 = A(0), t3 = A(0);
      for (int k = 0; k < K; ++k) {
        const T* bk = b + k * N + n;
        const A u = A(a0[k * SAK]), v = A(a1[k * SAK]);
        s0 += u * A(bk[0]);
        s1 += u * A(bk[1]);
        s2 += u * A(bk[2]);
        s3 += u * A(bk[3]);
        t0 += v * A(bk[0]);
        t1 += v * A(bk[1]);
        t2 += v * A(bk[2]);
        t3 += v * A(bk[3]);
      }
      gemm_put<N, SCM, SCN>(y, c, m, n, T(s0), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 1, T(s1), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 2, T(s2), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 3, T(s3), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m + 1, n, T(t0), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m + 1, n + 1, T(t1), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m + 1, n + 2, T(t2), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m + 1, n + 3, T(t3), alpha, beta, act);
    }
    for (; n < N; ++n) {
      A s = A(0), t = A(0);
      for (int k = 0; k < K; ++k) {
        s += A(a0[k * SAK]) * A(b[k * N + n]);
        t += A(a1[k * SAK]) * A(b[k * N + n]);
      }
      gemm_put<N, SCM, SCN>(y, c, m, n, T(s), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m + 1, n, T(t), alpha, beta, act);
    }
  }
  for (; m < M; ++m) {  // an odd last row: 1 x 4 tiles
    const T* am = a + m * SAM;
    int n = 0;
    for (; n < N4; n += 4) {
      A s0 = A(0), s1 = A(0), s2 = A(0), s3 = A(0);
      for (int k = 0; k < K; ++k) {
        const T* bk = b + k * N + n;
        const A u = A(am[k * SAK]);
        s0 += u * A(bk[0]);
        s1 += u * A(bk[1]);
        s2 += u * A(bk[2]);
        s3 += u * A(bk[3]);
      }
      gemm_put<N, SCM, SCN>(y, c, m, n, T(s0), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 1, T(s1), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 2, T(s2), alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 3, T(s3), alpha, beta, act);
    }
    for (; n < N; ++n) {
      A s = A(0);
      for (int k = 0; k < K; ++k) s += A(am[k * SAK]) * A(b[k * N + n]);
      gemm_put<N, SCM, SCN>(y, c, m, n, T(s), alpha, beta, act);
    }
  }
}

// Batched MatMul over up to two (collapsed, broadcast) batch dims: slice (i0, i1) of a starts at
// i0 * SA0 + i1 * SA1, of b at i0 * SB0 + i1 * SB1; y is dense. BT: b slices are [N, K].
template <int B0, int B1, int SA0, int SA1, int SB0, int SB1, int M, int N, int K, bool BT, typename T>
inline void matmul_batched(const T* a, const T* b, T* y) {
  const T* none = nullptr;
  for (int i0 = 0; i0 < B0; ++i0) {
    for (int i1 = 0; i1 < B1; ++i1) {
      const T* ab = a + i0 * SA0 + i1 * SA1;
      const T* bb = b + i0 * SB0 + i1 * SB1;
      T* yb = y + (i0 * B1 + i1) * M * N;
      if (BT) {
        gemm_nt<M, N, K, K, 1, 0, 0>(ab, bb, none, T(1), T(0), yb, ActKeep{});
      } else {
        gemm_nn<M, N, K, K, 1, 0, 0>(ab, bb, none, T(1), T(0), yb, ActKeep{});
      }
    }
  }
}

// Einsum as loops: four output loops (O0..O3, y dense in that order) around two reduction loops
// (R0, R1). Each operand has a constant stride per loop, 0 where its subscripts lack the label;
// a repeated label (a diagonal) has the sum of its dims' strides.
template <typename T, int O0, int O1, int O2, int O3, int R0, int R1, int A0, int A1, int A2,
          int A3, int A4, int A5, int B0, int B1, int B2, int B3, int B4, int B5>
inline void einsum2(const T* a, const T* b, T* y) {
  for (int i0 = 0; i0 < O0; ++i0)
    for (int i1 = 0; i1 < O1; ++i1)
      for (int i2 = 0; i2 < O2; ++i2)
        for (int i3 = 0; i3 < O3; ++i3) {
          const T* ao = a + i0 * A0 + i1 * A1 + i2 * A2 + i3 * A3;
          const T* bo = b + i0 * B0 + i1 * B1 + i2 * B2 + i3 * B3;
          T s = T(0);
          for (int r0 = 0; r0 < R0; ++r0)
            for (int r1 = 0; r1 < R1; ++r1) s += ao[r0 * A4 + r1 * A5] * bo[r0 * B4 + r1 * B5];
          *y++ = s;
        }
}

// One operand: transposes, diagonals and sums.
template <typename T, int O0, int O1, int O2, int O3, int R0, int R1, int A0, int A1, int A2,
          int A3, int A4, int A5>
inline void einsum1(const T* a, T* y) {
  for (int i0 = 0; i0 < O0; ++i0)
    for (int i1 = 0; i1 < O1; ++i1)
      for (int i2 = 0; i2 < O2; ++i2)
        for (int i3 = 0; i3 < O3; ++i3) {
          const T* ao = a + i0 * A0 + i1 * A1 + i2 * A2 + i3 * A3;
          T s = T(0);
          for (int r0 = 0; r0 < R0; ++r0)
            for (int r1 = 0; r1 < R1; ++r1) s += ao[r0 * A4 + r1 * A5];
          *y++ = s;
        }
}

}  // namespace kiln

#endif  // KILN_LINALG_H_
