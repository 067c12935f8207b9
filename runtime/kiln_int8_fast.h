// kiln runtime: fast int8 kernels (the compiler picks them on cores with the DSP extension for
// constant-parameter QLinearConv, QGemm, QLinearMatMul, QLinearAdd and whole-plane average
// pooling; runtime/kiln_int8.h keeps the reference kernels). See docs/kernels.md.
//
// The multiply-accumulate core is the Armv7E-M DSP extension's SMLAD: two int16 products added
// to an int32 accumulator in one instruction. Weights are laid out by the compiler in exactly the
// order and width the inner loops read them (int16 pairs, two output channels interleaved), and
// activations are widened to int16 pairs once per block (a small scratch buffer), so the inner
// loops are loads and SMLADs. The same code compiles everywhere: on a core without the DSP
// extension (and on the host) the kiln::dsp helpers below are plain C with the instructions'
// exact semantics, so the host runs, and tests, the very loops the MCU runs.
//
// Results are bit-identical to the reference kernels: accumulators are exact int32 sums in any
// order, and the output stage is the same rounding (see RequantHalfUp).
#ifndef KILN_INT8_FAST_H_
#define KILN_INT8_FAST_H_

#include "kiln_int8.h"

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#endif

// The inline-assembly loops (GEMM core, fully connected) take 12 registers: they live in
// out-of-line functions, so the register allocator never meets them inside a large caller, a
// frame pointer (-fno-omit-frame-pointer) still leaves room, and they need an optimizing build
// (at -O0 the C loops run).
#if defined(__ARM_FEATURE_DSP) && defined(__OPTIMIZE__) && !defined(KILN_NO_ASM)
#define KILN_ASM 1
#define KILN_ASM_KERNEL __attribute__((noinline))
#else
#define KILN_ASM 0
#define KILN_ASM_KERNEL inline
#endif

namespace kiln {
namespace dsp {

// Two int16 lanes of a 32-bit word: lane 0 in bits 0-15.
inline int32_t lo16(int32_t v) { return static_cast<int16_t>(static_cast<uint32_t>(v) & 0xFFFFu); }
inline int32_t hi16(int32_t v) { return static_cast<int16_t>(static_cast<uint32_t>(v) >> 16); }

inline int32_t load32(const void* p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
inline uint32_t load16(const void* p) {
  uint16_t v;
  __builtin_memcpy(&v, p, 2);
  return v;
}

#if defined(__ARM_FEATURE_DSP)
// acc + a.lane0 * b.lane0 + a.lane1 * b.lane1
inline int32_t smlad(int32_t a, int32_t b, int32_t acc) { return __smlad(a, b, acc); }
inline int32_t smlabb(int32_t a, int32_t b, int32_t acc) { return __smlabb(a, b, acc); }
inline int32_t smlabt(int32_t a, int32_t b, int32_t acc) { return __smlabt(a, b, acc); }
// Bytes 0 and 2 sign-extended into the two lanes; _ror8: bytes 1 and 3.
inline int32_t sxtb16(int32_t x) { return __sxtb16(x); }
inline int32_t sxtb16_ror8(int32_t x) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
// k + the high word of a * b (SMMLA; not in ACLE).
inline int32_t mul_hi_add(int32_t a, int32_t b, int32_t k) {
  int32_t r;
  __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(k));
  return r;
}
#else
inline int32_t smlad(int32_t a, int32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(lo16(a) * lo16(b)) +
                              static_cast<uint32_t>(hi16(a) * hi16(b)));
}
inline int32_t smlabb(int32_t a, int32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(lo16(a) * lo16(b)));
}
inline int32_t smlabt(int32_t a, int32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(lo16(a) * hi16(b)));
}
inline int32_t pack16(int32_t lane0, int32_t lane1) {
  return static_cast<int32_t>((static_cast<uint32_t>(lane0) & 0xFFFFu) | (static_cast<uint32_t>(lane1) << 16));
}
inline int32_t sxtb16(int32_t x) {
  return pack16(static_cast<int8_t>(x & 0xFF), static_cast<int8_t>((static_cast<uint32_t>(x) >> 16) & 0xFF));
}
inline int32_t sxtb16_ror8(int32_t x) {
  return pack16(static_cast<int8_t>((static_cast<uint32_t>(x) >> 8) & 0xFF),
                static_cast<int8_t>((static_cast<uint32_t>(x) >> 24) & 0xFF));
}
inline int32_t mul_hi_add(int32_t a, int32_t b, int32_t k) {
  return static_cast<int32_t>(static_cast<uint32_t>(k) +
                              static_cast<uint32_t>((static_cast<int64_t>(a) * static_cast<int64_t>(b)) >> 32));
}
#endif

