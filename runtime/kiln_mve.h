// kiln runtime: the Helium (M-profile Vector Extension) operations the int8 kernels of
// runtime/kiln_int8_mve.h are written in, each with a plain-C twin of the instruction's exact
// semantics (lane for lane; predicated-off lanes read nothing and are zero) for cores without MVE
// and the host, and the vector forms of the RequantHalfUp output stages. See docs/kernels.md.
#ifndef KILN_MVE_H_
#define KILN_MVE_H_

#include "kiln_int8_fast.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define KILN_MVE 1
#else
#define KILN_MVE 0
#endif
// The GEMM core and the depthwise 3x3 loop are inline assembly on MVE cores in optimizing GCC
// builds (KILN_NO_ASM: the C loops, as the host runs them).
// (GCC's constraints: "Te", even core registers, is not clang's.)
#if KILN_MVE && defined(__OPTIMIZE__) && !defined(KILN_NO_ASM) && defined(__GNUC__) && !defined(__clang__)
#define KILN_MVE_ASM 1
#else
#define KILN_MVE_ASM 0
#endif

namespace kiln {
namespace mve {

#if KILN_MVE
using I8x16 = int8x16_t;
using I32x4 = int32x4_t;
using U32x4 = uint32x4_t;
using Pred = mve_pred16_t;

inline I8x16 load16(const int8_t* p) { return vldrbq_s8(p); }
// Lanes n..15 zero (nothing read there).
inline I8x16 load16_tail(const int8_t* p, int n) { return vldrbq_z_s8(p, vctp8q(static_cast<uint32_t>(n))); }
// acc + sum of the sixteen lane products
inline int32_t dot16(int32_t acc, I8x16 a, I8x16 b) { return vmladavaq_s8(acc, a, b); }
inline int32_t dot16(I8x16 a, I8x16 b) { return vmladavq_s8(a, b); }
// The first n lanes on (n >= 4: all).
inline Pred first(int n) { return vctp32q(static_cast<uint32_t>(n)); }
inline I32x4 dup(int32_t v) { return vdupq_n_s32(v); }
inline I32x4 load4(const int32_t* p) { return vldrwq_s32(p); }
inline U32x4 udup(uint32_t v) { return vdupq_n_u32(v); }
inline U32x4 iota(uint32_t step) { return vmulq_n_u32(vidupq_n_u32(0u, 1), step); }
// Four bytes widened to int32 lanes; with a predicate, off-lanes are zero and not read
// (predicated forms cost a VPST more).
inline I32x4 widen4(const int8_t* x) { return vldrbq_s32(x); }
inline I32x4 widen4(const int8_t* x, Pred p) { return vldrbq_z_s32(x, p); }
inline I32x4 gather4(const int8_t* x, U32x4 off) { return vldrbq_gather_offset_s32(x, off); }
inline I32x4 gather4(const int8_t* x, U32x4 off, Pred p) { return vldrbq_gather_offset_z_s32(x, off, p); }
// Eight bytes widened to int16 lanes, and the same gathered; the low byte of each lane to
// x + off[i].
using I16x8 = int16x8_t;
using U16x8 = uint16x8_t;
inline U16x8 iota8(uint16_t step) { return vmulq_n_u16(vidupq_n_u16(0u, 1), step); }
inline I16x8 widen8(const int8_t* x) { return vldrbq_s16(x); }
inline I16x8 widen8(const int8_t* x, int n) { return vldrbq_z_s16(x, vctp16q(static_cast<uint32_t>(n))); }
inline I16x8 gather8(const int8_t* x, U16x8 off) { return vldrbq_gather_offset_s16(x, off); }
inline void scatter8(int8_t* x, U16x8 off, I16x8 v) { vstrbq_scatter_offset_s16(x, off, v); }
// Padding-aware gathers: P8 holds two bits per 16-bit lane (VPR.P0's layout, also on the host).
using P8 = mve_pred16_t;
inline I16x8 load_h(const int16_t* p) { return vldrhq_s16(p); }
inline I16x8 add_h(I16x8 v, int s) { return vaddq_n_s16(v, static_cast<int16_t>(s)); }
inline I16x8 mla_h(I16x8 a, I16x8 b, int s) { return vmlaq_n_s16(a, b, static_cast<int16_t>(s)); }
inline U16x8 as_u16(I16x8 v) { return vreinterpretq_u16_s16(v); }
inline P8 first8(int n) { return vctp16q(static_cast<uint32_t>(n)); }
// Lanes of p where 0 <= v < hi.
inline P8 within(I16x8 v, int hi, P8 p) {
  return vcmpltq_m_n_s16(v, static_cast<int16_t>(hi), vcmpgeq_m_n_s16(v, 0, p));
}
// x[off] where p is on (nothing read elsewhere), z elsewhere.
inline I16x8 gather8_or(const int8_t* x, U16x8 off, P8 p, int8_t z) {
  return vpselq_s16(vldrbq_gather_offset_z_s16(x, off, p), vdupq_n_s16(z), p);
}
// The low byte of each lane to x + off[i].
inline void scatter4(int8_t* x, U32x4 off, I32x4 v) { vstrbq_scatter_offset_s32(x, off, v); }
inline I32x4 mla_n(I32x4 acc, I32x4 v, int32_t s) { return vmlaq_n_s32(acc, v, s); }
inline I32x4 add(I32x4 a, I32x4 b) { return vaddq_s32(a, b); }
// Four bytes' bit patterns as unsigned lanes (table indices), and t[i] per lane.
inline U32x4 bytes4(const void* x) { return vldrbq_u32(static_cast<const uint8_t*>(x)); }
inline U32x4 bytes4(const void* x, Pred p) { return vldrbq_z_u32(static_cast<const uint8_t*>(x), p); }
inline I32x4 lookup(const int32_t* t, U32x4 i) { return vldrwq_gather_shifted_offset_s32(t, i); }
inline I32x4 lanes(int32_t a, int32_t b, int32_t c, int32_t d) {
  I32x4 v = vdupq_n_s32(a);
  v = vsetq_lane_s32(b, v, 1);
  v = vsetq_lane_s32(c, v, 2);
  return vsetq_lane_s32(d, v, 3);
}
inline int32_t lane(I32x4 v, int i) {
  switch (i) {
    case 0: return vgetq_lane_s32(v, 0);
    case 1: return vgetq_lane_s32(v, 1);
    case 2: return vgetq_lane_s32(v, 2);
    default: return vgetq_lane_s32(v, 3);
  }
}
// High word of each lane's product with m (VMULH: floor of acc * m / 2^32).
inline I32x4 mul_hi(I32x4 v, int32_t m) { return vmulhq_s32(v, vdupq_n_s32(m)); }
inline I32x4 add_n(I32x4 v, int32_t k) { return vaddq_n_s32(v, k); }
template <int S>
inline I32x4 shr(I32x4 v) { return vshrq_n_s32(v, S); }
// Shift left by l >= 0 then arithmetically right by s >= 0 (VSHL by register).
inline I32x4 shl(I32x4 v, int32_t l) { return vshlq_s32(v, vdupq_n_s32(l)); }
inline I32x4 sar(I32x4 v, int32_t s) { return vshlq_s32(v, vdupq_n_s32(-s)); }
inline I32x4 clamp(I32x4 v, int32_t lo, int32_t hi) { return vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi)); }
// n bytes of v at d, sixteen at a time, the rest under a tail predicate.
inline void fill_bytes(int8_t* d, int8_t v, int n) {
  const I8x16 z = vdupq_n_s8(v);
  for (; n >= 16; n -= 16, d += 16) vstrbq_s8(d, z);
  if (n > 0) vstrbq_p_s8(d, z, vctp8q(static_cast<uint32_t>(n)));
}
// n bytes from s to d (not overlapping), sixteen at a time, the rest under a tail predicate.
inline void copy_bytes(int8_t* d, const int8_t* s, int n) {
  for (; n >= 16; n -= 16, d += 16, s += 16) vstrbq_s8(d, vldrbq_s8(s));
  if (n > 0) {
    const mve_pred16_t p = vctp8q(static_cast<uint32_t>(n));
    vstrbq_p_s8(d, vldrbq_z_s8(s, p), p);
  }
}
// The low bytes of the first n lanes to y.
template <typename YT>
inline void store4(YT* y, I32x4 v) { vstrbq_s32(reinterpret_cast<int8_t*>(y), v); }
template <typename YT>
inline void store4(YT* y, I32x4 v, Pred p) { vstrbq_p_s32(reinterpret_cast<int8_t*>(y), v, p); }
#else
struct I8x16 {
  int8_t v[16];
};
struct I32x4 {
  int32_t v[4];
};
struct U32x4 {
  uint32_t v[4];
};
using Pred = int;  // the number of lanes on

