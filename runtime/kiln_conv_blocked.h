// kiln runtime: register-blocked float32 kernels for cores with a floating-point unit
// (convolution, pointwise and fully connected; depthwise in kiln_conv_blocked_dw.h, the Arm
// inline-assembly loops in kiln_float_asm.h). The compiler picks them by target capability (an
// FPU with 32 single-precision registers or more) and repacks the constant weights at compile
// time in exactly the order the inner loops read them:
//
//   packed rows (pack_rows4 in compiler/ops/nn_util): W [M, K] as blocks of four rows
//   interleaved, wp[(m / 4) * 4 * K + k * 4 + m % 4] for m < M / 4 * 4, then the M % 4 last
//   rows as stored.
//
// A tile of 4 outputs x 4 outputs (output channels x pixels, or x columns) accumulates in 16
// registers, so every loaded input value feeds four multiply-adds and every loaded weight four.
// The window loops are unrolled explicitly (GCC at -O2 does not unroll a constant loop that grows
// the code), so the taps become register-to-register multiply-adds with constant offsets.
#ifndef KILN_CONV_BLOCKED_H_
#define KILN_CONV_BLOCKED_H_

#include "kiln_conv.h"
#include "kiln_linalg.h"
#include "kiln_float_asm.h"

// Unroll the next loop completely (its bound is a template constant), or four or two times.
#if defined(__clang__)
#define KILN_UNROLL _Pragma("unroll")
#define KILN_UNROLL_4 _Pragma("unroll 4")
#define KILN_UNROLL_2 _Pragma("unroll 2")
#elif defined(__GNUC__)
#define KILN_UNROLL _Pragma("GCC unroll 16")
#define KILN_UNROLL_4 _Pragma("GCC unroll 4")
#define KILN_UNROLL_2 _Pragma("GCC unroll 2")
#else
#define KILN_UNROLL
#define KILN_UNROLL_4
#define KILN_UNROLL_2
#endif

// A layer's kernel is a function of its own: its loops get registers allocated for them alone,
// not as a part of the whole model's invoke function (where, inlined, their instruction counts
// moved by 5-10 % with unrelated changes to other layers).
// KILN_ALWAYS_INLINE: a helper that must become part of its kernel's loop (called as a function,
// or inlined at another point of GCC's pipeline, the kernel's registers are allocated differently).
#if defined(__GNUC__)
#define KILN_LAYER __attribute__((noinline))
#define KILN_ALWAYS_INLINE __attribute__((always_inline))
#else
#define KILN_LAYER
#define KILN_ALWAYS_INLINE
#endif

