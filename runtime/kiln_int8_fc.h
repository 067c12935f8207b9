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

// R output channels of one row. Per group of four inputs, w holds for each channel the words
// [k0k2, k1k3] (int16 pairs, the order SXTB16 unpacks x in); the K % 4 last weights follow, one
// word each, channel by channel. Returns the next block's weights.
template <int R, int K, typename XT>
KILN_ASM_KERNEL const int32_t* fc_dot(const int32_t* w, const XT* x, int32_t* acc) {
  int32_t s[R];
  for (int r = 0; r < R; ++r) s[r] = acc[r];
  int g = 0;
#if KILN_ASM
  if (R == 6 && K >= 16) {
    // Six channels share each unpacked word of x: 87 instructions per 96 MACs, four groups a
    // pass (GCC does not pair the weight loads into LDRD). v doubles as the first weight word
    // once x is unpacked, and as the loop's end read from memory: 12 registers.
    const XT* xp = x;
    const XT* end = x + K / 16 * 16;
    int32_t v, xa, xb, wb;
    int32_t s0 = s[0], s1 = s[1 % R], s2 = s[2 % R], s3 = s[3 % R], s4 = s[4 % R], s5 = s[5 % R];
#define KILN_FC_CH(S)                                    \
  "ldrd %[v], %[wb], [%[w]], #8\n\t"                     \
  "smlad %[" #S "], %[v], %[xa], %[" #S "]\n\t"           \
  "smlad %[" #S "], %[wb], %[xb], %[" #S "]\n\t"
#define KILN_FC_STEP(X)                                  \
  "ldr %[v], [%[x]], #4\n\t"                             \
  X " %[xa], %[v]\n\t"                                    \
  X " %[xb], %[v], ror #8\n\t"                            \
  KILN_FC_CH(s0) KILN_FC_CH(s1) KILN_FC_CH(s2) KILN_FC_CH(s3) KILN_FC_CH(s4) KILN_FC_CH(s5)
#define KILN_FC_LOOP(X) "1:\n\t" X X X X "ldr %[v], %[end]\n\tcmp %[x], %[v]\n\tbne 1b\n\t"
#define KILN_FC_OPERANDS                                                                                         \
  : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4), [s5] "+r"(s5), [x] "+r"(xp),        \
    [w] "+r"(w), [v] "=&r"(v), [xa] "=&r"(xa), [xb] "=&r"(xb), [wb] "=&r"(wb)                                      \
  : [end] "m"(end)                                                                                               \
  : "cc", "memory"
    if (static_cast<XT>(-1) < 0)
      __asm__ volatile(KILN_FC_LOOP(KILN_FC_STEP("sxtb16")) KILN_FC_OPERANDS);
    else
      __asm__ volatile(KILN_FC_LOOP(KILN_FC_STEP("uxtb16")) KILN_FC_OPERANDS);
#undef KILN_FC_OPERANDS
#undef KILN_FC_LOOP
#undef KILN_FC_STEP
#undef KILN_FC_CH
    s[0] = s0;
    s[1 % R] = s1;
    s[2 % R] = s2;
    s[3 % R] = s3;
    s[4 % R] = s4;
    s[5 % R] = s5;
    g = K / 16 * 4;
  }
#endif
  for (; g < K / 4; ++g, w += 2 * R) {
    const int32_t v = dsp::load32(x + 4 * g);
    const int32_t xa = dsp::unpack_even<XT>(v), xb = dsp::unpack_odd<XT>(v);
    for (int r = 0; r < R; ++r) s[r] = dsp::smlad(w[2 * r + 1], xb, dsp::smlad(w[2 * r], xa, s[r]));
  }
  constexpr int KT = K % 4;
  for (int k = 0; k < KT; ++k) {
    const int32_t xv = x[K - KT + k];
    for (int r = 0; r < R; ++r) s[r] += xv * w[r * KT + k];
  }
  for (int r = 0; r < R; ++r) acc[r] = s[r];
  return w + R * KT;
}