inline I8x16 load16(const int8_t* p) {
  I8x16 r;
  for (int i = 0; i < 16; ++i) r.v[i] = p[i];
  return r;
}
inline I8x16 load16_tail(const int8_t* p, int n) {
  I8x16 r;
  for (int i = 0; i < 16; ++i) r.v[i] = i < n ? p[i] : 0;
  return r;
}
inline int32_t dot16(int32_t acc, I8x16 a, I8x16 b) {
  uint32_t s = static_cast<uint32_t>(acc);
  for (int i = 0; i < 16; ++i) s += static_cast<uint32_t>(a.v[i] * b.v[i]);
  return static_cast<int32_t>(s);
}
inline int32_t dot16(I8x16 a, I8x16 b) { return dot16(0, a, b); }
inline Pred first(int n) { return n < 4 ? n : 4; }
inline I32x4 dup(int32_t v) { return I32x4{{v, v, v, v}}; }
inline I32x4 load4(const int32_t* p) { return I32x4{{p[0], p[1], p[2], p[3]}}; }
inline U32x4 udup(uint32_t v) { return U32x4{{v, v, v, v}}; }
inline U32x4 iota(uint32_t step) { return U32x4{{0u, step, 2 * step, 3 * step}}; }
struct I16x8 {
  int16_t v[8];
};
struct U16x8 {
  uint16_t v[8];
};
inline U16x8 iota8(uint16_t step) {
  U16x8 r;
  for (int i = 0; i < 8; ++i) r.v[i] = static_cast<uint16_t>(i * step);
  return r;
}
inline I16x8 widen8(const int8_t* x, int n = 8) {
  I16x8 r;
  for (int i = 0; i < 8; ++i) r.v[i] = i < n ? x[i] : 0;
  return r;
}
inline I16x8 gather8(const int8_t* x, U16x8 off) {
  I16x8 r;
  for (int i = 0; i < 8; ++i) r.v[i] = x[off.v[i]];
  return r;
}
inline void scatter8(int8_t* x, U16x8 off, I16x8 v) {
  for (int i = 0; i < 8; ++i) x[off.v[i]] = static_cast<int8_t>(static_cast<uint16_t>(v.v[i]) & 0xFF);
}
using P8 = uint16_t;
inline bool on(P8 p, int lane) { return (p >> (2 * lane)) & 1; }
inline I16x8 load_h(const int16_t* p) {
  I16x8 r;
  for (int i = 0; i < 8; ++i) r.v[i] = p[i];
  return r;
}
inline I16x8 add_h(I16x8 v, int s) {
  for (int i = 0; i < 8; ++i) v.v[i] = static_cast<int16_t>(v.v[i] + s);
  return v;
}
inline I16x8 mla_h(I16x8 a, I16x8 b, int s) {
  for (int i = 0; i < 8; ++i) a.v[i] = static_cast<int16_t>(static_cast<uint16_t>(a.v[i] + b.v[i] * s));
  return a;
}
inline U16x8 as_u16(I16x8 v) {
  U16x8 r;
  for (int i = 0; i < 8; ++i) r.v[i] = static_cast<uint16_t>(v.v[i]);
  return r;
}
inline P8 first8(int n) { return static_cast<P8>(n >= 8 ? 0xFFFFu : (1u << (2 * n)) - 1); }
inline P8 within(I16x8 v, int hi, P8 p) {
  P8 r = 0;
  for (int i = 0; i < 8; ++i)
    if (on(p, i) && v.v[i] >= 0 && v.v[i] < hi) r = static_cast<P8>(r | (3u << (2 * i)));
  return r;
}
inline I16x8 gather8_or(const int8_t* x, U16x8 off, P8 p, int8_t z) {
  I16x8 r;
  for (int i = 0; i < 8; ++i) r.v[i] = on(p, i) ? x[off.v[i]] : z;
  return r;
}
inline I32x4 widen4(const int8_t* x, Pred p = 4) {
  I32x4 r;
  for (int i = 0; i < 4; ++i) r.v[i] = i < p ? static_cast<int32_t>(x[i]) : 0;
  return r;
}
inline I32x4 gather4(const int8_t* x, U32x4 off, Pred p = 4) {
  I32x4 r;
  for (int i = 0; i < 4; ++i) r.v[i] = i < p ? static_cast<int32_t>(x[off.v[i]]) : 0;
  return r;
}
inline void scatter4(int8_t* x, U32x4 off, I32x4 v) {
  for (int i = 0; i < 4; ++i) x[off.v[i]] = static_cast<int8_t>(static_cast<uint32_t>(v.v[i]) & 0xFF);
}
inline I32x4 mla_n(I32x4 acc, I32x4 v, int32_t s) {
  for (int i = 0; i < 4; ++i)
    acc.v[i] = static_cast<int32_t>(static_cast<uint32_t>(acc.v[i]) + static_cast<uint32_t>(v.v[i]) * static_cast<uint32_t>(s));
  return acc;
}
inline I32x4 add(I32x4 a, I32x4 b) {
  for (int i = 0; i < 4; ++i) a.v[i] = static_cast<int32_t>(static_cast<uint32_t>(a.v[i]) + static_cast<uint32_t>(b.v[i]));
  return a;
}
inline U32x4 bytes4(const void* x, Pred p = 4) {
  U32x4 r;
  for (int i = 0; i < 4; ++i) r.v[i] = i < p ? static_cast<const uint8_t*>(x)[i] : 0u;
  return r;
}
inline I32x4 lookup(const int32_t* t, U32x4 i) { return I32x4{{t[i.v[0]], t[i.v[1]], t[i.v[2]], t[i.v[3]]}}; }
inline I32x4 lanes(int32_t a, int32_t b, int32_t c, int32_t d) { return I32x4{{a, b, c, d}}; }
inline int32_t lane(I32x4 v, int i) { return v.v[i]; }
inline I32x4 mul_hi(I32x4 v, int32_t m) {
  for (int i = 0; i < 4; ++i)
    v.v[i] = static_cast<int32_t>((static_cast<int64_t>(v.v[i]) * static_cast<int64_t>(m)) >> 32);
  return v;
}
inline I32x4 add_n(I32x4 v, int32_t k) {
  for (int i = 0; i < 4; ++i) v.v[i] = static_cast<int32_t>(static_cast<uint32_t>(v.v[i]) + static_cast<uint32_t>(k));
  return v;
}
template <int S>
inline I32x4 shr(I32x4 v) {
  for (int i = 0; i < 4; ++i) v.v[i] >>= S;
  return v;
}
inline I32x4 shl(I32x4 v, int32_t l) {
  for (int i = 0; i < 4; ++i) v.v[i] = static_cast<int32_t>(static_cast<uint32_t>(v.v[i]) << l);
  return v;
}
inline I32x4 sar(I32x4 v, int32_t s) {
  for (int i = 0; i < 4; ++i) v.v[i] >>= s;
  return v;
}
inline I32x4 clamp(I32x4 v, int32_t lo, int32_t hi) {
  for (int i = 0; i < 4; ++i) v.v[i] = v.v[i] < lo ? lo : (v.v[i] > hi ? hi : v.v[i]);
  return v;
}
inline void fill_bytes(int8_t* d, int8_t v, int n) {
  for (int i = 0; i < n; ++i) d[i] = v;
}
inline void copy_bytes(int8_t* d, const int8_t* s, int n) {
  for (int i = 0; i < n; ++i) d[i] = s[i];
}
template <typename YT>
inline void store4(YT* y, I32x4 v, Pred p = 4) {
  for (int i = 0; i < p; ++i) y[i] = static_cast<YT>(static_cast<uint32_t>(v.v[i]) & 0xFF);
}
#endif

