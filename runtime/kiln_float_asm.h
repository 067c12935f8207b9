// kiln runtime: the inline-assembly loops of the register-blocked float32 kernels
// (runtime/kiln_conv_blocked.h, kiln_conv_blocked_dw.h): the 4 x 4 tile, the matrix-vector step
// of the fully connected kernel, the depthwise 3x3 row blocks and a float copy. Only Arm FPU cores
// with an optimizing build compile them (KILN_FP_ASM); everywhere else the kernels' C loops run.
#ifndef KILN_FLOAT_ASM_H_
#define KILN_FLOAT_ASM_H_

#include "kiln_base.h"

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
template <int SH, int SW, int XS, int YS, bool TWO, int KIND>
__attribute__((always_inline)) inline void dw3x3_blocks(const float* xr, const float* w, const float* b, float* y,
                                                         int n, int32_t hi) {
  static_assert((SH == 1 || SH == 2) && (SW == 1 || SW == 2) && YS * 4 <= 4095, "the shapes written out");
  const float* t;
  int32_t v, v2;
  // (Written out by macros, not .irp/.rept, as fma_dot8's steps.) One input row: six values (nine
  // at stride 2), t moved to the next row.
#define KILN_DW_LOAD                                                                              \
  ".if %c[sw] == 1\n\t"                                                                           \
  "vldm %[t], {s0-s5}\n\t"                                                                       \
  ".else\n\t"                                                                                     \
  "vldm %[t], {s0-s8}\n\t"                                                                       \
  ".endif\n\t"                                                                                    \
  "add %[t], %[t], %[xs]\n\t"
#define KILN_DW_FMA3(A, W0, W1, W2, X0, X1, X2)                                                  \
  "vfma.f32 " A ", " W0 ", " X0 "\n\t"                                                           \
  "vfma.f32 " A ", " W1 ", " X1 "\n\t"                                                           \
  "vfma.f32 " A ", " W2 ", " X2 "\n\t"
  // One kernel row (weights W0-W2) of the loaded input row into the four accumulators A0-A3.
#define KILN_DW_ROW(A0, A1, A2, A3, W0, W1, W2)                                                  \
  ".if %c[sw] == 1\n\t"                                                                           \
  KILN_DW_FMA3(A0, W0, W1, W2, "s0", "s1", "s2") KILN_DW_FMA3(A1, W0, W1, W2, "s1", "s2", "s3")   \
  KILN_DW_FMA3(A2, W0, W1, W2, "s2", "s3", "s4") KILN_DW_FMA3(A3, W0, W1, W2, "s3", "s4", "s5")   \
  ".else\n\t"                                                                                     \
  KILN_DW_FMA3(A0, W0, W1, W2, "s0", "s1", "s2") KILN_DW_FMA3(A1, W0, W1, W2, "s2", "s3", "s4")   \
  KILN_DW_FMA3(A2, W0, W1, W2, "s4", "s5", "s6") KILN_DW_FMA3(A3, W0, W1, W2, "s6", "s7", "s8")   \
  ".endif\n\t"
#define KILN_DW_TOP(W0, W1, W2) KILN_DW_ROW("s18", "s19", "s20", "s21", W0, W1, W2)
#define KILN_DW_BOTTOM(W0, W1, W2) KILN_DW_ROW("s22", "s23", "s24", "s25", W0, W1, W2)
  // Two outputs (S0, S1) through the activation to [Y, #OFF].
#define KILN_DW_PUT2(S0, S1, Y, OFF)                                                              \
  "vmov %[v], %[v2], " S0 ", " S1 "\n\t"                                                         \
  "bic %[v], %[v], %[v], asr #31\n\t"                                                            \
  "bic %[v2], %[v2], %[v2], asr #31\n\t"                                                         \
  ".if %c[kind] == 2\n\t"                                                                         \
  "cmp %[v], %[hi]\n\t"                                                                          \
  "it gt\n\t"                                                                                    \
  "movgt %[v], %[hi]\n\t"                                                                        \
  "cmp %[v2], %[hi]\n\t"                                                                         \
  "it gt\n\t"                                                                                    \
  "movgt %[v2], %[hi]\n\t"                                                                       \
  ".endif\n\t"                                                                                    \
  "strd %[v], %[v2], [" Y ", #" OFF "]\n\t"
#define KILN_DW_PUT4(S0, S1, S2, S3, Y)                                                           \
  ".if %c[kind] == 0\n\t"                                                                         \
  "vstr " S0 ", [" Y ", #0]\n\t"                                                                 \
  "vstr " S1 ", [" Y ", #4]\n\t"                                                                 \
  "vstr " S2 ", [" Y ", #8]\n\t"                                                                 \
  "vstr " S3 ", [" Y ", #12]\n\t"                                                                \
  ".else\n\t" KILN_DW_PUT2(S0, S1, Y, "0") KILN_DW_PUT2(S2, S3, Y, "8") ".endif\n\t"
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
      KILN_DW_LOAD KILN_DW_TOP("s9", "s10", "s11")
      KILN_DW_LOAD KILN_DW_TOP("s12", "s13", "s14")
      ".if %c[two] && %c[sh] == 1\n\t" KILN_DW_BOTTOM("s9", "s10", "s11") ".endif\n\t"
      KILN_DW_LOAD KILN_DW_TOP("s15", "s16", "s17")
      ".if %c[two] && %c[sh] == 1\n\t" KILN_DW_BOTTOM("s12", "s13", "s14") ".endif\n\t"
      ".if %c[two] && %c[sh] == 2\n\t" KILN_DW_BOTTOM("s9", "s10", "s11") ".endif\n\t"
      ".if %c[two]\n\t" KILN_DW_LOAD
      ".if %c[sh] == 1\n\t" KILN_DW_BOTTOM("s15", "s16", "s17")
      ".else\n\t" KILN_DW_BOTTOM("s12", "s13", "s14") ".endif\n\t"
      ".endif\n\t"
      ".if %c[two] && %c[sh] == 2\n\t" KILN_DW_LOAD KILN_DW_BOTTOM("s15", "s16", "s17") ".endif\n\t"
      "add %[xr], %[xr], #%c[step]\n\t"
      KILN_DW_PUT4("s18", "s19", "s20", "s21", "%[y]")
      ".if %c[two]\n\t"
      "add %[t], %[y], #%c[ys]\n\t"
      KILN_DW_PUT4("s22", "s23", "s24", "s25", "%[t]")
      ".endif\n\t"
      "add %[y], %[y], #16\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      : [xr] "+r"(xr), [y] "+r"(y), [n] "+r"(n), [t] "=&r"(t), [v] "=&r"(v), [v2] "=&r"(v2)
      : [w] "r"(w), [b] "r"(b), [xs] "r"(XS * 4), [hi] "r"(hi), [sw] "i"(SW), [sh] "i"(SH), [two] "i"(TWO ? 1 : 0),
        [kind] "i"(KIND), [step] "i"(16 * SW), [ys] "i"(YS * 4)
      : KILN_FP_CLOBBERS);
#undef KILN_DW_PUT4
#undef KILN_DW_PUT2
#undef KILN_DW_BOTTOM
#undef KILN_DW_TOP
#undef KILN_DW_ROW
#undef KILN_DW_FMA3
#undef KILN_DW_LOAD
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

}  // namespace kiln

#endif  // KILN_FLOAT_ASM_H_