namespace kiln {

// Relu and Clip(0, hi) on the bit pattern, for the blocked kernels' stores. Non-negative floats
// order as their int32 bits, so clearing negatives (one bic) and an integer minimum with
// hi's bits clamp with integer instructions instead of an FPU compare and a flag transfer per
// bound. Equal to ActMin{0} / ActClamp{0, hi} on every number (-0 becomes +0); a NaN comes out
// as 0 or hi instead of NaN.
struct ActReluBits {
  float operator()(float v) const {
    int32_t b;
    __builtin_memcpy(&b, &v, sizeof b);
    b = b < 0 ? 0 : b;
    __builtin_memcpy(&v, &b, sizeof v);
    return v;
  }
};
struct ActClampBits {
  float hi;  // > 0
  float operator()(float v) const {
    int32_t b, h;
    __builtin_memcpy(&b, &v, sizeof b);
    __builtin_memcpy(&h, &hi, sizeof h);
    b = b < 0 ? 0 : b;
    b = b < h ? b : h;
    __builtin_memcpy(&v, &b, sizeof v);
    return v;
  }
};

// Whether tile4x4 runs the assembly loops: at most five taps per row, pixels 1 or 2 apart.
constexpr bool asm_tile(int R2, int WR, int KW, int SX) {
  return KILN_FP_ASM && R2 <= 255 && (WR - R2) * KW * 16 <= 4095 && KW <= 5 && (SX == 1 || SX == 2);
}

// The tiles of one output row: outputs i (of 4 or 1) x pixels p (of 4 or 1) accumulate b[i] plus,
// over R x R2 rows (r, r2) and KW taps, w[((r * WR + r2) * KW + kw) * 4 + i] (packed; plain
// rows: w[(r * WR + r2) * KW + kw]) times x[r * XS + r2 * XS2 + p * SX + kw * DX], and store
// y[i * YS + p] = act(sum). WR >= R2 is the weights' rows per r (R2 of them are used). The r loop
// runs twice unrolled, the r2 rows and the taps completely.
template <int R, int R2, int WR, int KW, int XS, int XS2, int SX, int DX, int YS, typename Act>
inline void tile4x4(const float* x, const float* w, const float* b, float* y, Act act) {
#if KILN_FP_ASM
  if (asm_tile(R2, WR, KW, SX)) {
    float acc[16];
    if (R2 == 1 && WR == 1 && KW == 1 && SX == 1)
      fma_tile4x4<R, XS>(x, w, b, acc);  // pointwise: R steps of four pixels
    else
      fma_tile4x4_taps<R, R2 <= 255 ? R2 : 1, asm_tile(R2, WR, KW, SX) ? WR : (R2 <= 255 ? R2 : 1), KW <= 5 ? KW : 1,
                       XS, XS2, SX == 2 ? 2 : 1, DX>(x, w, b, acc);
    KILN_UNROLL
    for (int i = 0; i < 4; ++i) {
      y[i * YS] = act(acc[i * 4]), y[i * YS + 1] = act(acc[i * 4 + 1]);
      y[i * YS + 2] = act(acc[i * 4 + 2]), y[i * YS + 3] = act(acc[i * 4 + 3]);
    }
    return;
  }
#endif
  float a00 = b[0], a01 = b[0], a02 = b[0], a03 = b[0];
  float a10 = b[1], a11 = b[1], a12 = b[1], a13 = b[1];
  float a20 = b[2], a21 = b[2], a22 = b[2], a23 = b[2];
  float a30 = b[3], a31 = b[3], a32 = b[3], a33 = b[3];
  KILN_UNROLL_2
  for (int r = 0; r < R; ++r) {
    KILN_UNROLL
    for (int r2 = 0; r2 < R2; ++r2) {
      KILN_UNROLL
      for (int kw = 0; kw < KW; ++kw) {
        const float* xk = x + r * XS + r2 * XS2 + kw * DX;
        const float* wk = w + ((r * WR + r2) * KW + kw) * 4;
        const float x0 = xk[0], x1 = xk[SX], x2 = xk[2 * SX], x3 = xk[3 * SX];
        const float w0 = wk[0], w1 = wk[1], w2 = wk[2], w3 = wk[3];
        a00 += w0 * x0, a01 += w0 * x1, a02 += w0 * x2, a03 += w0 * x3;
        a10 += w1 * x0, a11 += w1 * x1, a12 += w1 * x2, a13 += w1 * x3;
        a20 += w2 * x0, a21 += w2 * x1, a22 += w2 * x2, a23 += w2 * x3;
        a30 += w3 * x0, a31 += w3 * x1, a32 += w3 * x2, a33 += w3 * x3;
      }
    }
  }
  y[0] = act(a00), y[1] = act(a01), y[2] = act(a02), y[3] = act(a03);
  y[YS] = act(a10), y[YS + 1] = act(a11), y[YS + 2] = act(a12), y[YS + 3] = act(a13);
  y[2 * YS] = act(a20), y[2 * YS + 1] = act(a21), y[2 * YS + 2] = act(a22), y[2 * YS + 3] = act(a23);
  y[3 * YS] = act(a30), y[3 * YS + 1] = act(a31), y[3 * YS + 2] = act(a32), y[3 * YS + 3] = act(a33);
}
template <int R, int R2, int WR, int KW, int XS, int XS2, int DX, int YS, typename Act>
inline void tile4x1(const float* x, const float* w, const float* b, float* y, Act act) {
  float a0 = b[0], a1 = b[1], a2 = b[2], a3 = b[3];
  KILN_UNROLL_2
  for (int r = 0; r < R; ++r) {
    KILN_UNROLL
    for (int r2 = 0; r2 < R2; ++r2) {
      KILN_UNROLL
      for (int kw = 0; kw < KW; ++kw) {
        const float xv = x[r * XS + r2 * XS2 + kw * DX];
        const float* wk = w + ((r * WR + r2) * KW + kw) * 4;
        a0 += wk[0] * xv, a1 += wk[1] * xv, a2 += wk[2] * xv, a3 += wk[3] * xv;
      }
    }
  }
  y[0] = act(a0), y[YS] = act(a1), y[2 * YS] = act(a2), y[3 * YS] = act(a3);
}
template <int R, int R2, int WR, int KW, int XS, int XS2, int SX, int DX, typename Act>
inline void tile1x4(const float* x, const float* w, float b, float* y, Act act) {
  float a0 = b, a1 = b, a2 = b, a3 = b;
  KILN_UNROLL_2
  for (int r = 0; r < R; ++r) {
    KILN_UNROLL
    for (int r2 = 0; r2 < R2; ++r2) {
      KILN_UNROLL
      for (int kw = 0; kw < KW; ++kw) {
        const float* xk = x + r * XS + r2 * XS2 + kw * DX;
        const float wv = w[(r * WR + r2) * KW + kw];
        a0 += wv * xk[0], a1 += wv * xk[SX], a2 += wv * xk[2 * SX], a3 += wv * xk[3 * SX];
      }
    }
  }
  y[0] = act(a0), y[1] = act(a1), y[2] = act(a2), y[3] = act(a3);
}
template <int R, int R2, int WR, int KW, int XS, int XS2, int DX>
inline float tile1x1(const float* x, const float* w, float a) {
  for (int r = 0; r < R; ++r) {
    KILN_UNROLL
    for (int r2 = 0; r2 < R2; ++r2) {
      KILN_UNROLL
      for (int kw = 0; kw < KW; ++kw) a += w[(r * WR + r2) * KW + kw] * x[r * XS + r2 * XS2 + kw * DX];
    }
  }
  return a;
}

// Pixels [p0, p1) of one output row of M outputs over R x R2 rows (addressing as the tiles),
// with weights packed by pack_rows4 over K = R * WR * KW, starting at weight row r2 = w0 of each
// r: 4 x 4 tiles, then the ragged edges.
template <int M, int R, int R2, int WR, int KW, int XS, int XS2, int SX, int DX, int YS, typename Act>
inline void conv_span_blocked(const float* x, const float* wp, const float* bias, float* y, int p0, int p1,
                              Act act, int w0 = 0) {
  constexpr int K = R * WR * KW;
  constexpr int M4 = M / 4 * 4;
  constexpr bool kAsmTile = asm_tile(R2, WR, KW, SX);
  static const float kZeros[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  const int tiles = p1 > p0 ? (p1 - p0) / 4 : 0;  // of 4 pixels
  int m = 0;
  for (; m < M4; m += 4) {
    const float* wm = wp + m * K + w0 * KW * 4;
    // The C tiles keep the bias in registers; the assembly loop reads it from memory (no copy).
    const float bc[4] = {bias ? bias[m] : 0.0f, bias ? bias[m + 1] : 0.0f, bias ? bias[m + 2] : 0.0f,
                         bias ? bias[m + 3] : 0.0f};
    const float* b = kAsmTile ? (bias ? bias + m : kZeros) : bc;
    float* ym = y + m * YS;
    for (int t = 0; t < tiles; ++t) {
      const int p = p0 + 4 * t;
      tile4x4<R, R2, WR, KW, XS, XS2, SX, DX, YS>(x + p * SX, wm, b, ym + p, act);
    }
    for (int p = p0 + 4 * tiles; p < p1; ++p) tile4x1<R, R2, WR, KW, XS, XS2, DX, YS>(x + p * SX, wm, b, ym + p, act);
  }
  for (; m < M; ++m) {  // rows past the last block of four, stored as they are
    const float* wm = wp + m * K + w0 * KW;
    const float b = bias ? bias[m] : 0.0f;
    float* ym = y + m * YS;
    for (int t = 0; t < tiles; ++t) {
      const int p = p0 + 4 * t;
      tile1x4<R, R2, WR, KW, XS, XS2, SX, DX>(x + p * SX, wm, b, ym + p, act);
    }
    for (int p = p0 + 4 * tiles; p < p1; ++p) ym[p] = act(tile1x1<R, R2, WR, KW, XS, XS2, DX>(x + p * SX, wm, b));
  }
}

// One output row of a convolution over "rows" (R of them, XS apart, each holding the KW taps
// of every pixel: pixel p's tap kw at p * SX + kw * DX): y[m * YS + p] for the M outputs and P
// pixels. Pointwise convolution is the case R = C, KW = 1, XS = pixels; the general convolution
// runs it on its row buffer.
template <int M, int P, int R, int KW, int XS, int SX, int DX, int YS, typename Act>
inline void conv_rows_blocked(const float* x, const float* wp, const float* bias, float* y, Act act) {
  conv_span_blocked<M, R, 1, 1, KW, XS, 0, SX, DX, YS>(x, wp, bias, y, 0, P, act);
}

// Pointwise convolution y[M, P] = act(W[M, C] . x[C, P] + bias), W packed by pack_rows4.
template <int M, int C, int P, typename Act>
KILN_LAYER inline void pointwise_blocked(const float* x, const float* wp, const float* bias, float* y, Act act) {
  conv_rows_blocked<M, P, C, 1, P, 1, 1, P>(x, wp, bias, y, act);
}

// Pointwise convolution in place (passes/inplace.cpp: x == y + K * P for whole planes K >= 0, so
// output pixel p clobbers only input pixel p): each block of B pixels is gathered into `tmp`
// [C, B] before its outputs are written, then the 4 x 4 tiles of pointwise_blocked run on it with
// the same tiling, so the results equal pointwise_blocked's bit for bit.
template <int M, int C, int P, int B, typename Act>
KILN_LAYER inline void pointwise_blocked_inplace(const float* x, const float* wp, const float* bias, float* y, float* tmp, Act act) {
  static_assert(B % 4 == 0, "whole 4-pixel tiles per block");
  constexpr int PB = P / B * B;
  for (int p0 = 0; p0 < PB; p0 += B) {
    for (int c = 0; c < C; ++c) {
      KILN_UNROLL
      for (int j = 0; j < B; ++j) tmp[c * B + j] = x[c * P + p0 + j];
    }
    conv_span_blocked<M, C, 1, 1, 1, B, 0, 1, 1, P>(tmp, wp, bias, y + p0, 0, B, act);
  }
  if (PB < P) {  // the last, partial block
    for (int c = 0; c < C; ++c)
      for (int j = 0; j < P - PB; ++j) tmp[c * B + j] = x[c * P + PB + j];
    conv_span_blocked<M, C, 1, 1, 1, B, 0, 1, 1, P>(tmp, wp, bias, y + PB, 0, P - PB, act);
  }
}

// 2-D convolution (one group) through a row buffer: for each output row, the C * KH input rows
// its windows read are copied, zero-padded left and right and zero where they fall in the top or
// bottom padding, into `rows` [C * KH, WP] (planned scratch, C * KH * WP floats). Every pixel then
// runs the unchecked, fully unrolled window and the C * KH rows form one flat loop. Weights
// [M, C, KH, KW] packed by pack_rows4 over K = C * KH * KW.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void conv2d_blocked(const float* x, const float* wp, const float* bias, float* rows, float* y, Act act) {
  constexpr int WP = (OW - 1) * SW + (KW - 1) * DW + 1;  // padded width the windows span
  constexpr int kLeft = PL < WP ? PL : WP;                // zeros, then input, then zeros
  constexpr int kCopy = W < WP - kLeft ? W : WP - kLeft;
  for (int oh = 0; oh < OH; ++oh) {
    const int ih0 = oh * SH - PT;
    for (int c = 0; c < C; ++c) {
      for (int kh = 0; kh < KH; ++kh) {
        const int ih = ih0 + kh * DH;
        float* row = rows + (c * KH + kh) * WP;
        if (ih < 0 || ih >= H) {
          for (int i = 0; i < WP; ++i) row[i] = 0.0f;
          continue;
        }
        const float* xr = x + (c * H + ih) * W;
        int i = 0;
        for (; i < kLeft; ++i) row[i] = 0.0f;
        KILN_UNROLL_4
        for (; i < kLeft + kCopy; ++i) row[i] = xr[i - PL];
        for (; i < WP; ++i) row[i] = 0.0f;
      }
    }
    conv_rows_blocked<M, OW, C * KH, KW, WP, SW, DW, OH * OW>(rows, wp, bias, y + oh * OW, act);
  }
}

// Output row oh's pixels [kBegin, kEnd) (windows inside the input horizontally) of the direct
// convolution, over the N kernel rows from kh0 (the rows inside the input): conv_span_blocked
// with the row count N a template constant, found by recursion from KH down.
template <int N, int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SW, int PL, int DH, int DW>
struct DirectRows {
  template <typename Act>
  static void run(int n, int kh0, const float* x, const float* wp, const float* bias, float* y, int p1, Act act) {
    if (n != N) {
      DirectRows<N - 1, C, H, W, M, KH, KW, OH, OW, SW, PL, DH, DW>::run(n, kh0, x, wp, bias, y, p1, act);
      return;
    }
    conv_span_blocked<M, C, N, KH, KW, H * W, DH * W, SW, DW, OH * OW>(x, wp, bias, y, 0, p1, act, kh0);
  }
};
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SW, int PL, int DH, int DW>
struct DirectRows<0, C, H, W, M, KH, KW, OH, OW, SW, PL, DH, DW> {
  template <typename Act>
  static void run(int, int, const float*, const float*, const float*, float*, int, Act) {}
};

// The same convolution without a row buffer, for when the arena has no room for one (the
// planner drops the optional scratch at its peak, see passes/plan_memory): pixels whose window
// lies inside the input horizontally read it directly (rows (c, kh): c * H * W + kh * DH * W,
// only the kernel rows inside the input), the few others run a bounds-checked window.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void conv2d_blocked_direct(const float* x, const float* wp, const float* bias, float* y, Act act) {
  constexpr int K = C * KH * KW, OP = OH * OW, M4 = M / 4 * 4;
  constexpr int kBegin = conv_inner_begin(PL, SW);
  constexpr int kEnd = conv_inner_end(W, KW, SW, PL, DW, OW);
  // One pixel of every output channel, every tap checked: blocks of four, then single rows.
  auto checked = [&](int oh, int ow) {
    const int ih0 = oh * SH - PT, iw0 = ow * SW - PL;
    int kh0, kh1, kw0, kw1;
    window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
    window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
    int m = 0;
    for (; m < M4; m += 4) {
      const float* wm = wp + m * K;
      float a0 = bias ? bias[m] : 0.0f, a1 = bias ? bias[m + 1] : 0.0f;
      float a2 = bias ? bias[m + 2] : 0.0f, a3 = bias ? bias[m + 3] : 0.0f;
      for (int c = 0; c < C; ++c)
        for (int kh = kh0; kh < kh1; ++kh) {
          const float* xr = x + (c * H + ih0 + kh * DH) * W + iw0;
          const float* wr = wm + (c * KH + kh) * KW * 4;
          for (int kw = kw0; kw < kw1; ++kw) {
            const float xv = xr[kw * DW];
            a0 += wr[kw * 4] * xv, a1 += wr[kw * 4 + 1] * xv, a2 += wr[kw * 4 + 2] * xv, a3 += wr[kw * 4 + 3] * xv;
          }
        }
      float* ym = y + m * OP + oh * OW + ow;
      ym[0] = act(a0), ym[OP] = act(a1), ym[2 * OP] = act(a2), ym[3 * OP] = act(a3);
    }
    for (; m < M; ++m) {
      const float* wm = wp + m * K;
      float a = bias ? bias[m] : 0.0f;
      for (int c = 0; c < C; ++c)
        for (int kh = kh0; kh < kh1; ++kh) {
          const float* xr = x + (c * H + ih0 + kh * DH) * W + iw0;
          const float* wr = wm + (c * KH + kh) * KW;
          for (int kw = kw0; kw < kw1; ++kw) a += wr[kw] * xr[kw * DW];
        }
      y[m * OP + oh * OW + ow] = act(a);
    }
  };
  for (int oh = 0; oh < OH; ++oh) {
    if (kBegin >= kEnd) {
      for (int ow = 0; ow < OW; ++ow) checked(oh, ow);
      continue;
    }
    const int ih0 = oh * SH - PT;
    int kh0, kh1;
    window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
    for (int ow = 0; ow < kBegin; ++ow) checked(oh, ow);
    if (kh1 > kh0)
      DirectRows<KH, C, H, W, M, KH, KW, OH, OW, SW, PL, DH, DW>::run(
          kh1 - kh0, kh0, x + (ih0 + kh0 * DH) * W + kBegin * SW - PL, wp, bias, y + oh * OW + kBegin,
          kEnd - kBegin, act);
    else
      for (int ow = kBegin; ow < kEnd; ++ow) checked(oh, ow);  // only padding: the bias
    for (int ow = kEnd; ow < OW; ++ow) checked(oh, ow);
  }
}

