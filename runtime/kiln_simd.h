// kiln runtime: float32 kernels for cores with SIMD vector units (the build machine: x86-64 with
// SSE/AVX, AArch64 with NEON), where the compiler should vectorise. The compiler picks them by
// target capability (a nonzero `simd` vector width in targets/cores.def), never by name.
//
// The inner loops run over contiguous floats in blocks of eight (a 32-byte vector: one AVX
// register, two SSE or NEON registers) with literal bounds. With GCC and Clang the blocks are GNU
// vector extensions (`vector_size(32)`), which both lower to the machine's widest fitting
// registers (and fused multiply-adds where -march allows); other compilers (or KILN_SIMD_PLAIN)
// get a plain-C struct of eight floats with the same arithmetic, which they may vectorise or not. Results differ from the
// scalar kernels only by summation order and fused multiply-adds (float rounding), never by
// algorithm.
//
// Weights are repacked at compile time in the order the loops read them:
//   packed rows (pack_rows4 in compiler/ops/nn_util): W [M, K] as blocks of four rows
//   interleaved, wp[(m / 4) * 4 * K + k * 4 + m % 4] for m < M / 4 * 4, then the M % 4 last
//   rows as stored (pointwise and general convolution);
//   transposed (dense_simd): B as [K, N], row k holding every output's weight for input k.
#ifndef KILN_SIMD_H_
#define KILN_SIMD_H_

#include "kiln_base.h"

// With 32 vector registers (AVX-512), tiles take 8 output channels: 16 accumulators.
#if defined(__AVX512F__) && !defined(KILN_SIMD_PLAIN)
#define KILN_SIMD_WIDE 1
#endif

#if defined(__AVX2__) && defined(__GNUC__) && !defined(KILN_SIMD_PLAIN)
#include <immintrin.h>  // the compiler's own header: _mm256_madd_epi16 (pmaddwd)
#define KILN_SIMD_MADD 1
#endif

// Unroll the next loop completely (its bound is a small template constant), so the blocks of
// a tile stay in registers.
#if defined(__clang__)
#define KILN_SIMD_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define KILN_SIMD_UNROLL _Pragma("GCC unroll 16")
#else
#define KILN_SIMD_UNROLL
#endif

