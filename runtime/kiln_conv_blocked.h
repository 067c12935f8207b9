// kiln runtime: register-blocked float32 kernels for cores with a floating-point unit
// (convolution, depthwise, pointwise and fully connected). The compiler picks them by target
// capability (an FPU with 32 single-precision registers or more) and repacks the constant
// weights at compile time in exactly the order the inner loops read them:
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

// The multiply-add loops of the 4 x 4 tile and of the fully connected kernel in inline assembly,
// on Arm cores whose FPU has 32 single-precision registers (FPv4-SP-D16 and later: Cortex-M4F,
// M7, M33, M55): GCC loads every value with its own VLDR, so a step of 16 VFMA costs 8 loads
// (and 8 outputs of a matrix-vector product 17 instructions); one VLDM loads four (or a pixel's
// four values) at once. Needs an optimizing build (at -O0 the C loops run); KILN_NO_ASM keeps them.
#if defined(__arm__) && defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && defined(__OPTIMIZE__) && \
    !defined(KILN_NO_ASM) && !defined(__SOFTFP__)
#define KILN_FP_ASM 1
#else
#define KILN_FP_ASM 0
#endif

// A layer's kernel is a function of its own: its loops get registers allocated for them alone,
// not as a part of the whole model's invoke function (where, inlined, their instruction counts
// moved by 5-10 % with unrelated changes to other layers).
#if defined(__GNUC__)
#define KILN_LAYER __attribute__((noinline))
#else
#define KILN_LAYER
#endif