// v clamped to [LO, HI]: SSAT / USAT when the range is a full int8 / uint8 one.
template <int LO, int HI>
inline int32_t clamp(int32_t v) {
#if defined(__ARM_FEATURE_DSP)
  if (LO == -128 && HI == 127) return __ssat(v, 8);
  if (LO == 0 && HI == 255) return __usat(v, 8);
  if (LO == 0 && HI == 127) return __usat(v, 7);
  if (LO >= -128 && HI == 127) {
    v = __ssat(v, 8);
    return v < LO ? LO : v;
  }
#endif
  return v < LO ? LO : (v > HI ? HI : v);
}

// Lanes (byte 0, byte 2) and (byte 1, byte 3) of four int8 / uint8 values, widened.
template <typename XT>
inline int32_t unpack_even(int32_t v);
template <typename XT>
inline int32_t unpack_odd(int32_t v);
template <>
inline int32_t unpack_even<int8_t>(int32_t v) { return sxtb16(v); }
template <>
inline int32_t unpack_odd<int8_t>(int32_t v) { return sxtb16_ror8(v); }
template <>
inline int32_t unpack_even<uint8_t>(int32_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v) & 0x00FF00FFu); }
template <>
inline int32_t unpack_odd<uint8_t>(int32_t v) {
  return static_cast<int32_t>((static_cast<uint32_t>(v) >> 8) & 0x00FF00FFu);
}

}  // namespace dsp

// --- output stage ---

// The reference rounding (ties to even, kiln_int8.h) with the ties proved absent by the
// compiler: a tie needs acc * mult to be an odd multiple of 2^(31 + S), which no accumulator of
// the layer reaches (half_up_exact in compiler/ops/qfast.cpp). Then rounding half up is the same
// function, and zp + round(acc * mult / 2^(32 + S)) is one SMMLA, with zp and the rounding half
// folded into its addend, and one shift. S >= 1 (multipliers below 1/4).
template <typename YT, int S, int LO, int HI>
struct RequantHalfUp {
  const int32_t* mult;
  int32_t k;  // zp * 2^S + 2^(S-1), SMMLA's addend (computed by the compiler)
  struct Channel {
    int32_t m, k;
    YT operator()(int32_t acc) const {
      return static_cast<YT>(dsp::clamp<LO, HI>(dsp::mul_hi_add(acc, m, k) >> S));
    }
  };
  Channel channel(int c) const { return Channel{mult[c], k}; }
  YT operator()(int32_t acc, int c) const { return channel(c)(acc); }
};

// The same with one multiplier for every channel (per-tensor weight scales).
template <typename YT, int S, int LO, int HI>
struct RequantHalfUpTensor {
  int32_t m, k;
  typename RequantHalfUp<YT, S, LO, HI>::Channel channel(int) const { return {m, k}; }
  YT operator()(int32_t acc, int) const { return channel(0)(acc); }
};

// The same with a shift per channel (channels whose scales lie far apart): bits 0-7 of shift[c]
// hold S >= 1, bits 8-15 a left shift L of the accumulator (multipliers of 1/4 or more, scaled
// into range by the compiler; acc * 2^L does not overflow).
template <typename YT, int LO, int HI>
struct RequantHalfUpShift {
  const int32_t* mult;
  const int32_t* shift;
  int32_t zp;
  struct Channel {
    int32_t m, k, s, l;
    YT operator()(int32_t acc) const {
      return static_cast<YT>(dsp::clamp<LO, HI>(dsp::mul_hi_add(acc * (1 << l), m, k) >> s));
    }
  };
  Channel channel(int c) const {
    const int32_t s = shift[c] & 0xFF, l = shift[c] >> 8;
    return Channel{mult[c], zp * (1 << s) + (1 << (s - 1)), s, l};
  }
  YT operator()(int32_t acc, int c) const { return channel(c)(acc); }
};