namespace kiln {
namespace simd {

constexpr int kLanes = 8;  // floats per block

#if defined(__GNUC__) && !defined(KILN_SIMD_PLAIN)
#define KILN_SIMD_VECTOR_EXT 1
typedef float F8 __attribute__((vector_size(32)));
typedef int32_t I8 __attribute__((vector_size(32)));
#else
template <typename T>
struct Vec8 {
  T v[kLanes];
  Vec8& operator+=(const Vec8& o) {
    for (int i = 0; i < kLanes; ++i) v[i] += o.v[i];
    return *this;
  }
};
template <typename T>
inline Vec8<T> operator*(T s, const Vec8<T>& a) {
  Vec8<T> r;
  for (int i = 0; i < kLanes; ++i) r.v[i] = s * a.v[i];
  return r;
}
typedef Vec8<float> F8;
typedef Vec8<int32_t> I8;
#endif

// Loads and stores through memcpy: no alignment assumed. N < 8 reads only the first N floats
// (the rest of the block is zero), lane by lane: a narrow store read back as one vector would
// stall store forwarding. N is a template constant.
template <int N = kLanes>
inline void load(F8& v, const float* p) {
  if (N < kLanes) {
#if defined(KILN_SIMD_VECTOR_EXT)
    v = F8{N > 0 ? p[0] : 0.0f, N > 1 ? p[1] : 0.0f, N > 2 ? p[2] : 0.0f, N > 3 ? p[3] : 0.0f,
           N > 4 ? p[4] : 0.0f, N > 5 ? p[5] : 0.0f, N > 6 ? p[6] : 0.0f, 0.0f};
#else
    float t[kLanes] = {};
    __builtin_memcpy(t, p, sizeof(float) * N);
    __builtin_memcpy(&v, t, sizeof v);
#endif
  } else {
    __builtin_memcpy(&v, p, sizeof v);
  }
}
inline void splat(F8& v, float s) {
  float t[kLanes];
  for (int i = 0; i < kLanes; ++i) t[i] = s;
  __builtin_memcpy(&v, t, sizeof v);
}

// Eight (or the first N, the rest 0) one-byte values at p, widened to int32 lanes. Built lane by
// lane, which GCC and Clang turn into one widening load (vpmovsxbd / vpmovzxbd); GCC scalarises
// __builtin_convertvector from an eight-byte vector.
template <int N = kLanes, typename XT>
inline void load_widen(I8& v, const XT* p) {
#if defined(KILN_SIMD_VECTOR_EXT)
  v = I8{p[0], N > 1 ? p[1] : 0, N > 2 ? p[2] : 0, N > 3 ? p[3] : 0,
         N > 4 ? p[4] : 0, N > 5 ? p[5] : 0, N > 6 ? p[6] : 0, N > 7 ? p[7] : 0};
#else
  int32_t t[kLanes] = {};
  for (int i = 0; i < N; ++i) t[i] = p[i];
  __builtin_memcpy(&v, t, sizeof v);
#endif
}
inline void splat(I8& v, int32_t s) {
  int32_t t[kLanes];
  for (int i = 0; i < kLanes; ++i) t[i] = s;
  __builtin_memcpy(&v, t, sizeof v);
}

// Stores the first N lanes of accumulator v of output channel m through the output stage (all
// eight lanes in a loop the compiler may vectorise, then one copy).
template <int N, typename YT, typename Out>
inline void store_out(YT* p, const I8& v, Out out, int m) {
  int32_t t[kLanes];
  YT r[kLanes];
  __builtin_memcpy(t, &v, sizeof t);
  for (int i = 0; i < kLanes; ++i) r[i] = out(t[i], m);
  __builtin_memcpy(p, r, sizeof(YT) * N);
}

// act applied to every lane: any activation lane by lane; Relu / Clip (ActMin, ActClamp) and
// none as whole-vector compares and selects (the same result for every input, NaN included).
template <typename Act>
inline void act_lanes(F8& v, Act act) {
  float t[kLanes];
  __builtin_memcpy(t, &v, sizeof t);
  for (int i = 0; i < kLanes; ++i) t[i] = act(t[i]);
  __builtin_memcpy(&v, t, sizeof v);
}
inline void act_lanes(F8&, ActNone) {}
#if defined(KILN_SIMD_VECTOR_EXT)
// v where m is 0, b where m is all ones.
inline void select(F8& v, const I8& m, const F8& b) {
  I8 vi, bi;
  __builtin_memcpy(&vi, &v, sizeof vi);
  __builtin_memcpy(&bi, &b, sizeof bi);
  vi = (bi & m) | (vi & ~m);
  __builtin_memcpy(&v, &vi, sizeof v);
}
inline void act_lanes(F8& v, ActMin a) {
  F8 lo;
  splat(lo, a.lo);
  const I8 m = v < lo;
  select(v, m, lo);
}
inline void act_lanes(F8& v, ActClamp a) {
  F8 lo, hi;
  splat(lo, a.lo);
  splat(hi, a.hi);
  const I8 mhi = v > hi, mlo = v < lo;
  select(v, mhi, hi);
  select(v, mlo, lo);
}
#endif

// Stores the first N lanes of v, each as act(v).
template <int N, typename Act>
inline void store_act(float* p, const F8& acc, Act act) {
  F8 v = acc;
  act_lanes(v, act);
  __builtin_memcpy(p, &v, sizeof(float) * N);
}

// One tile of R rows (4 packed, or 1) by NV blocks of columns, the last block reading only LN
// and storing only SN columns (8: all): y[i * YS + j] = act(b[i] + sum_k w[k * WS + i] * x[k * XS + j]).
// The R * NV accumulators stay in registers across the whole reduction over k.
// The reduction index k runs over KC x KR x KT (KR = KT = 1 for a plain product): the X row of k =
// (c, r, t) starts at c * XS + r * RS + t * TS (a direct convolution reads its padded input so).
template <int R, int WS, int NV, int LN, int SN, int K, int XS, int YS, typename Act, int KR = 1, int KT = 1,
          int RS = 0, int TS = 0>
inline void tile(const float* x, const float* w, const float* b, float* y, Act act) {
  F8 acc[R][NV];
  KILN_SIMD_UNROLL
  for (int i = 0; i < R; ++i) {
    KILN_SIMD_UNROLL
    for (int v = 0; v < NV; ++v) splat(acc[i][v], b ? b[i] : 0.0f);
  }
  for (int c = 0; c < K / (KR * KT); ++c)
    for (int r = 0; r < KR; ++r)
      KILN_SIMD_UNROLL
      for (int t = 0; t < KT; ++t) {
        const int k = (c * KR + r) * KT + t;
        const float* xk = x + c * XS + r * RS + t * TS;
        F8 xv[NV];
        KILN_SIMD_UNROLL
        for (int v = 0; v < NV; ++v) {
          if (v == NV - 1) load<LN>(xv[v], xk + v * kLanes);
          else load(xv[v], xk + v * kLanes);
        }
        KILN_SIMD_UNROLL
        for (int i = 0; i < R; ++i) {
          const float wi = i < 4 ? w[k * WS + i] : w[4 * K + k * WS + i - 4];  // R = 8: two packed blocks
          KILN_SIMD_UNROLL
          for (int v = 0; v < NV; ++v) acc[i][v] += wi * xv[v];
        }
      }
  KILN_SIMD_UNROLL
  for (int i = 0; i < R; ++i)
    KILN_SIMD_UNROLL
    for (int v = 0; v < NV; ++v) {
      if (v == NV - 1) store_act<SN>(y + i * YS + v * kLanes, acc[i][v], act);
      else store_act<kLanes>(y + i * YS + v * kLanes, acc[i][v], act);
    }
}

// Every row block (four packed rows, then single rows) for the NV * 8 columns at x and y.
template <int M, int K, int NV, int LN, int SN, int XS, int YS, typename Act, int KR = 1, int KT = 1, int RS = 0,
          int TS = 0>
inline void tile_rows(const float* x, const float* wp, const float* b, float* y, Act act) {
  constexpr int M4 = M / 4 * 4;
  int m = 0;
#if defined(KILN_SIMD_WIDE)
  for (; m + 8 <= M4; m += 8)
    tile<8, 4, NV, LN, SN, K, XS, YS, Act, KR, KT, RS, TS>(x, wp + m * K, b ? b + m : b, y + m * YS, act);
#endif
  for (; m < M4; m += 4)
    tile<4, 4, NV, LN, SN, K, XS, YS, Act, KR, KT, RS, TS>(x, wp + m * K, b ? b + m : b, y + m * YS, act);
  for (int m = M4; m < M; ++m)
    tile<1, 1, NV, LN, SN, K, XS, YS, Act, KR, KT, RS, TS>(x, wp + m * K, b ? b + m : b, y + m * YS, act);
}

// Columns [n0, n1) of one dense output row in runs of NV blocks (n1 - n0 a multiple of NV * 8),
// or, when TAIL > 0, the single block of TAIL columns at n0.
template <int NV, int TAIL, int N, int K, int SAK, int SCN, typename Act>
inline void dense_run(const float* a, const float* bt, const float* c, float alpha, float beta, float* y, Act act,
                      int n0, int n1) {
  constexpr int L = kLanes, NB = TAIL ? TAIL : kLanes;
  for (int n = n0; n < n1; n += NV * L) {
    F8 acc[NV];
    KILN_SIMD_UNROLL
    for (int v = 0; v < NV; ++v) splat(acc[v], 0.0f);
    for (int k = 0; k < K; ++k) {
      const float ak = a[k * SAK];
      KILN_SIMD_UNROLL
      for (int v = 0; v < NV; ++v) {
        F8 bv;
        load<NB>(bv, bt + k * N + n + v * L);
        acc[v] += ak * bv;
      }
    }
    KILN_SIMD_UNROLL
    for (int v = 0; v < NV; ++v) {
      float t[kLanes];
      __builtin_memcpy(t, &acc[v], sizeof t);
      for (int i = 0; i < NB; ++i) {
        const int j = n + v * L + i;
        y[j] = act(alpha * t[i] + (c ? beta * c[j * SCN] : 0.0f));
      }
    }
    if (TAIL) break;
  }
}

// One output row's window column for a tap: d[ow * DS] = src[ow * SW + off] where that lies in
// [0, W), else pad. The in-range span is computed once, so the copy has no per-element test.
template <int OW, int W, int SW, int DS, typename S, typename D>
inline void window_row(D* d, const S* src, int off, D pad) {
  int lo = off >= 0 ? 0 : (SW - 1 - off) / SW, hi = W - off <= 0 ? 0 : (W - off + SW - 1) / SW;
  lo = lo < OW ? lo : OW;
  hi = hi < OW ? hi : OW;
  hi = hi > lo ? hi : lo;
  for (int ow = 0; ow < lo; ++ow) d[ow * DS] = pad;
  if (SW == 1 && DS == 1 && sizeof(S) == sizeof(D)) {  // a contiguous run: one copy
    if (hi > lo) __builtin_memcpy(d + lo, src + lo + off, sizeof(D) * static_cast<unsigned>(hi - lo));
  } else {
    for (int ow = lo; ow < hi; ++ow) d[ow * DS] = static_cast<D>(src[ow * SW + off]);
  }
  for (int ow = hi; ow < OW; ++ow) d[ow * DS] = pad;
}

// Values per row of a depthwise plane phase: the padded row's share, rounded so that whole
// blocks of 8 from every tap's first output stay inside the row (no partial loads).
constexpr int plane_row(int OW, int KW, int SW, int DW) {
  return ((OW - 1) * SW + (KW - 1) * DW + SW) / SW > ((KW - 1) * DW) / SW + (OW + kLanes - 1) / kLanes * kLanes
             ? ((OW - 1) * SW + (KW - 1) * DW + SW) / SW
             : ((KW - 1) * DW) / SW + (OW + kLanes - 1) / kLanes * kLanes;
}

// Channel plane xc [H, W] padded to PH x PW (pad around it) and split by column phase: padded
// column j at plane[((j % SW) * PH + r) * QW + j / SW] (QW = plane_row(...) values per row).
template <int H, int W, int PH, int PW, int QW, int SW, int PT, int PL, typename T>
inline void fill_phase_plane(const T* xc, T* plane, T pad) {
  static_assert(PW <= QW * SW, "a phase row holds every padded column");
  for (int r = 0; r < PH; ++r) {
    const int ih = r - PT;
    for (int ph = 0; ph < SW; ++ph) {
      T* d = plane + (ph * PH + r) * QW;
      if (ih < 0 || ih >= H) {
        for (int q = 0; q < QW; ++q) d[q] = pad;
      } else {
        window_row<QW, W, SW, 1>(d, xc + ih * W, ph - PL, pad);  // past PW: read by no stored output
      }
    }
  }
}

// --- int8 products on int16 pairs (pmaddwd) ---
// Activations in pair layout: value (k, p) of a [K, P] operand at x2[((k / 2) * XS2 + p) * 2 + k % 2]
// (int16; an odd K's last pair holds 0 for k = K). Weights as int32 pairs, w2[m * KP + k / 2]:
// the int16 w[m, 2j] in the low half, w[m, 2j + 1] in the high half (KP = (K + 1) / 2). One
// multiply-add instruction then does 16 products and adds them in pairs, all exact in int32.

// acc += x2's 8 pixels x 2 values times pair w (both int16 halves), added pairwise.
inline void madd(I8& acc, const int16_t* x2, int32_t w) {
#if defined(KILN_SIMD_MADD)
  __m256i xv, a;
  const __m256i wv = _mm256_set1_epi32(w);
  __builtin_memcpy(&xv, x2, sizeof xv);
  __builtin_memcpy(&a, &acc, sizeof a);
  a = _mm256_add_epi32(a, _mm256_madd_epi16(xv, wv));
  __builtin_memcpy(&acc, &a, sizeof acc);
#else
  const int32_t w0 = static_cast<int16_t>(static_cast<uint32_t>(w) & 0xffffu), w1 = w >> 16;
  int32_t t[kLanes];
  __builtin_memcpy(t, &acc, sizeof t);
  for (int i = 0; i < kLanes; ++i) t[i] += x2[2 * i] * w0 + x2[2 * i + 1] * w1;
  __builtin_memcpy(&acc, t, sizeof acc);
#endif
}

// R output channels by NV blocks of 8 pixels (the last storing SN): the int8 tile on pairs.
// The pair index kp runs over KC x KR x KT (KR = KT = 1 for a plain product): the pair row of
// kp = (c, r, t) starts at x2 + (c * XS2 + r * RS + t * TS) * 2 (a direct convolution's planes).
template <int R, int NV, int SN, int KP, int XS2, int YS, typename YT, typename Out, int KR = 1, int KT = 1,
          int RS = 0, int TS = 0>
inline void qtile2(const int16_t* x2, const int32_t* w2, const int32_t* bias, YT* y, Out out, int m) {
  I8 acc[R][NV];
  KILN_SIMD_UNROLL
  for (int i = 0; i < R; ++i) {
    KILN_SIMD_UNROLL
    for (int v = 0; v < NV; ++v) splat(acc[i][v], bias[i]);
  }
  for (int c = 0; c < KP / (KR * KT); ++c)
    for (int r = 0; r < KR; ++r)
      KILN_SIMD_UNROLL
      for (int t = 0; t < KT; ++t) {
        const int kp = (c * KR + r) * KT + t;
        const int16_t* xk = x2 + (c * XS2 + r * RS + t * TS) * 2;
        KILN_SIMD_UNROLL
        for (int i = 0; i < R; ++i) {
          const int32_t wi = w2[i * KP + kp];
          KILN_SIMD_UNROLL
          for (int v = 0; v < NV; ++v) madd(acc[i][v], xk + v * kLanes * 2, wi);
        }
      }
  KILN_SIMD_UNROLL
  for (int i = 0; i < R; ++i)
    KILN_SIMD_UNROLL
    for (int v = 0; v < NV; ++v) {
      if (v == NV - 1) store_out<SN>(y + i * YS + v * kLanes, acc[i][v], out, m + i);
      else store_out<kLanes>(y + i * YS + v * kLanes, acc[i][v], out, m + i);
    }
}

// N pixels of the C rows of x (P apart) into tmp in pair layout with row stride 16, zero past N
// and in the odd row of an odd C.
template <int C, int P, int N, typename XT>
inline void gather_pairs(const XT* x, int16_t* tmp) {
  constexpr int B = 2 * kLanes, KP = (C + 1) / 2;
  for (int c = 0; c < 2 * KP; ++c) {
    int16_t* d = tmp + (c / 2) * B * 2 + c % 2;
    for (int p = 0; p < B; ++p) d[2 * p] = c < C && p < N ? static_cast<int16_t>(x[c * P + p]) : 0;
  }
}

template <int M, int NV, int SN, int KP, int XS2, int YS, typename YT, typename Out, int KR = 1, int KT = 1,
          int RS = 0, int TS = 0>
inline void qtile2_rows(const int16_t* x2, const int32_t* w2, const int32_t* bias, YT* y, Out out) {
  constexpr int M4 = M / 4 * 4;
  int m = 0;
#if defined(KILN_SIMD_WIDE)
  for (; m + 8 <= M4; m += 8)
    qtile2<8, NV, SN, KP, XS2, YS, YT, Out, KR, KT, RS, TS>(x2, w2 + m * KP, bias + m, y + m * YS, out, m);
#endif
  for (; m < M4; m += 4)
    qtile2<4, NV, SN, KP, XS2, YS, YT, Out, KR, KT, RS, TS>(x2, w2 + m * KP, bias + m, y + m * YS, out, m);
  for (m = M4; m < M; ++m)
    qtile2<1, NV, SN, KP, XS2, YS, YT, Out, KR, KT, RS, TS>(x2, w2 + m * KP, bias + m, y + m * YS, out, m);
}

// Every pixel run of a pair-layout operand of P pixels with row stride XS2 >= P rounded up to 8
// (whole blocks are read; the pixels past P are not stored).
template <int M, int KP, int P, int XS2, int YS, typename YT, typename Out>
inline void qgemm2_cols(const int16_t* x2, const int32_t* w2, const int32_t* bias, YT* y, Out out) {
  constexpr int L = kLanes, P16 = P / (2 * L) * (2 * L), T = P - P16;
  for (int p = 0; p < P16; p += 2 * L) qtile2_rows<M, 2, L, KP, XS2, YS>(x2 + p * 2, w2, bias, y + p, out);
  if (T > L) qtile2_rows<M, 2, (T > L ? T - L : L), KP, XS2, YS>(x2 + P16 * 2, w2, bias, y + P16, out);
  else if (T > 0) qtile2_rows<M, 1, (T > 0 ? T : L), KP, XS2, YS>(x2 + P16 * 2, w2, bias, y + P16, out);
}

}  // namespace simd

// Y[m * YS + p] = act(b[m] + sum_k W[m, k] * X[k * XS + p]) for m < M, p < P, with W packed by
// four rows (see the top). Columns go in runs of 16 (then 8), and for each run every row block,
// so a run of X (K x 16 floats) stays in the first-level cache while the weights stream. The
// last P % 8 columns are the block of 8 ending at P, overlapping columns already done (they are
// recomputed to the same values: y must not overlap x), or, when P < 8, a partial block. A 1x1
// convolution in NCHW is this product with XS = YS = P.
template <int M, int K, int P, int XS, int YS, typename Act>
inline void gemm_cols_simd(const float* x, const float* wp, const float* b, float* y, Act act) {
  constexpr int L = simd::kLanes, P16 = P / (2 * L) * (2 * L), P8 = P / L * L;
  for (int p = 0; p < P16; p += 2 * L) simd::tile_rows<M, K, 2, L, L, XS, YS>(x + p, wp, b, y + p, act);
  if (P8 > P16) simd::tile_rows<M, K, 1, L, L, XS, YS>(x + P16, wp, b, y + P16, act);
  if (P > P8 && P >= L) simd::tile_rows<M, K, 1, L, L, XS, YS>(x + P - L, wp, b, y + P - L, act);
  if (P < L) simd::tile_rows<M, K, 1, (P < L ? P : L), (P < L ? P : L), XS, YS>(x, wp, b, y, act);
}

// 1x1 convolution, stride 1, no padding, one group: Y[M, P] = W[M, C] . X[C, P] + b.
template <int M, int C, int P, typename Act>
inline void pointwise_simd(const float* x, const float* wp, const float* b, float* y, Act act) {
  gemm_cols_simd<M, C, P, P, P>(x, wp, b, y, act);
}

// pointwise_simd in place (passes/inplace.cpp): x == y + K * P for some K >= 0, so writing output
// pixel p clobbers only input pixel p (see kiln::pointwise_inplace). Each run of up to 16 pixels'
// C inputs is gathered into `tmp` (C * 16 floats) before its M outputs are written.
template <int M, int C, int P, typename Act>
inline void pointwise_simd_inplace(const float* x, const float* wp, const float* b, float* y, float* tmp, Act act) {
  constexpr int L = simd::kLanes, B = 2 * L, P16 = P / B * B, P8 = P / L * L;
  for (int p = 0; p < P16; p += B) {
    for (int c = 0; c < C; ++c) __builtin_memcpy(tmp + c * B, x + c * P + p, sizeof(float) * B);
    simd::tile_rows<M, C, 2, L, L, B, P>(tmp, wp, b, y + p, act);
  }
  if (P8 > P16) {
    for (int c = 0; c < C; ++c) __builtin_memcpy(tmp + c * B, x + c * P + P16, sizeof(float) * L);
    simd::tile_rows<M, C, 1, L, L, B, P>(tmp, wp, b, y + P16, act);
  }
  if (P > P8) {  // whole blocks read from tmp (the lanes past T are not stored)
    constexpr int T = P > P8 ? P - P8 : 1;
    for (int c = 0; c < C; ++c) __builtin_memcpy(tmp + c * B, x + c * P + P8, sizeof(float) * T);
    simd::tile_rows<M, C, 1, L, T, B, P>(tmp, wp, b, y + P8, act);
  }
}

// Gathers the inputs of output rows [oh0, oh0 + RB) of a one-group 2-D convolution as columns:
// col[(c * KH * KW + kh * KW + kw) * (RB * OW) + r * OW + ow] = x[c, ih, iw] (0 in the padding),
// ih = (oh0 + r) * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW; `pad` in the padding.
template <int C, int H, int W, int KH, int KW, int OW, int SH, int SW, int PT, int PL, int DH, int DW, int RB,
          typename T>
inline void im2col_rows(const T* x, int oh0, T* col, T pad) {
  constexpr int NP = RB * OW;
  for (int c = 0; c < C; ++c)
    for (int kh = 0; kh < KH; ++kh)
      for (int kw = 0; kw < KW; ++kw) {
        T* dst = col + ((c * KH + kh) * KW + kw) * NP;
        for (int r = 0; r < RB; ++r) {
          const int ih = (oh0 + r) * SH - PT + kh * DH;
          T* d = dst + r * OW;
          if (ih < 0 || ih >= H) {
            for (int ow = 0; ow < OW; ++ow) d[ow] = pad;
            continue;
          }
          simd::window_row<OW, W, SW, 1>(d, x + (c * H + ih) * W, kw * DW - PL, pad);
        }
      }
}

// One-group 2-D convolution as products of the packed weights W [M, C * KH * KW] with the
// columns of RB output rows at a time (im2col_rows into `col`, C * KH * KW * RB * OW floats): the
// product's columns are whole output rows, contiguous in NCHW.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH,
          int DW, int RB, typename Act>
inline void conv2d_simd(const float* x, const float* wp, const float* b, float* col, float* y, Act act) {
  constexpr int K = C * KH * KW, NP = RB * OW, OHB = OH / RB * RB, NT = (OH - OHB) * OW;
  for (int oh = 0; oh < OHB; oh += RB) {
    im2col_rows<C, H, W, KH, KW, OW, SH, SW, PT, PL, DH, DW, RB>(x, oh, col, 0.0f);
    gemm_cols_simd<M, K, NP, NP, OH * OW>(col, wp, b, y + oh * OW, act);
  }
  if (NT > 0) {
    constexpr int RT = NT > 0 ? OH - OHB : 1, NTC = RT * OW;
    im2col_rows<C, H, W, KH, KW, OW, SH, SW, PT, PL, DH, DW, RT>(x, OHB, col, 0.0f);
    gemm_cols_simd<M, K, NTC, NTC, OH * OW>(col, wp, b, y + OHB * OW, act);
  }
}

// One-group 2-D convolution at stride 1 without im2col: the input is copied once into zero-padded
// channel planes (`plane`, conv2d_simd_direct_floats), whose rows already are the product's
// operand rows: tap (c, kh, kw) of output pixels ow.. of row oh starts at
// plane[(c * PH + oh + kh * DH) * PW + ow + kw * DW]. Each output row goes in runs of 16 pixels,
// then 8, then a last 8 overlapping the previous (or a partial run when OW < 8).
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int PT, int PL, int DH, int DW, typename Act>
inline void conv2d_simd_direct(const float* x, const float* wp, const float* b, float* plane, float* y, Act act) {
  constexpr int PH = OH + (KH - 1) * DH, PW = OW + (KW - 1) * DW, K = C * KH * KW, L = simd::kLanes;
  constexpr int O16 = OW / (2 * L) * (2 * L), O8 = OW / L * L, RS = DH * PW, CS = PH * PW;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < PH; ++r) {
      float* d = plane + (c * PH + r) * PW;
      const int ih = r - PT;
      if (ih < 0 || ih >= H) {
        for (int j = 0; j < PW; ++j) d[j] = 0.0f;
      } else {
        simd::window_row<PW, W, 1, 1>(d, x + (c * H + ih) * W, -PL, 0.0f);
      }
    }
  for (int oh = 0; oh < OH; ++oh) {
    const float* xr = plane + oh * PW;
    float* yr = y + oh * OW;
    for (int ow = 0; ow < O16; ow += 2 * L)
      simd::tile_rows<M, K, 2, L, L, CS, OH * OW, Act, KH, KW, RS, DW>(xr + ow, wp, b, yr + ow, act);
    if (O8 > O16) simd::tile_rows<M, K, 1, L, L, CS, OH * OW, Act, KH, KW, RS, DW>(xr + O16, wp, b, yr + O16, act);
    if (OW > O8 && OW >= L)
      simd::tile_rows<M, K, 1, L, L, CS, OH * OW, Act, KH, KW, RS, DW>(xr + OW - L, wp, b, yr + OW - L, act);
    if (OW < L)
      simd::tile_rows<M, K, 1, (OW < L ? OW : L), (OW < L ? OW : L), CS, OH * OW, Act, KH, KW, RS, DW>(xr, wp, b, yr,
                                                                                                     act);
  }
}