// --- output stage on four lanes of one channel: the first n (1..4) go to y[0..n) ---

template <typename YT>
inline void store_n(YT* y, I32x4 v, int n) {
  if (n >= 4) store4(y, v);
  else store4(y, v, first(n));
}
// RequantHalfUp's two instructions (SMMLA, shift) as VMULH, VADD, VSHR, then the clamp.
template <typename YT, int S, int LO, int HI>
struct VecHalfUp {
  int32_t m, k;
  void operator()(I32x4 acc, YT* y, int n) const { store_n(y, clamp(shr<S>(add_n(mul_hi(acc, m), k)), LO, HI), n); }
};
template <typename YT, int LO, int HI>
struct VecHalfUpShift {
  int32_t m, k, s, l;
  void operator()(I32x4 acc, YT* y, int n) const {
    store_n(y, clamp(sar(add_n(mul_hi(shl(acc, l), m), k), s), LO, HI), n);
  }
};
// Any other output stage, lane by lane.
template <typename Out>
struct VecScalar {
  const Out* out;
  int c;
  template <typename YT>
  void operator()(I32x4 acc, YT* y, int n) const {
    for (int i = 0; i < n; ++i) y[i] = (*out)(lane(acc, i), c);
  }
};

template <typename Out>
inline VecScalar<Out> vec_channel(const Out& o, int c) { return VecScalar<Out>{&o, c}; }
template <typename YT, int S, int LO, int HI>
inline VecHalfUp<YT, S, LO, HI> vec_channel(const RequantHalfUp<YT, S, LO, HI>& o, int c) {
  return VecHalfUp<YT, S, LO, HI>{o.mult[c], o.k};
}
template <typename YT, int S, int LO, int HI>
inline VecHalfUp<YT, S, LO, HI> vec_channel(const RequantHalfUpTensor<YT, S, LO, HI>& o, int) {
  return VecHalfUp<YT, S, LO, HI>{o.m, o.k};
}
template <typename YT, int LO, int HI>
inline VecHalfUpShift<YT, LO, HI> vec_channel(const RequantHalfUpShift<YT, LO, HI>& o, int c) {
  const auto ch = o.channel(c);
  return VecHalfUpShift<YT, LO, HI>{ch.m, ch.k, ch.s, ch.l};
}

}  // namespace mve
}  // namespace kiln

#endif  // KILN_MVE_H_