// Any other output stage, one channel at a time.
template <typename Out>
struct OutChannel {
  const Out* out;
  int c;
  auto operator()(int32_t acc) const -> decltype((*out)(acc, c)) { return (*out)(acc, c); }
};
template <typename Out>
inline OutChannel<Out> out_channel(const Out& o, int c) { return OutChannel<Out>{&o, c}; }
template <typename YT, int S, int LO, int HI>
inline typename RequantHalfUp<YT, S, LO, HI>::Channel out_channel(const RequantHalfUp<YT, S, LO, HI>& o, int c) {
  return o.channel(c);
}
template <typename YT, int S, int LO, int HI>
inline typename RequantHalfUp<YT, S, LO, HI>::Channel out_channel(const RequantHalfUpTensor<YT, S, LO, HI>& o, int c) {
  return o.channel(c);
}
template <typename YT, int LO, int HI>
inline typename RequantHalfUpShift<YT, LO, HI>::Channel out_channel(const RequantHalfUpShift<YT, LO, HI>& o, int c) {
  return o.channel(c);
}

// --- quantized Add (TFLite's scheme, kiln_int8.h's QAdd) with the input stages tabulated ---

// ta[a's bit pattern] is QAdd's rescaled a, (a - za) * 2^20 * ma (the compiler evaluates all 256),
// so an element costs two table loads, an add and the output stage; SY the output stage's shift.
template <typename YT, int SY>
struct QAddLut {
  const int32_t* ta;
  const int32_t* tb;
  int32_t zy, my, lo, hi;
  template <typename A, typename B>
  YT operator()(A a, B b) const {
    const int32_t s = ta[static_cast<uint8_t>(a)] + tb[static_cast<uint8_t>(b)];
    return clamp_to<YT>(zy + multiply_by_quantized_multiplier<SY>(s, my), lo, hi);
  }
};

// The same with the output stage of RequantHalfUp (the compiler proved it exact).
template <typename YT, int S, int LO, int HI>
struct QAddLutHalfUp {
  const int32_t* ta;
  const int32_t* tb;
  int32_t my, k;
  template <typename A, typename B>
  YT operator()(A a, B b) const {
    const int32_t s = ta[static_cast<uint8_t>(a)] + tb[static_cast<uint8_t>(b)];
    return static_cast<YT>(dsp::clamp<LO, HI>(dsp::mul_hi_add(s, my, k) >> S));
  }
};

// --- GEMM core: two output channels by two pixels ---

// The two pixel columns (int16 pairs) are stored in chunks of KC values: chunk j of column 0 at
// word j * KC, of column 1 at word j * KC + KC / 2, so one register and an immediate offset
// (KC * 2 bytes, at most 1020) address both. K4 / KC chunks; KC a multiple of 4.