// Floats of conv2d_simd_direct's padded planes.
constexpr int conv2d_simd_direct_floats(int C, int KH, int KW, int OH, int OW, int DH, int DW) {
  return C * (OH + (KH - 1) * DH) * (OW + (KW - 1) * DW);
}

// Floats of conv2d_simd's column buffer.
constexpr int conv2d_simd_col_floats(int C, int KH, int KW, int RB, int OW) { return C * KH * KW * RB * OW; }

// Depthwise 2-D convolution (G = C = M), also in place (x == y, OH * OW <= H * W: channel c is
// copied to the plane before output channel c, which ends at or before input channel c + 1, is
// written). Each channel is copied once into a zero-padded plane
// split by column phase: padded column j goes to phase j % SW at position j / SW, so the taps of
// consecutive outputs (columns ow * SW + kw * DW) are consecutive floats of one phase even at
// stride 2. Each output row then accumulates KH * KW contiguous runs of OW products.
// `plane` holds SW * PH * QW floats (depthwise2d_simd_plane_floats), its rows padded so every
// tap reads whole blocks of 8.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename Act>
inline void depthwise2d_simd(const float* x, const float* w, const float* b, float* plane, float* y, Act act) {
  constexpr int PH = (OH - 1) * SH + (KH - 1) * DH + 1, PW = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr int QW = simd::plane_row(OW, KW, SW, DW), L = simd::kLanes, NB = (OW + L - 1) / L, T = OW - (NB - 1) * L;
  for (int c = 0; c < C; ++c) {
    simd::fill_phase_plane<H, W, PH, PW, QW, SW, PT, PL>(x + c * H * W, plane, 0.0f);
    const float* wc = w + c * KH * KW;
    const float bc = b ? b[c] : 0.0f;
    float* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      simd::F8 acc[NB], xv;
      KILN_SIMD_UNROLL
      for (int v = 0; v < NB; ++v) simd::splat(acc[v], bc);
      for (int kh = 0; kh < KH; ++kh)
        for (int kw = 0; kw < KW; ++kw) {
          const float wv = wc[kh * KW + kw];
          const float* src = plane + (((kw * DW) % SW) * PH + oh * SH + kh * DH) * QW + (kw * DW) / SW;
          KILN_SIMD_UNROLL
          for (int v = 0; v < NB - 1; ++v) {
            simd::load(xv, src + v * L);
            acc[v] += wv * xv;
          }
          simd::load(xv, src + (NB - 1) * L);  // lanes past T are not stored
          acc[NB - 1] += wv * xv;
        }
      KILN_SIMD_UNROLL
      for (int v = 0; v < NB - 1; ++v) simd::store_act<L>(yc + oh * OW + v * L, acc[v], act);
      // A whole last block where it ends inside the channel: the lanes past the row land on
      // later rows, which are stored after it (in place too: they are this channel's outputs).
      if (oh * OW + NB * L <= OH * OW) simd::store_act<L>(yc + oh * OW + (NB - 1) * L, acc[NB - 1], act);
      else simd::store_act<T>(yc + oh * OW + (NB - 1) * L, acc[NB - 1], act);
    }
  }
}