// y[m, n] = act(alpha * (a . bt^T)[m, n] + beta * c[m, n]) as gemm_nt, with bt [N, K] packed by
// pack_rows4: eight outputs (two packed blocks) per pass over a row of a, so each value of a
// feeds eight multiply-adds; then four, then single rows.
template <int M, int N, int K, int SAM, int SAK, int SCM, int SCN, typename Act>
KILN_LAYER inline void gemm_nt_blocked(const float* a, const float* bp, const float* c, float alpha, float beta, float* y,
                            Act act) {
  constexpr int N8 = N / 8 * 8, N4 = N / 4 * 4;
  for (int m = 0; m < M; ++m) {
    const float* am = a + m * SAM;
    int n = 0;
    for (; n < N8; n += 8) {
      const float* b0 = bp + n * K;
      const float* b1 = b0 + 4 * K;
#if KILN_FP_ASM
      if (SAK == 1) {
        float s[8];
        fma_dot8<K>(am, b0, b1, s);
        KILN_UNROLL
        for (int i = 0; i < 8; ++i) gemm_put<N, SCM, SCN>(y, c, m, n + i, s[i], alpha, beta, act);
        continue;
      }
#endif
      float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, t0 = 0.0f, t1 = 0.0f, t2 = 0.0f, t3 = 0.0f;
      KILN_UNROLL_2
      for (int k = 0; k < K; ++k) {
        const float av = am[k * SAK];
        s0 += av * b0[k * 4], s1 += av * b0[k * 4 + 1], s2 += av * b0[k * 4 + 2], s3 += av * b0[k * 4 + 3];
        t0 += av * b1[k * 4], t1 += av * b1[k * 4 + 1], t2 += av * b1[k * 4 + 2], t3 += av * b1[k * 4 + 3];
      }
      const float s[8] = {s0, s1, s2, s3, t0, t1, t2, t3};
      for (int i = 0; i < 8; ++i) gemm_put<N, SCM, SCN>(y, c, m, n + i, s[i], alpha, beta, act);
    }
    for (; n < N4; n += 4) {
      const float* bn = bp + n * K;
      float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
      KILN_UNROLL_4
      for (int k = 0; k < K; ++k) {
        const float av = am[k * SAK];
        s0 += av * bn[k * 4], s1 += av * bn[k * 4 + 1], s2 += av * bn[k * 4 + 2], s3 += av * bn[k * 4 + 3];
      }
      gemm_put<N, SCM, SCN>(y, c, m, n, s0, alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 1, s1, alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 2, s2, alpha, beta, act);
      gemm_put<N, SCM, SCN>(y, c, m, n + 3, s3, alpha, beta, act);
    }
    for (; n < N; ++n) {
      const float* bn = bp + n * K;
      float s = 0.0f;
      for (int k = 0; k < K; ++k) s += am[k * SAK] * bn[k];
      gemm_put<N, SCM, SCN>(y, c, m, n, s, alpha, beta, act);
    }
  }
}

}  // namespace kiln

#endif  // KILN_CONV_BLOCKED_H_
