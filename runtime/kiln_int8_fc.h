// kiln runtime: the fast int8 fully connected kernels (QGemm, QLinearMatMul, MatMulInteger with
// constant weights on cores with the DSP extension): six output channels per pass sharing each
// unpacked word of x, with int16-pair weights or (`--optimize size`, or layers a flash budget
// narrowed) int8 weights unpacked in the loop. The helpers and the portable twins are
// kiln_int8_fast.h's; see docs/kernels.md.
#ifndef KILN_INT8_FC_H_
#define KILN_INT8_FC_H_

#include "kiln_int8_fast.h"

namespace kiln {

// --- fully connected: y[i, n] = out(bias[n] + x[i, :] . w[n, :], n) ---

// R output channels of one row, WIDE: per group of four inputs, w holds for each channel the
// words [k0k2, k1k3] (int16 pairs, the order SXTB16 unpacks x in); the K % 4 last weights follow,
// one word each, channel by channel. !WIDE (the compiler's fc_weights_narrow): per group one word
// per channel, bytes [k0, k1, k2, k3] (SXTB16 unpacks them as it unpacks x); the K % 4 last
// weights in one more word per channel. Returns the next block's weights.
template <bool WIDE, int R, int K, typename XT>
KILN_ASM_KERNEL const int32_t* fc_dot(const int32_t* w, const XT* x, int32_t* acc) {
  int32_t s[R];
  for (int r = 0; r < R; ++r) s[r] = acc[r];
  int g = 0;
#if KILN_ASM
  if (R == 6 && K >= 16) {
    // Six channels share each unpacked word of x, four groups a pass. WIDE: 87 instructions per
    // 96 MACs (GCC does not pair the weight loads into LDRD); narrow: 132, two SXTB16 more per
    // channel and group. v doubles as a weight word once x is unpacked, and as the loop's end
    // read from memory: 12 registers.
    const XT* xp = x;
    const XT* end = x + K / 16 * 16;
    int32_t v, xa, xb, wb;
    int32_t s0 = s[0], s1 = s[1 % R], s2 = s[2 % R], s3 = s[3 % R], s4 = s[4 % R], s5 = s[5 % R];
#define KILN_FC_WIDE(S)                                  \
  "ldrd %[v], %[wb], [%[w]], #8\n\t"                     \
  "smlad %[" #S "], %[v], %[xa], %[" #S "]\n\t"           \
  "smlad %[" #S "], %[wb], %[xb], %[" #S "]\n\t"
#define KILN_FC_NARROW(S)                                \
  "ldr %[v], [%[w]], #4\n\t"                             \
  "sxtb16 %[wb], %[v]\n\t"                               \
  "smlad %[" #S "], %[wb], %[xa], %[" #S "]\n\t"          \
  "sxtb16 %[wb], %[v], ror #8\n\t"                       \
  "smlad %[" #S "], %[wb], %[xb], %[" #S "]\n\t"
#define KILN_FC_STEP(X, CH)                              \
  "ldr %[v], [%[x]], #4\n\t"                             \
  X " %[xa], %[v]\n\t"                                    \
  X " %[xb], %[v], ror #8\n\t"                            \
  CH(s0) CH(s1) CH(s2) CH(s3) CH(s4) CH(s5)
#define KILN_FC_LOOP(X, CH)                                                                     \
  "1:\n\t" KILN_FC_STEP(X, CH) KILN_FC_STEP(X, CH) KILN_FC_STEP(X, CH) KILN_FC_STEP(X, CH) \
  "ldr %[v], %[end]\n\tcmp %[x], %[v]\n\tbne 1b\n\t"
#define KILN_FC_OPERANDS                                                                                         \
  : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4), [s5] "+r"(s5), [x] "+r"(xp),        \
    [w] "+r"(w), [v] "=&r"(v), [xa] "=&r"(xa), [xb] "=&r"(xb), [wb] "=&r"(wb)                                      \
  : [end] "m"(end)                                                                                               \
  : "cc", "memory"
    const bool sx = static_cast<XT>(-1) < 0;
    if (WIDE && sx) __asm__ volatile(KILN_FC_LOOP("sxtb16", KILN_FC_WIDE) KILN_FC_OPERANDS);
    if (WIDE && !sx) __asm__ volatile(KILN_FC_LOOP("uxtb16", KILN_FC_WIDE) KILN_FC_OPERANDS);
    if (!WIDE && sx) __asm__ volatile(KILN_FC_LOOP("sxtb16", KILN_FC_NARROW) KILN_FC_OPERANDS);
    if (!WIDE && !sx) __asm__ volatile(KILN_FC_LOOP("uxtb16", KILN_FC_NARROW) KILN_FC_OPERANDS);
#undef KILN_FC_OPERANDS
#undef KILN_FC_LOOP
#undef KILN_FC_STEP
#undef KILN_FC_NARROW
#undef KILN_FC_WIDE
    s[0] = s0;
    s[1 % R] = s1;
    s[2 % R] = s2;
    s[3 % R] = s3;
    s[4 % R] = s4;
    s[5 % R] = s5;
    g = K / 16 * 4;
  }
#endif
  constexpr int WG = WIDE ? 2 : 1;  // words per channel and group
  for (; g < K / 4; ++g, w += WG * R) {
    const int32_t v = dsp::load32(x + 4 * g);
    const int32_t xa = dsp::unpack_even<XT>(v), xb = dsp::unpack_odd<XT>(v);
    for (int r = 0; r < R; ++r) {
      const int32_t wa = WIDE ? w[2 * r] : dsp::sxtb16(w[r]), wb = WIDE ? w[2 * r + 1] : dsp::sxtb16_ror8(w[r]);
      s[r] = dsp::smlad(wb, xb, dsp::smlad(wa, xa, s[r]));
    }
  }
  constexpr int KT = K % 4;
  for (int r = 0; r < R; ++r)
    for (int k = 0; k < KT; ++k) {
      const int32_t wk = WIDE ? w[r * KT + k] : reinterpret_cast<const signed char*>(w + r)[k];
      s[r] += static_cast<int32_t>(x[K - KT + k]) * wk;
    }
  for (int r = 0; r < R; ++r) acc[r] = s[r];
  return w + (KT ? (WIDE ? R * KT : R) : 0);
}

// w: the layout of the compiler's fc_weights (blocks of six channels, then single ones), or of
// fc_weights_narrow when !WIDE.
template <int ROWS, int N, int K, bool WIDE = true, typename XT, typename YT, typename Out>
inline void qfully_connected_fast(const XT* x, const int32_t* w, const int32_t* bias, YT* y, Out out) {
  for (int i = 0; i < ROWS; ++i) {
    const XT* xi = x + i * K;
    YT* yi = y + i * N;
    const int32_t* wp = w;
    int n = 0;
    for (; n + 5 < N; n += 6) {
      int32_t acc[6];
      for (int r = 0; r < 6; ++r) acc[r] = bias[n + r];
      wp = fc_dot<WIDE, 6, K>(wp, xi, acc);
      for (int r = 0; r < 6; ++r) yi[n + r] = out(acc[r], n + r);
    }
    for (; n < N; ++n) {
      int32_t acc = bias[n];
      wp = fc_dot<WIDE, 1, K>(wp, xi, &acc);
      yi[n] = out(acc, n);
    }
  }
}

}  // namespace kiln

#endif  // KILN_INT8_FC_H_