// Floats of depthwise2d_simd's plane.
constexpr int depthwise2d_simd_plane_floats(int KH, int KW, int OH, int OW, int SH, int SW, int DH, int DW) {
  return SW * ((OH - 1) * SH + (KH - 1) * DH + 1) * simd::plane_row(OW, KW, SW, DW);
}

// y[m, n] = act(alpha * sum_k a[m * SAM + k * SAK] * bt[k * N + n] + beta * c[m * SCM + n * SCN])
// (Gemm and fully connected layers), bt the weights transposed to [K, N]: each input value is
// broadcast against a contiguous run of 32 outputs (then 8, then the last N % 8) accumulating in
// registers across k; the last N % 8 outputs are the block of 8 ending at N (recomputing a few:
// y must not overlap a or c), or a partial block when N < 8.
template <int M, int N, int K, int SAM, int SAK, int SCM, int SCN, typename Act>
inline void dense_simd(const float* a, const float* bt, const float* c, float alpha, float beta, float* y, Act act) {
  constexpr int L = simd::kLanes, N32 = N / (4 * L) * (4 * L), N8 = N / L * L;
  for (int m = 0; m < M; ++m) {
    const float* am = a + m * SAM;
    float* ym = y + m * N;
    const float* cm = c ? c + m * SCM : c;
    simd::dense_run<4, 0, N, K, SAK, SCN>(am, bt, cm, alpha, beta, ym, act, 0, N32);
    simd::dense_run<1, 0, N, K, SAK, SCN>(am, bt, cm, alpha, beta, ym, act, N32, N8);
    if (N > N8 && N >= L) simd::dense_run<1, 0, N, K, SAK, SCN>(am, bt, cm, alpha, beta, ym, act, N - L, N);
    if (N < L) simd::dense_run<1, (N < L ? N : L), N, K, SAK, SCN>(am, bt, cm, alpha, beta, ym, act, 0, N);
  }
}