namespace kiln {

#if KILN_FP_ASM
// One step of the 4 x 4 tile: accumulator s(16 + 4 i + p) += w_i (s4-s7 or s12-s15) * x_p (s0-s3
// or s8-s11).
#define KILN_FMA4X4(X0, X1, X2, X3, W0, W1, W2, W3)                                              \
  "vfma.f32 s16, " W0 ", " X0 "\n\tvfma.f32 s17, " W0 ", " X1 "\n\t"                            \
  "vfma.f32 s18, " W0 ", " X2 "\n\tvfma.f32 s19, " W0 ", " X3 "\n\t"                            \
  "vfma.f32 s20, " W1 ", " X0 "\n\tvfma.f32 s21, " W1 ", " X1 "\n\t"                            \
  "vfma.f32 s22, " W1 ", " X2 "\n\tvfma.f32 s23, " W1 ", " X3 "\n\t"                            \
  "vfma.f32 s24, " W2 ", " X0 "\n\tvfma.f32 s25, " W2 ", " X1 "\n\t"                            \
  "vfma.f32 s26, " W2 ", " X2 "\n\tvfma.f32 s27, " W2 ", " X3 "\n\t"                            \
  "vfma.f32 s28, " W3 ", " X0 "\n\tvfma.f32 s29, " W3 ", " X1 "\n\t"                            \
  "vfma.f32 s30, " W3 ", " X2 "\n\tvfma.f32 s31, " W3 ", " X3 "\n\t"
#define KILN_FP_CLOBBERS                                                                              \
  "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", \
      "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", \
      "s30", "s31", "cc", "memory"

// acc[i * 4 + p] = b[i] + sum over k < K of w[k * 4 + i] * x[k * XS + p] (w packed by pack_rows4),
// the same multiply-adds in the same order as tile4x4's (GCC contracts those into VFMA too):
// per pair of steps two VLDM of pixels, two of weights, 32 VFMA and the loop's two instructions.
template <int K, int XS>
__attribute__((always_inline)) inline void fma_tile4x4(const float* x, const float* w, const float* b, float* acc) {
  static_assert(K >= 1, "at least one step");
  int n = K / 2;
  __asm__ volatile(
      "vldm %[b], {s8-s11}\n\t"
      "vmov.f32 s16, s8\n\tvmov.f32 s17, s8\n\tvmov.f32 s18, s8\n\tvmov.f32 s19, s8\n\t"
      "vmov.f32 s20, s9\n\tvmov.f32 s21, s9\n\tvmov.f32 s22, s9\n\tvmov.f32 s23, s9\n\t"
      "vmov.f32 s24, s10\n\tvmov.f32 s25, s10\n\tvmov.f32 s26, s10\n\tvmov.f32 s27, s10\n\t"
      "vmov.f32 s28, s11\n\tvmov.f32 s29, s11\n\tvmov.f32 s30, s11\n\tvmov.f32 s31, s11\n\t"
      ".if %c[pairs]\n"
      "1:\n\t"
      ".if %c[xs] == 16\n\t"
      "vldm %[x]!, {s0-s3}\n\t"
      "vldm %[w]!, {s4-s7}\n\t"
      "vldm %[x]!, {s8-s11}\n\t"
      ".else\n\t"
      "vldm %[x], {s0-s3}\n\t"
      "add %[x], %[x], %[xsr]\n\t"
      "vldm %[w]!, {s4-s7}\n\t"
      "vldm %[x], {s8-s11}\n\t"
      "add %[x], %[x], %[xsr]\n\t"
      ".endif\n\t"
      "vldm %[w]!, {s12-s15}\n\t"
      KILN_FMA4X4("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7")
      KILN_FMA4X4("s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15")
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      ".endif\n\t"
      ".if %c[odd]\n\t"
      "vldm %[x], {s0-s3}\n\t"
      "vldm %[w], {s4-s7}\n\t"
      KILN_FMA4X4("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7")
      ".endif\n\t"
      "vstm %[acc], {s16-s31}\n\t"
      : [x] "+r"(x), [w] "+r"(w), [n] "+r"(n)
      : [b] "r"(b), [acc] "r"(acc), [xsr] "r"(XS * 4), [xs] "i"(XS * 4), [pairs] "i"(K / 2), [odd] "i"(K % 2)
      : KILN_FP_CLOBBERS);
}

// The same tile over R x R2 rows of KW taps (a convolution's row buffer, see conv2d_blocked, or
// the input itself, see conv2d_blocked_direct): acc[i * 4 + p] = b[i] + sum over r < R, r2 < R2,
// kw < KW of w[((r * WR + r2) * KW + kw) * 4 + i] * x[r * XS + r2 * XS2 + p * SX + kw * DX], for
// pixel strides SX of 1 or 2 and KW <= 5. Per tap one VLDM of the four pixels' values (eight at
// stride 2, every other one used), one of the weights, 16 VFMA and the step to the next tap.
#define KILN_TAP                                                                                  \
  ".if %c[sx] == 1\n\tvldm %[x], {s0-s3}\n\t.else\n\tvldm %[x], {s0-s7}\n\t.endif\n\t"            \
  "add %[x], %[x], #%c[dx]\n\t"                                                                 \
  "vldm %[w]!, {s8-s11}\n\t"                                                                     \
  ".if %c[sx] == 1\n\t" KILN_FMA4X4("s0", "s1", "s2", "s3", "s8", "s9", "s10", "s11")            \
  ".else\n\t" KILN_FMA4X4("s0", "s2", "s4", "s6", "s8", "s9", "s10", "s11") ".endif\n\t"
#define KILN_TAPS_ASM(TAPS)                                                                       \
  __asm__ volatile(                                                                               \
      "vldm %[b], {s8-s11}\n\t"                                                                   \
      "vmov.f32 s16, s8\n\tvmov.f32 s17, s8\n\tvmov.f32 s18, s8\n\tvmov.f32 s19, s8\n\t"            \
      "vmov.f32 s20, s9\n\tvmov.f32 s21, s9\n\tvmov.f32 s22, s9\n\tvmov.f32 s23, s9\n\t"            \
      "vmov.f32 s24, s10\n\tvmov.f32 s25, s10\n\tvmov.f32 s26, s10\n\tvmov.f32 s27, s10\n\t"        \
      "vmov.f32 s28, s11\n\tvmov.f32 s29, s11\n\tvmov.f32 s30, s11\n\tvmov.f32 s31, s11\n"           \
      "1:\n\t"                                                                                     \
      ".if %c[nested]\n\tmovs %[m], #%c[r2]\n2:\n\t.endif\n\t" TAPS                                \
      "add %[x], %[x], %[next]\n\t"                                                               \
      ".if %c[nested]\n\t"                                                                        \
      "subs %[m], %[m], #1\n\t"                                                                   \
      "bne 2b\n\t"                                                                               \
      "add %[x], %[x], %[next1]\n\t"                                                              \
      ".if %c[wskip]\n\tadd %[w], %[w], #%c[wskip]\n\t.endif\n\t"                                  \
      ".endif\n\t"                                                                                \
      "subs %[n], %[n], #1\n\t"                                                                   \
      "bne 1b\n\t"                                                                               \
      "vstm %[acc], {s16-s31}\n\t"                                                               \
      : [x] "+r"(x), [w] "+r"(w), [n] "+r"(n), [m] "=&r"(m)                                       \
      : [b] "r"(b), [acc] "r"(acc), [next] "r"(((kNested ? XS2 : XS) - KW * DX) * 4),              \
        [next1] "r"((XS - R2 * XS2) * 4), [sx] "i"(SX), [dx] "i"(DX * 4), [nested] "i"(kNested ? 1 : 0), \
        [r2] "i"(R2), [wskip] "i"((WR - R2) * KW * 16)                                            \
      : KILN_FP_CLOBBERS)
template <int R, int R2, int WR, int KW, int XS, int XS2, int SX, int DX>
__attribute__((always_inline)) inline void fma_tile4x4_taps(const float* x, const float* w, const float* b,
                                                            float* acc) {
  static_assert(R >= 1 && R2 >= 1 && R2 <= 255 && WR >= R2 && (WR - R2) * KW * 16 <= 4095 && KW >= 1 && KW <= 5 &&
                    (SX == 1 || SX == 2),
                "the shapes written out below");
  constexpr bool kNested = R2 > 1 || WR > 1;  // else one flat loop over the R rows
  int n = R, m;
  switch (KW) {
    case 1: KILN_TAPS_ASM(KILN_TAP); break;
    case 2: KILN_TAPS_ASM(KILN_TAP KILN_TAP); break;
    case 3: KILN_TAPS_ASM(KILN_TAP KILN_TAP KILN_TAP); break;
    case 4: KILN_TAPS_ASM(KILN_TAP KILN_TAP KILN_TAP KILN_TAP); break;
    default: KILN_TAPS_ASM(KILN_TAP KILN_TAP KILN_TAP KILN_TAP KILN_TAP); break;
  }
}
#undef KILN_TAPS_ASM
#undef KILN_TAP

// acc[j] = sum over k < K of a[k] * (j < 4 ? b0 : b1)[k * 4 + j % 4]: eight outputs of a
// matrix-vector product, two blocks of pack_rows4, each value of a shared by eight VFMA; per four
// steps one VLDM of a, eight of weights, 32 VFMA and the loop's two instructions.
template <int K>
__attribute__((always_inline)) inline void fma_dot8(const float* a, const float* b0, const float* b1, float* acc) {
  int n = K / 4, z = 0;
  // (Written out, not .irp/.rept: GCC sizes an asm statement by its lines when it places literal pools.)
#define KILN_DOT8_STEP(X)                                                                          \
  "vldm %[b0]!, {s4-s7}\n\tvldm %[b1]!, {s8-s11}\n\t"                                            \
  "vfma.f32 s16, s4, " X "\n\tvfma.f32 s17, s5, " X "\n\tvfma.f32 s18, s6, " X "\n\t"             \
  "vfma.f32 s19, s7, " X "\n\tvfma.f32 s20, s8, " X "\n\tvfma.f32 s21, s9, " X "\n\t"             \
  "vfma.f32 s22, s10, " X "\n\tvfma.f32 s23, s11, " X "\n\t"
  __asm__ volatile(
      "vmov s16, %[z]\n\tvmov s17, %[z]\n\tvmov s18, %[z]\n\tvmov s19, %[z]\n\t"
      "vmov s20, %[z]\n\tvmov s21, %[z]\n\tvmov s22, %[z]\n\tvmov s23, %[z]\n\t"
      ".if %c[quads]\n"
      "1:\n\t"
      "vldm %[a]!, {s0-s3}\n\t"
      KILN_DOT8_STEP("s0") KILN_DOT8_STEP("s1") KILN_DOT8_STEP("s2") KILN_DOT8_STEP("s3")
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      ".endif\n\t"
      ".if %c[tail] >= 1\n\tvldm %[a]!, {s0}\n\t" KILN_DOT8_STEP("s0") ".endif\n\t"
      ".if %c[tail] >= 2\n\tvldm %[a]!, {s0}\n\t" KILN_DOT8_STEP("s0") ".endif\n\t"
      ".if %c[tail] >= 3\n\tvldm %[a]!, {s0}\n\t" KILN_DOT8_STEP("s0") ".endif\n\t"
      "vstm %[acc], {s16-s23}\n\t"
      : [a] "+r"(a), [b0] "+r"(b0), [b1] "+r"(b1), [n] "+r"(n)
      : [acc] "r"(acc), [z] "r"(z), [quads] "i"(K / 4), [tail] "i"(K % 4)
      : KILN_FP_CLOBBERS);
#undef KILN_DOT8_STEP
}
// Depthwise 3x3 (undilated, stride SH x SW of 1 or 2): n blocks of four outputs in one output row
// (two rows when TWO: the second YS floats after the first, its windows SH input rows lower), from
// input rows XS floats apart starting at xr (the first window's top left), pixel blocks 4 x SW
// apart. The nine weights stay in registers; each input row is one VLDM (six values, nine at
// stride 2) feeding the 12 or 24 VFMA of the output rows whose windows hold it, in the order of the
// C loops (kernel row, then tap). The activation (none, Relu or Clip(0, hi) on the bit pattern,
// KIND 0, 1, 2) is applied on the way out.
template <int SH, int SW, int XS, int YS, bool TWO, int KIND>
__attribute__((always_inline)) inline void dw3x3_blocks(const float* xr, const float* w, const float* b, float* y,
                                                         int n, int32_t hi) {
  static_assert((SH == 1 || SH == 2) && (SW == 1 || SW == 2) && YS * 4 <= 4095, "the shapes written out");
  const float* t;
  int32_t v, v2;
  __asm__ volatile(
      "vldm %[w], {s9-s17}\n\t"
      "vldr s26, [%[b]]\n\t"
      "1:\n\t"
      "vmov.f32 s18, s26\n\t"
      "vmov.f32 s19, s26\n\t"
      "vmov.f32 s20, s26\n\t"
      "vmov.f32 s21, s26\n\t"
      ".if %c[two]\n\t"
      "vmov.f32 s22, s26\n\t"
      "vmov.f32 s23, s26\n\t"
      "vmov.f32 s24, s26\n\t"
      "vmov.f32 s25, s26\n\t"
      ".endif\n\t"
      "mov %[t], %[xr]\n\t"
      ".if %c[sw] == 1\n\t"
      "vldm %[t], {s0-s5}\n\t"
      ".else\n\t"
      "vldm %[t], {s0-s8}\n\t"
      ".endif\n\t"
      "add %[t], %[t], %[xs]\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s18, s9, s0\n\t"
      "vfma.f32 s18, s10, s1\n\t"
      "vfma.f32 s18, s11, s2\n\t"
      "vfma.f32 s19, s9, s1\n\t"
      "vfma.f32 s19, s10, s2\n\t"
      "vfma.f32 s19, s11, s3\n\t"
      "vfma.f32 s20, s9, s2\n\t"
      "vfma.f32 s20, s10, s3\n\t"
      "vfma.f32 s20, s11, s4\n\t"
      "vfma.f32 s21, s9, s3\n\t"
      "vfma.f32 s21, s10, s4\n\t"
      "vfma.f32 s21, s11, s5\n\t"
      ".else\n\t"
      "vfma.f32 s18, s9, s0\n\t"
      "vfma.f32 s18, s10, s1\n\t"
      "vfma.f32 s18, s11, s2\n\t"
      "vfma.f32 s19, s9, s2\n\t"
      "vfma.f32 s19, s10, s3\n\t"
      "vfma.f32 s19, s11, s4\n\t"
      "vfma.f32 s20, s9, s4\n\t"
      "vfma.f32 s20, s10, s5\n\t"
      "vfma.f32 s20, s11, s6\n\t"
      "vfma.f32 s21, s9, s6\n\t"
      "vfma.f32 s21, s10, s7\n\t"
      "vfma.f32 s21, s11, s8\n\t"
      ".endif\n\t"
      ".if %c[sw] == 1\n\t"
      "vldm %[t], {s0-s5}\n\t"
      ".else\n\t"
      "vldm %[t], {s0-s8}\n\t"
      ".endif\n\t"
      "add %[t], %[t], %[xs]\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s18, s12, s0\n\t"
      "vfma.f32 s18, s13, s1\n\t"
      "vfma.f32 s18, s14, s2\n\t"
      "vfma.f32 s19, s12, s1\n\t"
      "vfma.f32 s19, s13, s2\n\t"
      "vfma.f32 s19, s14, s3\n\t"
      "vfma.f32 s20, s12, s2\n\t"
      "vfma.f32 s20, s13, s3\n\t"
      "vfma.f32 s20, s14, s4\n\t"
      "vfma.f32 s21, s12, s3\n\t"
      "vfma.f32 s21, s13, s4\n\t"
      "vfma.f32 s21, s14, s5\n\t"
      ".else\n\t"
      "vfma.f32 s18, s12, s0\n\t"
      "vfma.f32 s18, s13, s1\n\t"
      "vfma.f32 s18, s14, s2\n\t"
      "vfma.f32 s19, s12, s2\n\t"
      "vfma.f32 s19, s13, s3\n\t"
      "vfma.f32 s19, s14, s4\n\t"
      "vfma.f32 s20, s12, s4\n\t"
      "vfma.f32 s20, s13, s5\n\t"
      "vfma.f32 s20, s14, s6\n\t"
      "vfma.f32 s21, s12, s6\n\t"
      "vfma.f32 s21, s13, s7\n\t"
      "vfma.f32 s21, s14, s8\n\t"
      ".endif\n\t"
      ".if %c[two] && %c[sh] == 1\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s22, s9, s0\n\t"
      "vfma.f32 s22, s10, s1\n\t"
      "vfma.f32 s22, s11, s2\n\t"
      "vfma.f32 s23, s9, s1\n\t"
      "vfma.f32 s23, s10, s2\n\t"
      "vfma.f32 s23, s11, s3\n\t"
      "vfma.f32 s24, s9, s2\n\t"
      "vfma.f32 s24, s10, s3\n\t"
      "vfma.f32 s24, s11, s4\n\t"
      "vfma.f32 s25, s9, s3\n\t"
      "vfma.f32 s25, s10, s4\n\t"
      "vfma.f32 s25, s11, s5\n\t"
      ".else\n\t"
      "vfma.f32 s22, s9, s0\n\t"
      "vfma.f32 s22, s10, s1\n\t"
      "vfma.f32 s22, s11, s2\n\t"
      "vfma.f32 s23, s9, s2\n\t"
      "vfma.f32 s23, s10, s3\n\t"
      "vfma.f32 s23, s11, s4\n\t"
      "vfma.f32 s24, s9, s4\n\t"
      "vfma.f32 s24, s10, s5\n\t"
      "vfma.f32 s24, s11, s6\n\t"
      "vfma.f32 s25, s9, s6\n\t"
      "vfma.f32 s25, s10, s7\n\t"
      "vfma.f32 s25, s11, s8\n\t"
      ".endif\n\t"
      ".endif\n\t"
      ".if %c[sw] == 1\n\t"
      "vldm %[t], {s0-s5}\n\t"
      ".else\n\t"
      "vldm %[t], {s0-s8}\n\t"
      ".endif\n\t"
      "add %[t], %[t], %[xs]\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s18, s15, s0\n\t"
      "vfma.f32 s18, s16, s1\n\t"
      "vfma.f32 s18, s17, s2\n\t"
      "vfma.f32 s19, s15, s1\n\t"
      "vfma.f32 s19, s16, s2\n\t"
      "vfma.f32 s19, s17, s3\n\t"
      "vfma.f32 s20, s15, s2\n\t"
      "vfma.f32 s20, s16, s3\n\t"
      "vfma.f32 s20, s17, s4\n\t"
      "vfma.f32 s21, s15, s3\n\t"
      "vfma.f32 s21, s16, s4\n\t"
      "vfma.f32 s21, s17, s5\n\t"
      ".else\n\t"
      "vfma.f32 s18, s15, s0\n\t"
      "vfma.f32 s18, s16, s1\n\t"
      "vfma.f32 s18, s17, s2\n\t"
      "vfma.f32 s19, s15, s2\n\t"
      "vfma.f32 s19, s16, s3\n\t"
      "vfma.f32 s19, s17, s4\n\t"
      "vfma.f32 s20, s15, s4\n\t"
      "vfma.f32 s20, s16, s5\n\t"
      "vfma.f32 s20, s17, s6\n\t"
      "vfma.f32 s21, s15, s6\n\t"
      "vfma.f32 s21, s16, s7\n\t"
      "vfma.f32 s21, s17, s8\n\t"
      ".endif\n\t"
      ".if %c[two] && %c[sh] == 1\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s22, s12, s0\n\t"
      "vfma.f32 s22, s13, s1\n\t"
      "vfma.f32 s22, s14, s2\n\t"
      "vfma.f32 s23, s12, s1\n\t"
      "vfma.f32 s23, s13, s2\n\t"
      "vfma.f32 s23, s14, s3\n\t"
      "vfma.f32 s24, s12, s2\n\t"
      "vfma.f32 s24, s13, s3\n\t"
      "vfma.f32 s24, s14, s4\n\t"
      "vfma.f32 s25, s12, s3\n\t"
      "vfma.f32 s25, s13, s4\n\t"
      "vfma.f32 s25, s14, s5\n\t"
      ".else\n\t"
      "vfma.f32 s22, s12, s0\n\t"
      "vfma.f32 s22, s13, s1\n\t"
      "vfma.f32 s22, s14, s2\n\t"
      "vfma.f32 s23, s12, s2\n\t"
      "vfma.f32 s23, s13, s3\n\t"
      "vfma.f32 s23, s14, s4\n\t"
      "vfma.f32 s24, s12, s4\n\t"
      "vfma.f32 s24, s13, s5\n\t"
      "vfma.f32 s24, s14, s6\n\t"
      "vfma.f32 s25, s12, s6\n\t"
      "vfma.f32 s25, s13, s7\n\t"
      "vfma.f32 s25, s14, s8\n\t"
      ".endif\n\t"
      ".endif\n\t"
      ".if %c[two] && %c[sh] == 2\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s22, s9, s0\n\t"
      "vfma.f32 s22, s10, s1\n\t"
      "vfma.f32 s22, s11, s2\n\t"
      "vfma.f32 s23, s9, s1\n\t"
      "vfma.f32 s23, s10, s2\n\t"
      "vfma.f32 s23, s11, s3\n\t"
      "vfma.f32 s24, s9, s2\n\t"
      "vfma.f32 s24, s10, s3\n\t"
      "vfma.f32 s24, s11, s4\n\t"
      "vfma.f32 s25, s9, s3\n\t"
      "vfma.f32 s25, s10, s4\n\t"
      "vfma.f32 s25, s11, s5\n\t"
      ".else\n\t"
      "vfma.f32 s22, s9, s0\n\t"
      "vfma.f32 s22, s10, s1\n\t"
      "vfma.f32 s22, s11, s2\n\t"
      "vfma.f32 s23, s9, s2\n\t"
      "vfma.f32 s23, s10, s3\n\t"
      "vfma.f32 s23, s11, s4\n\t"
      "vfma.f32 s24, s9, s4\n\t"
      "vfma.f32 s24, s10, s5\n\t"
      "vfma.f32 s24, s11, s6\n\t"
      "vfma.f32 s25, s9, s6\n\t"
      "vfma.f32 s25, s10, s7\n\t"
      "vfma.f32 s25, s11, s8\n\t"
      ".endif\n\t"
      ".endif\n\t"
      ".if %c[two]\n\t"
      ".if %c[sw] == 1\n\t"
      "vldm %[t], {s0-s5}\n\t"
      ".else\n\t"
      "vldm %[t], {s0-s8}\n\t"
      ".endif\n\t"
      "add %[t], %[t], %[xs]\n\t"
      ".if %c[sh] == 1\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s22, s15, s0\n\t"
      "vfma.f32 s22, s16, s1\n\t"
      "vfma.f32 s22, s17, s2\n\t"
      "vfma.f32 s23, s15, s1\n\t"
      "vfma.f32 s23, s16, s2\n\t"
      "vfma.f32 s23, s17, s3\n\t"
      "vfma.f32 s24, s15, s2\n\t"
      "vfma.f32 s24, s16, s3\n\t"
      "vfma.f32 s24, s17, s4\n\t"
      "vfma.f32 s25, s15, s3\n\t"
      "vfma.f32 s25, s16, s4\n\t"
      "vfma.f32 s25, s17, s5\n\t"
      ".else\n\t"
      "vfma.f32 s22, s15, s0\n\t"
      "vfma.f32 s22, s16, s1\n\t"
      "vfma.f32 s22, s17, s2\n\t"
      "vfma.f32 s23, s15, s2\n\t"
      "vfma.f32 s23, s16, s3\n\t"
      "vfma.f32 s23, s17, s4\n\t"
      "vfma.f32 s24, s15, s4\n\t"
      "vfma.f32 s24, s16, s5\n\t"
      "vfma.f32 s24, s17, s6\n\t"
      "vfma.f32 s25, s15, s6\n\t"
      "vfma.f32 s25, s16, s7\n\t"
      "vfma.f32 s25, s17, s8\n\t"
      ".endif\n\t"
      ".else\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s22, s12, s0\n\t"
      "vfma.f32 s22, s13, s1\n\t"
      "vfma.f32 s22, s14, s2\n\t"
      "vfma.f32 s23, s12, s1\n\t"
      "vfma.f32 s23, s13, s2\n\t"
      "vfma.f32 s23, s14, s3\n\t"
      "vfma.f32 s24, s12, s2\n\t"
      "vfma.f32 s24, s13, s3\n\t"
      "vfma.f32 s24, s14, s4\n\t"
      "vfma.f32 s25, s12, s3\n\t"
      "vfma.f32 s25, s13, s4\n\t"
      "vfma.f32 s25, s14, s5\n\t"
      ".else\n\t"
      "vfma.f32 s22, s12, s0\n\t"
      "vfma.f32 s22, s13, s1\n\t"
      "vfma.f32 s22, s14, s2\n\t"
      "vfma.f32 s23, s12, s2\n\t"
      "vfma.f32 s23, s13, s3\n\t"
      "vfma.f32 s23, s14, s4\n\t"
      "vfma.f32 s24, s12, s4\n\t"
      "vfma.f32 s24, s13, s5\n\t"
      "vfma.f32 s24, s14, s6\n\t"
      "vfma.f32 s25, s12, s6\n\t"
      "vfma.f32 s25, s13, s7\n\t"
      "vfma.f32 s25, s14, s8\n\t"
      ".endif\n\t"
      ".endif\n\t"
      ".endif\n\t"
      ".if %c[two] && %c[sh] == 2\n\t"
      ".if %c[sw] == 1\n\t"
      "vldm %[t], {s0-s5}\n\t"
      ".else\n\t"
      "vldm %[t], {s0-s8}\n\t"
      ".endif\n\t"
      "add %[t], %[t], %[xs]\n\t"
      ".if %c[sw] == 1\n\t"
      "vfma.f32 s22, s15, s0\n\t"
      "vfma.f32 s22, s16, s1\n\t"
      "vfma.f32 s22, s17, s2\n\t"
      "vfma.f32 s23, s15, s1\n\t"
      "vfma.f32 s23, s16, s2\n\t"
      "vfma.f32 s23, s17, s3\n\t"
      "vfma.f32 s24, s15, s2\n\t"
      "vfma.f32 s24, s16, s3\n\t"
      "vfma.f32 s24, s17, s4\n\t"
      "vfma.f32 s25, s15, s3\n\t"
      "vfma.f32 s25, s16, s4\n\t"
      "vfma.f32 s25, s17, s5\n\t"
      ".else\n\t"
      "vfma.f32 s22, s15, s0\n\t"
      "vfma.f32 s22, s16, s1\n\t"
      "vfma.f32 s22, s17, s2\n\t"
      "vfma.f32 s23, s15, s2\n\t"
      "vfma.f32 s23, s16, s3\n\t"
      "vfma.f32 s23, s17, s4\n\t"
      "vfma.f32 s24, s15, s4\n\t"
      "vfma.f32 s24, s16, s5\n\t"
      "vfma.f32 s24, s17, s6\n\t"
      "vfma.f32 s25, s15, s6\n\t"
      "vfma.f32 s25, s16, s7\n\t"
      "vfma.f32 s25, s17, s8\n\t"
      ".endif\n\t"
      ".endif\n\t"
      "add %[xr], %[xr], #%c[step]\n\t"
      ".if %c[kind] == 0\n\t"
      "vstr s18, [%[y], #0]\n\t"
      "vstr s19, [%[y], #4]\n\t"
      "vstr s20, [%[y], #8]\n\t"
      "vstr s21, [%[y], #12]\n\t"
      ".else\n\t"
      "vmov %[v], %[v2], s18, s19\n\t"
      "bic %[v], %[v], %[v], asr #31\n\t"
      "bic %[v2], %[v2], %[v2], asr #31\n\t"
      ".if %c[kind] == 2\n\t"
      "cmp %[v], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v], %[hi]\n\t"
      "cmp %[v2], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v2], %[hi]\n\t"
      ".endif\n\t"
      "strd %[v], %[v2], [%[y], #0]\n\t"
      "vmov %[v], %[v2], s20, s21\n\t"
      "bic %[v], %[v], %[v], asr #31\n\t"
      "bic %[v2], %[v2], %[v2], asr #31\n\t"
      ".if %c[kind] == 2\n\t"
      "cmp %[v], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v], %[hi]\n\t"
      "cmp %[v2], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v2], %[hi]\n\t"
      ".endif\n\t"
      "strd %[v], %[v2], [%[y], #8]\n\t"
      ".endif\n\t"
      ".if %c[two]\n\t"
      "add %[t], %[y], #%c[ys]\n\t"
      ".if %c[kind] == 0\n\t"
      "vstr s22, [%[t], #0]\n\t"
      "vstr s23, [%[t], #4]\n\t"
      "vstr s24, [%[t], #8]\n\t"
      "vstr s25, [%[t], #12]\n\t"
      ".else\n\t"
      "vmov %[v], %[v2], s22, s23\n\t"
      "bic %[v], %[v], %[v], asr #31\n\t"
      "bic %[v2], %[v2], %[v2], asr #31\n\t"
      ".if %c[kind] == 2\n\t"
      "cmp %[v], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v], %[hi]\n\t"
      "cmp %[v2], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v2], %[hi]\n\t"
      ".endif\n\t"
      "strd %[v], %[v2], [%[t], #0]\n\t"
      "vmov %[v], %[v2], s24, s25\n\t"
      "bic %[v], %[v], %[v], asr #31\n\t"
      "bic %[v2], %[v2], %[v2], asr #31\n\t"
      ".if %c[kind] == 2\n\t"
      "cmp %[v], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v], %[hi]\n\t"
      "cmp %[v2], %[hi]\n\t"
      "it gt\n\t"
      "movgt %[v2], %[hi]\n\t"
      ".endif\n\t"
      "strd %[v], %[v2], [%[t], #8]\n\t"
      ".endif\n\t"
      ".endif\n\t"
      "add %[y], %[y], #16\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      : [xr] "+r"(xr), [y] "+r"(y), [n] "+r"(n), [t] "=&r"(t), [v] "=&r"(v), [v2] "=&r"(v2)
      : [w] "r"(w), [b] "r"(b), [xs] "r"(XS * 4), [hi] "r"(hi), [sw] "i"(SW), [sh] "i"(SH), [two] "i"(TWO ? 1 : 0),
        [kind] "i"(KIND), [step] "i"(16 * SW), [ys] "i"(YS * 4)
      : KILN_FP_CLOBBERS);
}
// y[i] = x[i] for i < N (not overlapping), eight floats per VLDM/VSTM pair: the depthwise kernels'
// copies into their padded plane and out of their one-channel temporary.
template <int N>
__attribute__((always_inline)) inline void copy_floats(const float* x, float* y) {
  int n = N / 8;
  __asm__ volatile(
      ".if %c[n8]\n"
      "1:\n\t"
      "vldm %[x]!, {s0-s7}\n\t"
      "vstm %[y]!, {s0-s7}\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      ".endif\n\t"
      ".if %c[r] & 4\n\tvldm %[x]!, {s0-s3}\n\tvstm %[y]!, {s0-s3}\n\t.endif\n\t"
      ".if %c[r] & 2\n\tvldm %[x]!, {s0-s1}\n\tvstm %[y]!, {s0-s1}\n\t.endif\n\t"
      ".if %c[r] & 1\n\tvldm %[x]!, {s0}\n\tvstm %[y]!, {s0}\n\t.endif\n\t"
      : [x] "+r"(x), [y] "+r"(y), [n] "+r"(n)
      : [n8] "i"(N / 8), [r] "i"(N % 8)
      : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "cc", "memory");
}
#undef KILN_FMA4X4
#undef KILN_FP_CLOBBERS
#endif

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

// The activations the depthwise assembly loop applies itself (KIND of dw3x3_blocks), -1 for the
// others (their layers keep the C loops), and Clip's bound as integer bits.
template <typename Act>
struct AsmAct {
  static constexpr int kKind = -1;
  static int32_t hi(const Act&) { return 0; }
};
template <>
struct AsmAct<ActNone> {
  static constexpr int kKind = 0;
  static int32_t hi(const ActNone&) { return 0; }
};
template <>
struct AsmAct<ActKeep> {
  static constexpr int kKind = 0;
  static int32_t hi(const ActKeep&) { return 0; }
};
template <>
struct AsmAct<ActReluBits> {
  static constexpr int kKind = 1;
  static int32_t hi(const ActReluBits&) { return 0; }
};
template <>
struct AsmAct<ActClampBits> {
  static constexpr int kKind = 2;
  static int32_t hi(const ActClampBits& a) {
    int32_t h;
    __builtin_memcpy(&h, &a.hi, sizeof h);
    return h;
  }
};

// Whether the depthwise kernels run dw3x3_blocks: 3x3 windows, undilated, strides 1 or 2.
template <int KH, int KW, int SH, int SW, int DH, int DW, int OW, typename Act>
constexpr bool asm_dw3x3() {
  return KILN_FP_ASM && KH == 3 && KW == 3 && DH == 1 && DW == 1 && (SH == 1 || SH == 2) && (SW == 1 || SW == 2) &&
         AsmAct<Act>::kKind >= 0 && OW * 4 <= 4095;
}

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
    conv_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
    conv_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
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
    conv_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
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

// Outputs [ow0, ow1) of output row oh of one depthwise channel, every tap bounds-checked.
template <int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, typename Act>
inline void depthwise2d_row(const float* xc, const float* wc, float b, int oh, int ow0, int ow1, float* yr,
                            Act act) {
  const int ih0 = oh * SH - PT;
  int kh0, kh1;
  conv_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
  for (int ow = ow0; ow < ow1; ++ow) {
    const int iw0 = ow * SW - PL;
    int kw0, kw1;
    conv_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
    float acc = b;
    for (int kh = kh0; kh < kh1; ++kh) {
      const float* xr = xc + (ih0 + kh * DH) * W + iw0;
      for (int kw = kw0; kw < kw1; ++kw) acc += xr[kw * DW] * wc[kh * KW + kw];
    }
    yr[ow] = act(acc);
  }
}

// Depthwise 2-D convolution with the window's weights held in registers for a whole channel:
// rows whose window lies inside the input vertically run four pixels at a time with the window
// unrolled; the border rows and columns take depthwise2d's checked path.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void depthwise2d_blocked(const float* x, const float* w, const float* bias, float* y, Act act) {
  constexpr int kBegin = conv_inner_begin(PL, SW);
  constexpr int kEnd = conv_inner_end(W, KW, SW, PL, DW, OW);
  constexpr int kRowBegin = conv_inner_begin(PT, SH);
  constexpr int kRowEnd = conv_inner_end(H, KH, SH, PT, DH, OH);
  constexpr bool kAsm = asm_dw3x3<KH, KW, SH, SW, DH, DW, OW, Act>();
  (void)kAsm;
  for (int c = 0; c < C; ++c) {
    const float* xc = x + c * H * W;
    float* yc = y + c * OH * OW;
    const float* wc = w + c * KH * KW;
    const float b = bias ? bias[c] : 0.0f;
    float wk[KH * KW];  // the window, copied so that the stores to y cannot alias it: registers
    KILN_UNROLL
    for (int i = 0; i < KH * KW; ++i) wk[i] = wc[i];
    for (int oh = 0; oh < OH; ++oh) {
      if (oh < kRowBegin || oh >= kRowEnd || kBegin >= kEnd) {  // the checked path for the row
        depthwise2d_row<H, W, KH, KW, SH, SW, PT, PL, DH, DW>(xc, wc, b, oh, 0, OW, yc + oh * OW, act);
        continue;
      }
      const float* xr = xc + (oh * SH - PT) * W - PL;
      float* yr = yc + oh * OW;
      depthwise2d_row<H, W, KH, KW, SH, SW, PT, PL, DH, DW>(xc, wc, b, oh, 0, kBegin, yr, act);
      int ow = kBegin;
#if KILN_FP_ASM
      if (kAsm && kEnd - kBegin >= 4) {
        const int n = (kEnd - kBegin) / 4;
        dw3x3_blocks<SH == 2 ? 2 : 1, SW == 2 ? 2 : 1, W, kAsm ? OW : 1, false, kAsm ? AsmAct<Act>::kKind : 0>(
            xr + kBegin * SW, wc, &b, yr + kBegin, n, AsmAct<Act>::hi(act));
        ow += 4 * n;
      }
#endif
      for (; ow + 4 <= kEnd; ow += 4) {
        float a0 = b, a1 = b, a2 = b, a3 = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const float* xt = xr + kh * DH * W + ow * SW + kw * DW;
            const float wv = wk[kh * KW + kw];
            a0 += wv * xt[0], a1 += wv * xt[SW], a2 += wv * xt[2 * SW], a3 += wv * xt[3 * SW];
          }
        }
        yr[ow] = act(a0), yr[ow + 1] = act(a1), yr[ow + 2] = act(a2), yr[ow + 3] = act(a3);
      }
      for (; ow < kEnd; ++ow) {
        float a = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) a += wk[kh * KW + kw] * xr[kh * DH * W + ow * SW + kw * DW];
        }
        yr[ow] = act(a);
      }
      depthwise2d_row<H, W, KH, KW, SH, SW, PT, PL, DH, DW>(xc, wc, b, oh, kEnd, OW, yr, act);
    }
  }
}