// acc[i][j] += w_i . x_j. WIDE: w holds per group of four k the words [w0 k0k1, w0 k2k3, w1 k0k1,
// w1 k2k3] (int16 pairs). !WIDE (int8 weights: `--optimize size`, or layers a flash budget
// narrowed; half the flash): per group one word per channel, bytes [k0, k2, k1, k3], so SXTB16
// gives the lanes (k0, k1) and SXTB16 ROR #8 (k2, k3), the order of the int16 columns.
template <bool WIDE, int K4, int KC>
KILN_ASM_KERNEL void dot_2x2(const int32_t* w, const int32_t* x, int32_t* acc) {
  int32_t s00 = acc[0], s01 = acc[1], s10 = acc[2], s11 = acc[3];
  for (int j = 0; j < K4 / KC; ++j) {
    const int32_t* p = x + j * KC;
#if KILN_ASM
    if (KC * 2 <= 1020) {
      // GCC neither pairs these loads into LDRD nor post-increments them: 12 instructions per 16
      // MACs written out (narrow: 16, an LDR and two SXTB16 per channel instead of an LDRD), four
      // groups a pass plus three for the loop (its end read from memory, which keeps the loop at
      // 12 registers), against 22 to 26 compiled.
      constexpr int G = KC / 4;
      int32_t xa0, xb0, xa1, xb1, wa, wb;
#define KILN_DOT_WIDE(S0, S1)                              \
  "ldrd %[wa], %[wb], [%[w]], #8\n\t"                     \
  "smlad %[" #S0 "], %[wa], %[xa0], %[" #S0 "]\n\t"         \
  "smlad %[" #S0 "], %[wb], %[xb0], %[" #S0 "]\n\t"         \
  "smlad %[" #S1 "], %[wa], %[xa1], %[" #S1 "]\n\t"         \
  "smlad %[" #S1 "], %[wb], %[xb1], %[" #S1 "]\n\t"
#define KILN_DOT_NARROW(S0, S1)                            \
  "ldr %[wa], [%[w]], #4\n\t"                              \
  "sxtb16 %[wb], %[wa]\n\t"                                \
  "sxtb16 %[wa], %[wa], ror #8\n\t"                        \
  "smlad %[" #S0 "], %[wb], %[xa0], %[" #S0 "]\n\t"         \
  "smlad %[" #S0 "], %[wa], %[xb0], %[" #S0 "]\n\t"         \
  "smlad %[" #S1 "], %[wb], %[xa1], %[" #S1 "]\n\t"         \
  "smlad %[" #S1 "], %[wa], %[xb1], %[" #S1 "]\n\t"
#define KILN_DOT_STEP(CH)                                  \
  "ldrd %[xa1], %[xb1], [%[p], %[off]]\n\t"               \
  "ldrd %[xa0], %[xb0], [%[p]], #8\n\t"                   \
  CH(s00, s01) CH(s10, s11)
#define KILN_DOT_LOOP(CH) \
  "1:\n\t" KILN_DOT_STEP(CH) KILN_DOT_STEP(CH) KILN_DOT_STEP(CH) KILN_DOT_STEP(CH) "ldr %[wa], %[end]\n\tcmp %[p], %[wa]\n\tbne 1b\n\t"
#define KILN_DOT_OUT                                                                                             \
  [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), [p] "+r"(p), [w] "+r"(w), [xa0] "=&r"(xa0),  \
      [xb0] "=&r"(xb0), [xa1] "=&r"(xa1), [xb1] "=&r"(xb1), [wa] "=&r"(wa), [wb] "=&r"(wb)
      if (G >= 4) {
        const int32_t* end = p + G / 4 * 8;
        if (WIDE)
          __asm__ volatile(KILN_DOT_LOOP(KILN_DOT_WIDE)
                           : KILN_DOT_OUT
                           : [end] "m"(end), [off] "n"(KC * 2 <= 1020 ? KC * 2 : 0)
                           : "cc", "memory");
        else
          __asm__ volatile(KILN_DOT_LOOP(KILN_DOT_NARROW)
                           : KILN_DOT_OUT
                           : [end] "m"(end), [off] "n"(KC * 2 <= 1020 ? KC * 2 : 0)
                           : "cc", "memory");
      }
      // The G % 4 last groups straight, without a loop.
#define KILN_DOT_OFF [off] "n"(KC * 2 <= 1020 ? KC * 2 : 0)
#define KILN_DOT_TAILS(CH)                                                                                     \
  if (G % 4 == 1) __asm__ volatile(KILN_DOT_STEP(CH) : KILN_DOT_OUT : KILN_DOT_OFF : "memory");                \
  if (G % 4 == 2) __asm__ volatile(KILN_DOT_STEP(CH) KILN_DOT_STEP(CH) : KILN_DOT_OUT : KILN_DOT_OFF : "memory"); \
  if (G % 4 == 3)                                                                                              \
    __asm__ volatile(KILN_DOT_STEP(CH) KILN_DOT_STEP(CH) KILN_DOT_STEP(CH) : KILN_DOT_OUT : KILN_DOT_OFF : "memory");
      if (WIDE) {
        KILN_DOT_TAILS(KILN_DOT_WIDE)
      } else {
        KILN_DOT_TAILS(KILN_DOT_NARROW)
      }
#undef KILN_DOT_TAILS
#undef KILN_DOT_OFF
#undef KILN_DOT_OUT
#undef KILN_DOT_LOOP
#undef KILN_DOT_STEP
#undef KILN_DOT_NARROW
#undef KILN_DOT_WIDE
      continue;
    }
#endif
    for (int k = 0; k < KC / 4; ++k, w += WIDE ? 4 : 2, p += 2) {
      const int32_t xa0 = p[0], xb0 = p[1], xa1 = p[KC / 2], xb1 = p[KC / 2 + 1];
      const int32_t a0 = WIDE ? w[0] : dsp::sxtb16(w[0]), b0 = WIDE ? w[1] : dsp::sxtb16_ror8(w[0]);
      const int32_t a1 = WIDE ? w[2] : dsp::sxtb16(w[1]), b1 = WIDE ? w[3] : dsp::sxtb16_ror8(w[1]);
      s00 = dsp::smlad(b0, xb0, dsp::smlad(a0, xa0, s00));
      s01 = dsp::smlad(b0, xb1, dsp::smlad(a0, xa1, s01));
      s10 = dsp::smlad(b1, xb0, dsp::smlad(a1, xa0, s10));
      s11 = dsp::smlad(b1, xb1, dsp::smlad(a1, xa1, s11));
    }
  }
  acc[0] = s00;
  acc[1] = s01;
  acc[2] = s10;
  acc[3] = s11;
}