// Depthwise qconv2d (G = C = M, constant parameters) as depthwise2d_simd: each channel goes to
// a phase-split plane padded with x_zp (SW * PH * QW values, depthwise2d_simd_plane_floats),
// then every output row accumulates KH * KW contiguous runs in int32 lanes. In place too (x == y).
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename XT, typename WT, typename YT, typename Out>
inline void qdepthwise2d_simd(const XT* x, const WT* w, const int32_t* bias, int32_t x_zp, XT* plane, YT* y, Out out) {
  constexpr int PH = (OH - 1) * SH + (KH - 1) * DH + 1, PW = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr int QW = simd::plane_row(OW, KW, SW, DW), L = simd::kLanes, NB = (OW + L - 1) / L, T = OW - (NB - 1) * L;
  for (int c = 0; c < C; ++c) {
    simd::fill_phase_plane<H, W, PH, PW, QW, SW, PT, PL>(x + c * H * W, plane, static_cast<XT>(x_zp));
    const WT* wc = w + c * KH * KW;
    YT* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      simd::I8 acc[NB], xv;
      KILN_SIMD_UNROLL
      for (int v = 0; v < NB; ++v) simd::splat(acc[v], bias[c]);
      for (int kh = 0; kh < KH; ++kh)
        for (int kw = 0; kw < KW; ++kw) {
          const int32_t wv = wc[kh * KW + kw];
          const XT* src = plane + (((kw * DW) % SW) * PH + oh * SH + kh * DH) * QW + (kw * DW) / SW;
          KILN_SIMD_UNROLL
          for (int v = 0; v < NB - 1; ++v) {
            simd::load_widen(xv, src + v * L);
            acc[v] += wv * xv;
          }
          simd::load_widen(xv, src + (NB - 1) * L);  // lanes past T are not stored
          acc[NB - 1] += wv * xv;
        }
      KILN_SIMD_UNROLL
      for (int v = 0; v < NB - 1; ++v) simd::store_out<L>(yc + oh * OW + v * L, acc[v], out, c);
      if (oh * OW + NB * L <= OH * OW) simd::store_out<L>(yc + oh * OW + (NB - 1) * L, acc[NB - 1], out, c);
      else simd::store_out<T>(yc + oh * OW + (NB - 1) * L, acc[NB - 1], out, c);  // as depthwise2d_simd
    }
  }
}

