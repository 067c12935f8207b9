// kiln runtime: zero-aware weights. A pointwise convolution's or a fully connected layer's
// weights W[M, C] stored as CSR
// (compressed rows: for output channel m, the non-zero weights vals[rows[m] .. rows[m + 1]) and
// their input channels cols[...]), chosen by the compiler when that takes less flash and fewer
// instructions than the dense kernel (compiler/ops/sparse_util.h). Each output sums its non-zero
// terms in ascending input-channel order, as the dense kernels do, so the results are the dense
// kernel's (int8: exactly; float: a product with a zero weight adds nothing).
#ifndef KILN_SPARSE_H_
#define KILN_SPARSE_H_

#include "kiln_base.h"

namespace kiln {

// y[m, p] = out(bias[m] + sum_j vals[j] * x[cols[j], p]) over P pixels; four pixels share each
// weight load. int8/uint8 activations, weights with the zero point taken out (int8 or int16),
// bias with the input zero point folded in (see kiln_int8.h qconv_pointwise).
template <int C, int P, int M, typename XT, typename WT, typename CT, typename RT, typename YT, typename Out>
inline void qconv_pointwise_csr(const XT* x, const WT* vals, const CT* cols, const RT* rows, const int32_t* bias,
                                YT* y, Out out) {
  static_assert(C > 0 && P > 0 && M > 0, "empty convolution");
  for (int m = 0; m < M; ++m) {
    const int j0 = static_cast<int>(rows[m]), j1 = static_cast<int>(rows[m + 1]);
    YT* ym = y + m * P;
    int p = 0;
    for (; p + 4 <= P; p += 4) {
      int32_t a0 = bias[m], a1 = a0, a2 = a0, a3 = a0;
      for (int j = j0; j < j1; ++j) {
        const int32_t v = vals[j];
        const XT* xp = x + static_cast<int>(cols[j]) * P + p;
        a0 += static_cast<int32_t>(xp[0]) * v;
        a1 += static_cast<int32_t>(xp[1]) * v;
        a2 += static_cast<int32_t>(xp[2]) * v;
        a3 += static_cast<int32_t>(xp[3]) * v;
      }
      ym[p] = out(a0, m);
      ym[p + 1] = out(a1, m);
      ym[p + 2] = out(a2, m);
      ym[p + 3] = out(a3, m);
    }
    for (; p < P; ++p) {
      int32_t a = bias[m];
      for (int j = j0; j < j1; ++j) a += static_cast<int32_t>(x[static_cast<int>(cols[j]) * P + p]) * vals[j];
      ym[p] = out(a, m);
    }
  }
}

// The float form: y[m, p] = act(sum_j vals[j] * x[cols[j], p] + bias[m]) (bias may be null), the
// order of kiln_linalg.h's gemm_nn.
template <int C, int P, int M, typename CT, typename RT, typename Act>
inline void conv_pointwise_csr(const float* x, const float* vals, const CT* cols, const RT* rows, const float* bias,
                               float* y, Act act) {
  static_assert(C > 0 && P > 0 && M > 0, "empty convolution");
  for (int m = 0; m < M; ++m) {
    const int j0 = static_cast<int>(rows[m]), j1 = static_cast<int>(rows[m + 1]);
    float* ym = y + m * P;
    int p = 0;
    for (; p + 4 <= P; p += 4) {
      float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
      for (int j = j0; j < j1; ++j) {
        const float v = vals[j];
        const float* xp = x + static_cast<int>(cols[j]) * P + p;
        s0 += v * xp[0];
        s1 += v * xp[1];
        s2 += v * xp[2];
        s3 += v * xp[3];
      }
      const float b = bias ? bias[m] : 0.0f;
      ym[p] = act(bias ? s0 + b : s0);
      ym[p + 1] = act(bias ? s1 + b : s1);
      ym[p + 2] = act(bias ? s2 + b : s2);
      ym[p + 3] = act(bias ? s3 + b : s3);
    }
    for (; p < P; ++p) {
      float s = 0.0f;
      for (int j = j0; j < j1; ++j) s += vals[j] * x[static_cast<int>(cols[j]) * P + p];
      ym[p] = act(bias ? s + bias[m] : s);
    }
  }
}

// Fully connected, int8: y[i, n] = out(bias[n] + sum_j vals[j] * x[i, cols[j]], n) for M rows of
// x (see kiln_int8.h qfully_connected; W's rows are the N outputs).
template <int M, int N, int K, typename XT, typename WT, typename CT, typename RT, typename YT, typename Out>
inline void qfully_connected_csr(const XT* x, const WT* vals, const CT* cols, const RT* rows, const int32_t* bias,
                                 YT* y, Out out) {
  static_assert(M > 0 && N > 0 && K > 0, "empty product");
  for (int i = 0; i < M; ++i) {
    const XT* xi = x + i * K;
    for (int n = 0; n < N; ++n) {
      int32_t a = bias[n];
      for (int j = static_cast<int>(rows[n]); j < static_cast<int>(rows[n + 1]); ++j)
        a += static_cast<int32_t>(xi[static_cast<int>(cols[j])]) * static_cast<int32_t>(vals[j]);
      y[i * N + n] = out(a, n);
    }
  }
}

// Gemm, float: y[m, n] = act(alpha * s + beta * c[m, n]) with s = sum_j a[m, cols[j]] * vals[j]
// over row n of the CSR weights (B' as [N, K]); a[m, k] is a[m * SAM + k * SAK], c[m, n] is
// c[m * SCM + n * SCN] and may be null. The order of kiln_linalg.h's gemm_nt.
template <int M, int N, int K, int SAM, int SAK, int SCM, int SCN, typename CT, typename RT, typename Act>
inline void gemm_csr(const float* a, const float* vals, const CT* cols, const RT* rows, const float* c, float alpha,
                     float beta, float* y, Act act) {
  static_assert(M > 0 && N > 0 && K > 0, "empty product");
  for (int m = 0; m < M; ++m) {
    const float* am = a + m * SAM;
    for (int n = 0; n < N; ++n) {
      float s = 0.0f;
      for (int j = static_cast<int>(rows[n]); j < static_cast<int>(rows[n + 1]); ++j)
        s += am[static_cast<int>(cols[j]) * SAK] * vals[j];
      y[m * N + n] = act(c ? alpha * s + beta * c[m * SCM + n * SCN] : alpha * s);
    }
  }
}

}  // namespace kiln

#endif  // KILN_SPARSE_H_