// One output channel (the odd last one): w holds per group [w0 k0k1, w0 k2k3], or one int8 word.
template <bool WIDE, int K4, int KC>
inline void dot_1x2(const int32_t* w, const int32_t* x, int32_t* acc) {
  int32_t s00 = acc[0], s01 = acc[1];
  for (int j = 0; j < K4 / KC; ++j) {
    const int32_t* p = x + j * KC;
    for (int k = 0; k < KC / 4; ++k, w += WIDE ? 2 : 1, p += 2) {
      const int32_t a = WIDE ? w[0] : dsp::sxtb16(w[0]), b = WIDE ? w[1] : dsp::sxtb16_ror8(w[0]);
      s00 = dsp::smlad(b, p[1], dsp::smlad(a, p[0], s00));
      s01 = dsp::smlad(b, p[KC / 2 + 1], dsp::smlad(a, p[KC / 2], s01));
    }
  }
  acc[0] = s00;
  acc[1] = s01;
}

// y[m][p0], y[m][p1] (p1 < 0: one pixel, column 1 is ignored) for every output channel from the
// two columns in x; w is the compiler's GEMM layout (qfast.cpp): channel pairs, then the odd one;
// int16 pairs when WIDE, else int8 words.
template <int M, int K4, int KC, int YSTRIDE, bool WIDE, typename YT, typename Out>
inline void gemm_columns(const int32_t* w, const int32_t* bias, const int32_t* x, YT* y, int p0, int p1,
                         const Out& out) {
  int m = 0;
  for (; m + 1 < M; m += 2, w += WIDE ? K4 : K4 / 2) {
    int32_t acc[4] = {bias[m], bias[m], bias[m + 1], bias[m + 1]};
    dot_2x2<WIDE, K4, KC>(w, x, acc);
    const auto o0 = out_channel(out, m);
    const auto o1 = out_channel(out, m + 1);
    YT* y0 = y + m * YSTRIDE;
    y0[p0] = o0(acc[0]);
    y0[YSTRIDE + p0] = o1(acc[2]);
    if (p1 >= 0) {
      y0[p1] = o0(acc[1]);
      y0[YSTRIDE + p1] = o1(acc[3]);
    }
  }
  if (m < M) {
    int32_t acc[2] = {bias[m], bias[m]};
    dot_1x2<WIDE, K4, KC>(w, x, acc);
    const auto o0 = out_channel(out, m);
    y[m * YSTRIDE + p0] = o0(acc[0]);
    if (p1 >= 0) y[m * YSTRIDE + p1] = o0(acc[1]);
  }
}

// --- pointwise convolution: Y[M, P] = W[M, C] . X[C, P] ---