// qconv_pointwise with int16 pair products (weights as int32 pairs, see qtile2): each run of 16
// pixels of X is gathered into tmp in pair layout ((C + 1) / 2 * 32 int16) before its outputs are
// written, so it runs in place too (x == y + K * P, as qconv_pointwise_inplace). Bit-exact.
template <int C, int P, int M, typename XT, typename YT, typename Out>
inline void qconv_pointwise_pairs(const XT* x, const int32_t* w2, const int32_t* bias, YT* y, int16_t* tmp, Out out) {
  constexpr int B = 2 * simd::kLanes, KP = (C + 1) / 2, PB = P / B * B, T = P - PB;
  for (int p0 = 0; p0 < PB; p0 += B) {
    simd::gather_pairs<C, P, B>(x + p0, tmp);
    simd::qtile2_rows<M, 2, simd::kLanes, KP, B, P>(tmp, w2, bias, y + p0, out);
  }
  if (T > 0) {
    simd::gather_pairs<C, P, (T > 0 ? T : B)>(x + PB, tmp);
    simd::qgemm2_cols<M, KP, (T > 0 ? T : B), B, P>(tmp, w2, bias, y + PB, out);
  }
}

// qconv2d (runtime/kiln_int8.h, one group, constant parameters) through im2col columns in pair
// layout (int16, RB * OW pixels rounded up to 8 per row of pairs: (C * KH * KW + 1) / 2 * 2 *
// qconv2d_pairs_cols(RB, OW) values in `col`) and int32 pair weights. The padding holds x_zp (the real value zero), so with bias = B - x_zp * wsum every
// output is bias + the sum of x * w over its whole window: bit-exact with the reference.
constexpr int qconv2d_pairs_cols(int RB, int OW) { return (RB * OW + 7) / 8 * 8; }

