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
// The quantized kernels, on the same vector blocks, are in runtime/kiln_simd_int8.h.
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

// A store object for depthwise_rows: the float kernels' activation (kiln_simd_int8.h has the
// int8 kernels' output stage), storing the first N lanes of a block.
template <typename Act>
struct StoreAct {
  Act act;
  template <int N>
  void store(float* p, const F8& v) const {
    store_act<N>(p, v, act);
  }
};

// A whole block of 8 at p: floats, or one-byte values widened to int32 lanes.
inline void load_block(F8& v, const float* p) { load(v, p); }
template <typename XT>
inline void load_block(I8& v, const XT* p) {
  load_widen(v, p);
}

// The output rows of one depthwise channel from its phase-split plane (see depthwise2d_simd; PH
// rows of QW values per phase): each row starts at bc and accumulates KH * KW contiguous runs of
// OW products with the weights wc, in blocks V of scalars E (F8 of float, I8 of int32), stored
// through st. Shared by depthwise2d_simd and qdepthwise2d_simd.
template <typename V, int KH, int KW, int OH, int OW, int SH, int SW, int DH, int DW, int PH, int QW, typename E,
          typename T, typename WT, typename YT, typename Store>
inline void depthwise_rows(const T* plane, const WT* wc, E bc, YT* yc, Store st) {
  constexpr int L = kLanes, NB = (OW + L - 1) / L, TL = OW - (NB - 1) * L;
  for (int oh = 0; oh < OH; ++oh) {
    V acc[NB], xv;
    KILN_SIMD_UNROLL
    for (int v = 0; v < NB; ++v) splat(acc[v], bc);
    for (int kh = 0; kh < KH; ++kh)
      for (int kw = 0; kw < KW; ++kw) {
        const E wv = wc[kh * KW + kw];
        const T* src = plane + (((kw * DW) % SW) * PH + oh * SH + kh * DH) * QW + (kw * DW) / SW;
        KILN_SIMD_UNROLL
        for (int v = 0; v < NB - 1; ++v) {
          load_block(xv, src + v * L);
          acc[v] += wv * xv;
        }
        load_block(xv, src + (NB - 1) * L);  // lanes past TL are not stored
        acc[NB - 1] += wv * xv;
      }
    KILN_SIMD_UNROLL
    for (int v = 0; v < NB - 1; ++v) st.template store<L>(yc + oh * OW + v * L, acc[v]);
    // A whole last block where it ends inside the channel: the lanes past the row land on
    // later rows, which are stored after it (in place too: they are this channel's outputs).
    if (oh * OW + NB * L <= OH * OW) st.template store<L>(yc + oh * OW + (NB - 1) * L, acc[NB - 1]);
    else st.template store<TL>(yc + oh * OW + (NB - 1) * L, acc[NB - 1]);
  }
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
  constexpr int QW = simd::plane_row(OW, KW, SW, DW);
  for (int c = 0; c < C; ++c) {
    simd::fill_phase_plane<H, W, PH, PW, QW, SW, PT, PL>(x + c * H * W, plane, 0.0f);
    simd::depthwise_rows<simd::F8, KH, KW, OH, OW, SH, SW, DH, DW, PH, QW>(plane, w + c * KH * KW, b ? b[c] : 0.0f,
                                                                         y + c * OH * OW, simd::StoreAct<Act>{act});
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

// The in-place forms (passes/inplace.cpp), named as such in generated code: the same kernels,
// which gather or copy their inputs before overwriting them (see each kernel).
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename Act>
inline void depthwise2d_simd_inplace(float* xy, const float* w, const float* b, float* plane, Act act) {
  depthwise2d_simd<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(xy, w, b, plane, xy, act);
}

}  // namespace kiln

#endif  // KILN_SIMD_H_