// Two pixels at a time: their C inputs are widened into two columns of int16 pairs (scratch:
// C4 words), then every output channel reads them. Reads a pixel pair completely before writing
// it, so y may be x itself (in-place) when both start at the same address.
template <int C, int P, int M, bool WIDE = true, typename XT, typename YT, typename Out>
inline void qconv_pointwise_fast(const XT* x, const int32_t* w, const int32_t* bias, YT* y, int32_t* scratch,
                                 Out out) {
  constexpr int C4 = (C + 3) / 4 * 4;
  int32_t* b0 = scratch;
  int32_t* b1 = scratch + C4 / 2;
  for (int c = C / 2; c < C4 / 2; ++c) b0[c] = b1[c] = 0;
  for (int p = 0; p < P; p += 2) {
    const bool two = p + 1 < P;
    const XT* xp = x + p;
    if (two) {
      int c = 0;
      for (; c + 1 < C; c += 2) {
        // bytes [x(c,p), x(c,p+1), x(c+1,p), x(c+1,p+1)] -> lanes (c, c+1) of each pixel
        const int32_t v = static_cast<int32_t>(dsp::load16(xp + c * P) | (dsp::load16(xp + (c + 1) * P) << 16));
        b0[c / 2] = dsp::unpack_even<XT>(v);
        b1[c / 2] = dsp::unpack_odd<XT>(v);
      }
      if (c < C) {
        b0[c / 2] = static_cast<int32_t>(xp[c * P]) & 0xFFFF;
        b1[c / 2] = static_cast<int32_t>(xp[c * P + 1]) & 0xFFFF;
      }
    } else {
      for (int c = 0; c + 1 < C; c += 2)
        b0[c / 2] = (static_cast<int32_t>(xp[c * P]) & 0xFFFF) | static_cast<int32_t>(static_cast<uint32_t>(xp[(c + 1) * P]) << 16);
      if (C % 2) b0[C / 2] = static_cast<int32_t>(xp[(C - 1) * P]) & 0xFFFF;
    }
    gemm_columns<M, C4, C4, P, WIDE>(w, bias, b0, y, p, two ? p + 1 : -1, out);
  }
}

// --- any other ungrouped convolution: im2col of two pixels, then the GEMM ---

// Pixel (oh, ow)'s window, K = C * KH * KW values in the weights' [c][kh][kw] order, as int16 into
// column q of the chunked layout (chunks of CC channels, KC int16 each: CC * KH * KW, or K4 when
// one chunk holds all); padding reads x_zp (real zero, folded into the bias).
template <int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, int CC, int KC,
          typename XT>
inline void im2col_pixel(const XT* x, int32_t x_zp, int oh, int ow, int q, int32_t* col) {
  const int ih0 = oh * SH - PT, iw0 = ow * SW - PL;
  unsigned char* base = reinterpret_cast<unsigned char*>(col) + q * KC * 2;
  const XT* xc = x + ih0 * W + iw0;
  if (ih0 >= 0 && ih0 + (KH - 1) * DH < H && iw0 >= 0 && iw0 + (KW - 1) * DW < W) {
    for (int c = 0; c < C; c += CC) {
      unsigned char* d = base + c / CC * KC * 4;
      for (int cc = 0; cc < CC; ++cc, xc += H * W)
        for (int kh = 0; kh < KH; ++kh)
          for (int kw = 0; kw < KW; ++kw, d += 2) {
            const int16_t v = static_cast<int16_t>(xc[kh * DH * W + kw * DW]);
            __builtin_memcpy(d, &v, 2);
          }
    }
    return;
  }
  const int16_t z = static_cast<int16_t>(x_zp);
  for (int c = 0; c < C; c += CC) {
    unsigned char* d = base + c / CC * KC * 4;
    for (int cc = 0; cc < CC; ++cc, xc += H * W)
      for (int kh = 0; kh < KH; ++kh) {
        const bool row = ih0 + kh * DH >= 0 && ih0 + kh * DH < H;
        for (int kw = 0; kw < KW; ++kw, d += 2) {
          const int iw = iw0 + kw * DW;
          const int16_t v = row && iw >= 0 && iw < W ? static_cast<int16_t>(xc[kh * DH * W + kw * DW]) : z;
          __builtin_memcpy(d, &v, 2);
        }
      }
  }
}

// One kernel row of two pixels SW apart, unrolled: KW int16 into each column.
template <int KW, int DW, int SW, typename XT>
struct Im2colRow {
  static void run(const XT* x, unsigned char* d0, unsigned char* d1) {
    const int16_t a = static_cast<int16_t>(x[0]), b = static_cast<int16_t>(x[SW]);
    __builtin_memcpy(d0, &a, 2);
    __builtin_memcpy(d1, &b, 2);
    Im2colRow<KW - 1, DW, SW, XT>::run(x + DW, d0 + 2, d1 + 2);
  }
};
template <int DW, int SW, typename XT>
struct Im2colRow<0, DW, SW, XT> {
  static void run(const XT*, unsigned char*, unsigned char*) {}
};