template <int C, int H, int W, int KH, int KW, int OW, int SH, int SW, int PT, int PL, int DH, int DW, int RB,
          int XS2, typename XT>
inline void im2col_pairs(const XT* x, int oh0, int16_t* col, int16_t pad) {
  constexpr int K = C * KH * KW;
  for (int k = 0; k < (K + 1) / 2 * 2; ++k) {
    int16_t* d = col + (k / 2) * XS2 * 2 + k % 2;
    if (k >= K) {
      for (int p = 0; p < XS2; ++p) d[2 * p] = 0;
      continue;
    }
    const int c = k / (KH * KW), kh = k / KW % KH, kw = k % KW;
    for (int r = 0; r < RB; ++r) {
      const int ih = (oh0 + r) * SH - PT + kh * DH;
      int16_t* dr = d + 2 * r * OW;
      if (ih < 0 || ih >= H) {
        for (int ow = 0; ow < OW; ++ow) dr[2 * ow] = pad;
        continue;
      }
      simd::window_row<OW, W, SW, 2>(dr, x + (c * H + ih) * W, kw * DW - PL, pad);
    }
    for (int p = RB * OW; p < XS2; ++p) d[2 * p] = 0;
  }
}

template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH,
          int DW, int RB, typename XT, typename YT, typename Out>