// Depthwise 2-D convolution of small images, where border outputs would dominate: channel by
// channel the input is copied into the middle of `plane` [HP, WP] (planned scratch, HP * WP
// floats, its zero border written once), so every output runs the unchecked window with the
// weights in registers, 2 rows x 4 pixels at a time. y may equal x (in place, when
// OH * OW <= H * W): channel c's outputs land at or below its input, which is in the plane by then.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void depthwise2d_padded(const float* x, const float* w, const float* bias, float* plane, float* y, Act act) {
  constexpr int HP = (OH - 1) * SH + (KH - 1) * DH + 1, WP = (OW - 1) * SW + (KW - 1) * DW + 1;
  constexpr int kRows = H < HP - PT ? H : HP - PT, kCols = W < WP - PL ? W : WP - PL;  // input in the plane
  constexpr int OW4 = OW / 4 * 4;
  constexpr bool kAsm = asm_dw3x3<KH, KW, SH, SW, DH, DW, OW, Act>();
  (void)kAsm;
  for (int i = 0; i < HP * WP; ++i) plane[i] = 0.0f;
  for (int c = 0; c < C; ++c) {
    const float* xc = x + c * H * W;
    for (int ih = 0; ih < kRows; ++ih) {
#if KILN_FP_ASM
      if (kCols > 0) {
        copy_floats<(kCols > 0 ? kCols : 1)>(xc + ih * W, plane + (ih + PT) * WP + PL);
        continue;
      }
#endif
      KILN_UNROLL_4
      for (int iw = 0; iw < kCols; ++iw) plane[(ih + PT) * WP + iw + PL] = xc[ih * W + iw];
    }
    float wk[KH * KW];
    KILN_UNROLL
    for (int i = 0; i < KH * KW; ++i) wk[i] = w[c * KH * KW + i];
    const float b = bias ? bias[c] : 0.0f;
    float* yc = y + c * OH * OW;
    int oh = 0;
    for (; oh + 2 <= OH; oh += 2) {  // two output rows share the input rows their windows overlap
      const float* xr = plane + oh * SH * WP;
      float* yr = yc + oh * OW;
      int ow = 0;
#if KILN_FP_ASM
      if (kAsm && OW4 > 0) {
        dw3x3_blocks<SH == 2 ? 2 : 1, SW == 2 ? 2 : 1, WP, kAsm ? OW : 1, true, kAsm ? AsmAct<Act>::kKind : 0>(
            xr, w + c * KH * KW, &b, yr, OW4 / 4, AsmAct<Act>::hi(act));
        ow = OW4;
      }
#endif
      for (; ow < OW4; ow += 4) {
        float a0 = b, a1 = b, a2 = b, a3 = b, e0 = b, e1 = b, e2 = b, e3 = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const float* xt = xr + kh * DH * WP + ow * SW + kw * DW;
            const float* xu = xt + SH * WP;
            const float wv = wk[kh * KW + kw];
            a0 += wv * xt[0], a1 += wv * xt[SW], a2 += wv * xt[2 * SW], a3 += wv * xt[3 * SW];
            e0 += wv * xu[0], e1 += wv * xu[SW], e2 += wv * xu[2 * SW], e3 += wv * xu[3 * SW];
          }
        }
        yr[ow] = act(a0), yr[ow + 1] = act(a1), yr[ow + 2] = act(a2), yr[ow + 3] = act(a3);
        yr[OW + ow] = act(e0), yr[OW + ow + 1] = act(e1), yr[OW + ow + 2] = act(e2), yr[OW + ow + 3] = act(e3);
      }
      for (; ow < OW; ++ow) {
        float a = b, e = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const float* xt = xr + kh * DH * WP + ow * SW + kw * DW;
            a += wk[kh * KW + kw] * xt[0];
            e += wk[kh * KW + kw] * xt[SH * WP];
          }
        }
        yr[ow] = act(a), yr[OW + ow] = act(e);
      }
    }
    for (; oh < OH; ++oh) {
      const float* xr = plane + oh * SH * WP;
      float* yr = yc + oh * OW;
      int ow = 0;
#if KILN_FP_ASM
      if (kAsm && OW4 > 0) {
        dw3x3_blocks<SH == 2 ? 2 : 1, SW == 2 ? 2 : 1, WP, kAsm ? OW : 1, false, kAsm ? AsmAct<Act>::kKind : 0>(
            xr, w + c * KH * KW, &b, yr, OW4 / 4, AsmAct<Act>::hi(act));
        ow = OW4;
      }
#endif
      for (; ow < OW4; ow += 4) {
        float a0 = b, a1 = b, a2 = b, a3 = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) {
            const float* xt = xr + kh * DH * WP + ow * SW + kw * DW;
            const float wv = wk[kh * KW + kw];
            a0 += wv * xt[0], a1 += wv * xt[SW], a2 += wv * xt[2 * SW], a3 += wv * xt[3 * SW];
          }
        }
        yr[ow] = act(a0), yr[ow + 1] = act(a1), yr[ow + 2] = act(a2), yr[ow + 3] = act(a3);
      }
      for (; ow < OW; ++ow) {
        float a = b;
        KILN_UNROLL
        for (int kh = 0; kh < KH; ++kh) {
          KILN_UNROLL
          for (int kw = 0; kw < KW; ++kw) a += wk[kh * KW + kw] * xr[kh * DH * WP + ow * SW + kw * DW];
        }
        yr[ow] = act(a);
      }
    }
  }
}

// depthwise2d_blocked in place (as depthwise2d_inplace): channel c goes to the one-channel
// temporary `tmp` [OH*OW], then down to the output's channel c over already-consumed input.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
KILN_LAYER inline void depthwise2d_blocked_inplace(float* xy, const float* w, const float* bias, float* tmp, Act act) {
  static_assert(OH * OW <= H * W, "in-place depthwise needs an output no larger than its input");
  for (int c = 0; c < C; ++c) {
    depthwise2d_blocked<1, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(xy + c * H * W, w + c * KH * KW,
                                                                         bias ? bias + c : bias, tmp, act);
    float* yc = xy + c * OH * OW;
#if KILN_FP_ASM
    copy_floats<OH * OW>(tmp, yc);
    continue;
#endif
    for (int i = 0; i < OH * OW; ++i) yc[i] = tmp[i];
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