// Both windows of the pixel pair (oh, ow), (oh, ow + 1) when they lie inside the input.
template <int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, int CC, int KC,
          typename XT>
inline bool im2col_pair_inside(const XT* x, int oh, int ow, int32_t* col) {
  const int ih0 = oh * SH - PT, iw0 = ow * SW - PL;
  if (!(ih0 >= 0 && ih0 + (KH - 1) * DH < H && iw0 >= 0 && iw0 + SW + (KW - 1) * DW < W)) return false;
  const XT* xc = x + ih0 * W + iw0;
  unsigned char* base = reinterpret_cast<unsigned char*>(col);
  for (int c = 0; c < C; c += CC) {
    unsigned char* d = base + c / CC * KC * 4;
    for (int cc = 0; cc < CC; ++cc, xc += H * W)
      for (int kh = 0; kh < KH; ++kh, d += 2 * KW) Im2colRow<KW, DW, SW, XT>::run(xc + kh * DH * W, d, d + 2 * KC);
  }
  return true;
}

// CC: input channels per chunk (the compiler's choice, qconv.cpp); scratch: K4 words.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          int CC, bool WIDE = true, typename XT, typename YT, typename Out>
inline void qconv_im2col_fast(const XT* x, const int32_t* w, const int32_t* bias, int32_t x_zp, YT* y,
                              int32_t* scratch, Out out) {
  constexpr int K = C * KH * KW, K4 = (K + 3) / 4 * 4, KC = CC == C ? K4 : CC * KH * KW;
  static_assert(KC % 4 == 0 && K4 % KC == 0, "chunks of whole groups");
  for (int k = K / 2; k < K4 / 2; ++k) scratch[k] = scratch[K4 / 2 + k] = 0;  // (one chunk) zero-weight tail
  for (int oh = 0; oh < OH; ++oh)
    for (int ow = 0; ow < OW; ow += 2) {
      const bool two = ow + 1 < OW;
      if (!two || !im2col_pair_inside<C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, CC, KC>(x, oh, ow, scratch)) {
        im2col_pixel<C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, CC, KC>(x, x_zp, oh, ow, 0, scratch);
        if (two) im2col_pixel<C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, CC, KC>(x, x_zp, oh, ow + 1, 1, scratch);
      }
      const int p = oh * OW + ow;
      gemm_columns<M, K4, KC, OH * OW, WIDE>(w, bias, scratch, y, p, two ? p + 1 : -1, out);
    }
}

// --- depthwise 3x3 convolution, stride 1 or 2 ---

// Copies rows [r0, r0 + HP) x columns [c0, c0 + WP) of an H x W plane into `plane` (row stride
// WP), the part outside the plane set to `fill` (the input zero point: padding is real zero).
template <int H, int W, int HP, int WP, typename XT>
inline void pad_plane(const XT* x, int r0, int c0, XT fill, XT* plane) {
  for (int r = 0; r < HP; ++r) {
    XT* d = plane + r * WP;
    const int ih = r0 + r;
    if (ih < 0 || ih >= H) {
      for (int c = 0; c < WP; ++c) d[c] = fill;
      continue;
    }
    const int a = c0 < 0 ? -c0 : 0;                        // first column inside
    const int b = W - c0 < WP ? (W - c0 < a ? a : W - c0) : WP;  // one past the last
    for (int c = 0; c < a; ++c) d[c] = fill;
    const XT* s = x + ih * W + c0;
    int c = a;
    for (; c + 4 <= b; c += 4) __builtin_memcpy(d + c, s + c, 4);
    for (; c < b; ++c) d[c] = s[c];
    for (c = b; c < WP; ++c) d[c] = fill;
  }
}