inline void qconv2d_pairs(const XT* x, const int32_t* w2, const int32_t* bias, int32_t x_zp, int16_t* col, YT* y,
                          Out out) {
  constexpr int KP = (C * KH * KW + 1) / 2, OHB = OH / RB * RB, NT = (OH - OHB) * OW;
  constexpr int NP = RB * OW, XS2 = qconv2d_pairs_cols(RB, OW);
  const int16_t pad = static_cast<int16_t>(x_zp);
  for (int oh = 0; oh < OHB; oh += RB) {
    im2col_pairs<C, H, W, KH, KW, OW, SH, SW, PT, PL, DH, DW, RB, XS2>(x, oh, col, pad);
    simd::qgemm2_cols<M, KP, NP, XS2, OH * OW>(col, w2, bias, y + oh * OW, out);
  }
  if (NT > 0) {
    constexpr int RT = NT > 0 ? OH - OHB : 1, XT2 = qconv2d_pairs_cols(RT, OW);
    im2col_pairs<C, H, W, KH, KW, OW, SH, SW, PT, PL, DH, DW, RT, XT2>(x, OHB, col, pad);
    simd::qgemm2_cols<M, KP, RT * OW, XT2, OH * OW>(col, w2, bias, y + OHB * OW, out);
  }
}

// qconv2d (one group, constant parameters) at stride 1 without im2col: the input is copied once
// into planes of channel pairs padded with x_zp (int16, pixel j of row r of pair cp at
// plane[((cp * PH + r) * PW + j) * 2 + c % 2]; an odd C's last partner is 0), whose rows are the
// product's operand rows; the weights are int32 pairs over channels, w2[m][(cp * KH + kh) * KW + kw]
// = (w[m, 2cp, kh, kw], w[m, 2cp + 1, kh, kw]). `plane` holds qconv2d_pairs_direct_values. Bit-exact
// with the reference, as qconv2d_pairs.
constexpr int qconv2d_pairs_direct_values(int C, int KH, int KW, int OH, int OW, int DH, int DW) {
  return (C + 1) / 2 * 2 * (OH + (KH - 1) * DH) * (OW + (KW - 1) * DW) + 16;  // + a run read past the last row
}

template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int PT, int PL, int DH, int DW, typename XT,
          typename YT, typename Out>
inline void qconv2d_pairs_direct(const XT* x, const int32_t* w2, const int32_t* bias, int32_t x_zp, int16_t* plane,
                                 YT* y, Out out) {
  constexpr int PH = OH + (KH - 1) * DH, PW = OW + (KW - 1) * DW, CP = (C + 1) / 2, KP = CP * KH * KW;
  constexpr int L = simd::kLanes, O16 = OW / (2 * L) * (2 * L), O8 = OW / L * L, RS = DH * PW, CS = PH * PW;
  const int16_t pad = static_cast<int16_t>(x_zp);
  for (int c = 0; c < 2 * CP; ++c)
    for (int r = 0; r < PH; ++r) {
      int16_t* d = plane + (c / 2 * PH + r) * PW * 2 + c % 2;
      const int ih = r - PT;
      if (c >= C) {
        for (int j = 0; j < PW; ++j) d[2 * j] = 0;
      } else if (ih < 0 || ih >= H) {
        for (int j = 0; j < PW; ++j) d[2 * j] = pad;
      } else {
        simd::window_row<PW, W, 1, 2>(d, x + (c * H + ih) * W, -PL, pad);
      }
    }
  for (int i = 2 * CP * PH * PW; i < qconv2d_pairs_direct_values(C, KH, KW, OH, OW, DH, DW); ++i) plane[i] = 0;
  for (int oh = 0; oh < OH; ++oh) {
    const int16_t* xr = plane + oh * PW * 2;
    YT* yr = y + oh * OW;
    for (int ow = 0; ow < O16; ow += 2 * L)
      simd::qtile2_rows<M, 2, L, KP, CS, OH * OW, YT, Out, KH, KW, RS, DW>(xr + ow * 2, w2, bias, yr + ow, out);
    if (O8 > O16)
      simd::qtile2_rows<M, 1, L, KP, CS, OH * OW, YT, Out, KH, KW, RS, DW>(xr + O16 * 2, w2, bias, yr + O16, out);
    if (OW > O8 && OW >= L)
      simd::qtile2_rows<M, 1, L, KP, CS, OH * OW, YT, Out, KH, KW, RS, DW>(xr + (OW - L) * 2, w2, bias, yr + OW - L,
                                                                           out);
    if (OW < L)  // whole runs read (into the next row, or the slack after the last), OW stored
      simd::qtile2_rows<M, 1, (OW < L ? OW : L), KP, CS, OH * OW, YT, Out, KH, KW, RS, DW>(xr, w2, bias, yr, out);
  }
}

// The in-place forms (passes/inplace.cpp), named as such in generated code: the same kernels,
// which gather or copy their inputs before overwriting them (see each kernel).
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename Act>
inline void depthwise2d_simd_inplace(float* xy, const float* w, const float* b, float* plane, Act act) {
  depthwise2d_simd<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(xy, w, b, plane, xy, act);
}
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename T, typename WT, typename Out>
inline void qdepthwise2d_simd_inplace(T* xy, const WT* w, const int32_t* bias, int32_t x_zp, T* plane, Out out) {
  qdepthwise2d_simd<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(xy, w, bias, x_zp, plane, xy, out);
}
template <int C, int P, int M, typename XT, typename YT, typename Out>
inline void qconv_pointwise_pairs_inplace(const XT* x, const int32_t* w2, const int32_t* bias, YT* y, int16_t* tmp,
                                          Out out) {
  qconv_pointwise_pairs<C, P, M>(x, w2, bias, y, tmp, out);
}

}  // namespace kiln

#endif  // KILN_SIMD_H_