// The same with int8 weights (the compiler's fc_weights_narrow): per group of four inputs one
// word per channel, bytes [k0, k1, k2, k3] (SXTB16 unpacks them as it unpacks x); the K % 4 last
// weights in one more word per channel. 33 instructions per 24 MACs.
template <int R, int K, typename XT>
KILN_ASM_KERNEL const int32_t* fc_dot_narrow(const int32_t* w, const XT* x, int32_t* acc) {
  int32_t s[R];
  for (int r = 0; r < R; ++r) s[r] = acc[r];
  int g = 0;
#if KILN_ASM
  if (R == 6 && K >= 16) {
    const XT* xp = x;
    const XT* end = x + K / 16 * 16;
    int32_t v, xa, xb, wb;
    int32_t s0 = s[0], s1 = s[1 % R], s2 = s[2 % R], s3 = s[3 % R], s4 = s[4 % R], s5 = s[5 % R];
#define KILN_FCN_CH(S)                                   \
  "ldr %[v], [%[w]], #4\n\t"                             \
  "sxtb16 %[wb], %[v]\n\t"                               \
  "smlad %[" #S "], %[wb], %[xa], %[" #S "]\n\t"          \
  "sxtb16 %[wb], %[v], ror #8\n\t"                       \
  "smlad %[" #S "], %[wb], %[xb], %[" #S "]\n\t"
#define KILN_FCN_STEP(X)                                 \
  "ldr %[v], [%[x]], #4\n\t"                             \
  X " %[xa], %[v]\n\t"                                    \
  X " %[xb], %[v], ror #8\n\t"                            \
  KILN_FCN_CH(s0) KILN_FCN_CH(s1) KILN_FCN_CH(s2) KILN_FCN_CH(s3) KILN_FCN_CH(s4) KILN_FCN_CH(s5)
#define KILN_FCN_LOOP(X) "1:\n\t" X X X X "ldr %[v], %[end]\n\tcmp %[x], %[v]\n\tbne 1b\n\t"
#define KILN_FCN_OPERANDS                                                                                        \
  : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4), [s5] "+r"(s5), [x] "+r"(xp),        \
    [w] "+r"(w), [v] "=&r"(v), [xa] "=&r"(xa), [xb] "=&r"(xb), [wb] "=&r"(wb)                                      \
  : [end] "m"(end)                                                                                               \
  : "cc", "memory"
    if (static_cast<XT>(-1) < 0)
      __asm__ volatile(KILN_FCN_LOOP(KILN_FCN_STEP("sxtb16")) KILN_FCN_OPERANDS);
    else
      __asm__ volatile(KILN_FCN_LOOP(KILN_FCN_STEP("uxtb16")) KILN_FCN_OPERANDS);
#undef KILN_FCN_OPERANDS
#undef KILN_FCN_LOOP
#undef KILN_FCN_STEP
#undef KILN_FCN_CH
    s[0] = s0;
    s[1 % R] = s1;
    s[2 % R] = s2;
    s[3 % R] = s3;
    s[4 % R] = s4;
    s[5 % R] = s5;
    g = K / 16 * 4;
  }
#endif
  for (; g < K / 4; ++g, w += R) {
    const int32_t v = dsp::load32(x + 4 * g);
    const int32_t xa = dsp::unpack_even<XT>(v), xb = dsp::unpack_odd<XT>(v);
    for (int r = 0; r < R; ++r) s[r] = dsp::smlad(dsp::sxtb16_ror8(w[r]), xb, dsp::smlad(dsp::sxtb16(w[r]), xa, s[r]));
  }
  constexpr int KT = K % 4;
  if (KT) {
    for (int r = 0; r < R; ++r) {
      const signed char* t = reinterpret_cast<const signed char*>(w + r);
      for (int k = 0; k < KT; ++k) s[r] += static_cast<int32_t>(x[K - KT + k]) * t[k];
    }
    w += R;
  }
  for (int r = 0; r < R; ++r) acc[r] = s[r];
  return w;
}

template <bool WIDE, int R, int K, typename XT>
struct FcDot {
  static const int32_t* run(const int32_t* w, const XT* x, int32_t* acc) { return fc_dot<R, K, XT>(w, x, acc); }
};
template <int R, int K, typename XT>
struct FcDot<false, R, K, XT> {
  static const int32_t* run(const int32_t* w, const XT* x, int32_t* acc) { return fc_dot_narrow<R, K, XT>(w, x, acc); }
};

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
      wp = FcDot<WIDE, 6, K, XT>::run(wp, xi, acc);
      for (int r = 0; r < 6; ++r) yi[n + r] = out(acc[r], n + r);
    }
    for (; n < N; ++n) {
      int32_t acc = bias[n];
      wp = FcDot<WIDE, 1, K, XT>::run(wp, xi, &acc);
      yi[n] = out(acc, n);
    }
  }
}

}  // namespace kiln

#endif  // KILN_INT8_FC_H_