// Every channel: its plane is copied with the padding filled in (scratch: HP * WP + 4 bytes),
// then output pixels are computed in pairs along a row from the unpadded copy. Per channel, w holds
// six int16-pair words: kernel row r as (w[r][0], w[r][2]) then (w[r][1], 0); bias is
// zero-point-folded (the padding holds x_zp, so every window is a full one).
template <int C, int H, int W, int OH, int OW, int S, int PT, int PL, typename XT, typename YT, typename Out>
inline void qdepthwise3x3_fast(const XT* x, const int32_t* w, const int32_t* bias, int32_t x_zp, YT* y, XT* scratch,
                               Out out) {
  constexpr int HP = (OH - 1) * S + 3, WP = (OW - 1) * S + 3;
  for (int c = 0; c < C; ++c, w += 6) {
    pad_plane<H, W, HP, WP>(x + c * H * W, -PT, -PL, static_cast<XT>(x_zp), scratch);
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
    const int32_t b = bias[c];
    const auto o = out_channel(out, c);
    YT* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      const XT* r0 = scratch + oh * S * WP;
      const XT* r1 = r0 + WP;
      const XT* r2 = r1 + WP;
      YT* yr = yc + oh * OW;
      for (int j = 0; j < OW; j += 2) {
        int32_t a0 = b, a1 = b;
        if (S == 1) {
          int32_t v = dsp::load32(r0 + j), e = dsp::unpack_even<XT>(v), d = dsp::unpack_odd<XT>(v);
          a0 = dsp::smlabb(w1, d, dsp::smlad(w0, e, a0));
          a1 = dsp::smlabt(w1, e, dsp::smlad(w0, d, a1));
          v = dsp::load32(r1 + j), e = dsp::unpack_even<XT>(v), d = dsp::unpack_odd<XT>(v);
          a0 = dsp::smlabb(w3, d, dsp::smlad(w2, e, a0));
          a1 = dsp::smlabt(w3, e, dsp::smlad(w2, d, a1));
          v = dsp::load32(r2 + j), e = dsp::unpack_even<XT>(v), d = dsp::unpack_odd<XT>(v);
          a0 = dsp::smlabb(w5, d, dsp::smlad(w4, e, a0));
          a1 = dsp::smlabt(w5, e, dsp::smlad(w4, d, a1));
        } else {
          const XT* rows[3] = {r0, r1, r2};
          const int32_t wa[3] = {w0, w2, w4}, wb[3] = {w1, w3, w5};
          for (int r = 0; r < 3; ++r) {
            const int32_t v0 = dsp::load32(rows[r] + 2 * j), v1 = dsp::load32(rows[r] + 2 * j + 2);
            a0 = dsp::smlabb(wb[r], dsp::unpack_odd<XT>(v0), dsp::smlad(wa[r], dsp::unpack_even<XT>(v0), a0));
            a1 = dsp::smlabb(wb[r], dsp::unpack_odd<XT>(v1), dsp::smlad(wa[r], dsp::unpack_even<XT>(v1), a1));
          }
        }
        yr[j] = o(a0);
        if (j + 1 < OW) yr[j + 1] = o(a1);
      }
    }
  }
}

// --- average pooling over whole planes (global, or a window the size of the input) ---

// Sum of n bytes (int8 or uint8): four at a time with USADA8 (unsigned; int8 is biased by 128
// first and the bias taken off the total).
template <int N, typename XT>
inline int32_t sum_bytes(const XT* x) {
  int32_t s = 0;
  int i = 0;
#if defined(__ARM_FEATURE_DSP)
  constexpr bool kSigned = static_cast<XT>(-1) < 0;
  uint32_t u = 0;
  for (; i + 4 <= N; i += 4) {
    const uint32_t v = static_cast<uint32_t>(dsp::load32(x + i)) ^ (kSigned ? 0x80808080u : 0u);
    u = __usada8(v, 0, u);
  }
  s = static_cast<int32_t>(u) - (kSigned ? 128 * i : 0);
#endif
  for (; i < N; ++i) s += static_cast<int32_t>(x[i]);
  return s;
}

template <int C, int P, typename XT, typename YT, typename Out>
inline void qglobal_avgpool_fast(const XT* x, int32_t zx, YT* y, Out out) {
  for (int c = 0; c < C; ++c) y[c] = out(sum_bytes<P>(x + c * P) - zx * P, 0);
}

}  // namespace kiln

#endif  // KILN_INT8_FAST_H_
