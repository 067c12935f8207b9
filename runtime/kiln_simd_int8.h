// kiln runtime: quantized (int8, uint8) kernels for cores with SIMD vector units, the companion of
// runtime/kiln_simd.h (its vector blocks, loads and stores, and the depthwise rows shared with the
// float kernels). Chosen by the same target capability (simd_bytes) for quantized convolutions
// with constant parameters (compiler/ops/simd_util.cpp). Bit-exact with the reference kernels of
// runtime/kiln_int8.h: every product and sum is exact in int32.
#ifndef KILN_SIMD_INT8_H_
#define KILN_SIMD_INT8_H_

#include "kiln_simd.h"

#if defined(__AVX2__) && defined(__GNUC__) && !defined(KILN_SIMD_PLAIN)
#include <immintrin.h>  // the compiler's own header: _mm256_madd_epi16 (pmaddwd)
#define KILN_SIMD_MADD 1
#endif

namespace kiln {

// The half-up output stages of kiln_int8_fast.h (defined there; the emitter includes it with them).
template <typename YT, int S, int LO, int HI>
struct RequantHalfUp;
template <typename YT, int S, int LO, int HI>
struct RequantHalfUpTensor;

namespace simd {

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

#if defined(KILN_SIMD_MADD)
// RequantHalfUp's output stage on all eight lanes at once: the high word of acc * m from two
// signed 32 x 32 -> 64-bit multiplies (even lanes, then the odd ones shifted down), plus k (two's
// complement, as SMMLA's addend), the arithmetic shift by S and the clamp: lane for lane what
// dsp::mul_hi_add, >> S and dsp::clamp compute one output at a time.
template <int N, int S, int LO, int HI, typename YT>
inline void store_half_up(YT* p, const I8& v, int32_t m, int32_t k) {
  __m256i a;
  __builtin_memcpy(&a, &v, sizeof a);
  const __m256i mv = _mm256_set1_epi32(m);
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epi32(a, mv), 32);
  const __m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), mv);
  __m256i r = _mm256_add_epi32(_mm256_blend_epi32(even, odd, 0xAA), _mm256_set1_epi32(k));
  r = _mm256_min_epi32(_mm256_max_epi32(_mm256_srai_epi32(r, S), _mm256_set1_epi32(LO)), _mm256_set1_epi32(HI));
  int32_t t[kLanes];
  YT y[kLanes];
  __builtin_memcpy(t, &r, sizeof t);
  for (int i = 0; i < kLanes; ++i) y[i] = static_cast<YT>(t[i]);
  __builtin_memcpy(p, y, sizeof(YT) * N);
}

template <int N, typename YT, int S, int LO, int HI>
inline void store_out(YT* p, const I8& v, const RequantHalfUp<YT, S, LO, HI>& out, int m) {
  store_half_up<N, S, LO, HI>(p, v, out.mult[m], out.k);
}
template <int N, typename YT, int S, int LO, int HI>
inline void store_out(YT* p, const I8& v, const RequantHalfUpTensor<YT, S, LO, HI>& out, int) {
  store_half_up<N, S, LO, HI>(p, v, out.m, out.k);
}
#endif

// store_out as a store object for simd::depthwise_rows (kiln_simd.h): channel m's output stage.
template <typename Out>
struct StoreOut {
  Out out;
  int m;
  template <int N, typename YT>
  void store(YT* p, const I8& v) const {
    store_out<N>(p, v, out, m);
  }
};

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

// Depthwise qconv2d (G = C = M, constant parameters) as depthwise2d_simd: each channel goes to
// a phase-split plane padded with x_zp (SW * PH * QW values, depthwise2d_simd_plane_floats),
// then every output row accumulates KH * KW contiguous runs in int32 lanes. In place too (x == y).
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename XT, typename WT, typename YT, typename Out>
inline void qdepthwise2d_simd(const XT* x, const WT* w, const int32_t* bias, int32_t x_zp, XT* plane, YT* y, Out out) {
  constexpr int PH = (OH - 1) * SH + (KH - 1) * DH + 1, PW = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr int QW = simd::plane_row(OW, KW, SW, DW);
  for (int c = 0; c < C; ++c) {
    simd::fill_phase_plane<H, W, PH, PW, QW, SW, PT, PL>(x + c * H * W, plane, static_cast<XT>(x_zp));
    simd::depthwise_rows<simd::I8, KH, KW, OH, OW, SH, SW, DH, DW, PH, QW>(plane, w + c * KH * KW, bias[c],
                                                                         y + c * OH * OW, simd::StoreOut<Out>{out, c});
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

// The in-place forms (passes/inplace.cpp), as in kiln_simd.h.
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

#endif  // KILN_SIMD_INT8_H_
