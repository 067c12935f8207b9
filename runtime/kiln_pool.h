// kiln runtime: pooling over NCHW planes (1-D pools run with H = 1). The batch and channel dims
// are one loop of C planes, since every plane is pooled alone.
#ifndef KILN_POOL_H_
#define KILN_POOL_H_

#include "kiln_base.h"

namespace kiln {

// The value below every element: the start of a max and the result of an empty window.
template <typename T>
inline T pool_lowest() { return static_cast<T>(-HUGE_VAL); }
template <>
inline int8_t pool_lowest<int8_t>() { return -128; }
template <>
inline uint8_t pool_lowest<uint8_t>() { return 0; }

// First and one-past-last kernel taps of a window starting at input index i0 that fall inside
// [lo, hi): the loops below then need no bounds checks.
template <int K, int D>
inline void pool_taps(int i0, int lo, int hi, int* k0, int* k1) {
  // Closed forms (no loops): the first k with i0 + k * D >= lo, and one past the last k < K
  // with i0 + k * D < hi.
  const int a = i0 >= lo ? 0 : (lo - i0 + D - 1) / D;
  const int b = i0 >= hi ? 0 : (hi - 1 - i0) / D + 1;
  *k0 = a < K ? a : K;
  *k1 = b < *k0 ? *k0 : (b < K ? b : K);
}

template <typename T, int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int DH, int DW>
inline void maxpool2d(const T* x, T* y) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * H * W;
    T* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      const int ih0 = oh * SH - PT;
      int kh0, kh1;
      pool_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
      for (int ow = 0; ow < OW; ++ow) {
        const int iw0 = ow * SW - PL;
        int kw0, kw1;
        pool_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
        T m = pool_lowest<T>();
        for (int kh = kh0; kh < kh1; ++kh) {
          const T* xr = xc + (ih0 + kh * DH) * W + iw0;
          for (int kw = kw0; kw < kw1; ++kw) m = max_of(m, xr[kw * DW]);
        }
        yc[oh * OW + ow] = m;
      }
    }
  }
}

// MaxPool's Indices output: the flat index of each maximum in x (the first one on ties), rows
// first, or with COL_MAJOR (storage_order=1) columns first.
template <typename T, int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int DH, int DW, bool COL_MAJOR>
inline void maxpool2d_indices(const T* x, T* y, int64_t* idx) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * H * W;
    for (int oh = 0; oh < OH; ++oh) {
      const int ih0 = oh * SH - PT;
      int kh0, kh1;
      pool_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
      for (int ow = 0; ow < OW; ++ow) {
        const int iw0 = ow * SW - PL;
        int kw0, kw1;
        pool_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
        T m = pool_lowest<T>();
        int at = -1;
        for (int kh = kh0; kh < kh1; ++kh) {
          const int ih = ih0 + kh * DH;
          for (int kw = kw0; kw < kw1; ++kw) {
            const int iw = iw0 + kw * DW;
            if (at < 0 || m < xc[ih * W + iw]) {
              m = xc[ih * W + iw];
              at = COL_MAJOR ? iw * H + ih : ih * W + iw;
            }
          }
        }
        y[(c * OH + oh) * OW + ow] = m;
        idx[(c * OH + oh) * OW + ow] = static_cast<int64_t>(c) * H * W + (at < 0 ? 0 : at);
      }
    }
  }
}

// Average over the window's taps inside the input, divided by their count, or with
// INCLUDE_PAD by the count of taps inside the padded input [-PT, H + PB) x [-PL, W + PR).
template <typename T, int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int PB, int PR, int DH, int DW, bool INCLUDE_PAD>
inline void avgpool2d(const T* x, T* y) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * H * W;
    T* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      const int ih0 = oh * SH - PT;
      int kh0, kh1, ph0, ph1;
      pool_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
      pool_taps<KH, DH>(ih0, -PT, H + PB, &ph0, &ph1);
      for (int ow = 0; ow < OW; ++ow) {
        const int iw0 = ow * SW - PL;
        int kw0, kw1, pw0, pw1;
        pool_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
        pool_taps<KW, DW>(iw0, -PL, W + PR, &pw0, &pw1);
        T s = T(0);
        for (int kh = kh0; kh < kh1; ++kh) {
          const T* xr = xc + (ih0 + kh * DH) * W + iw0;
          for (int kw = kw0; kw < kw1; ++kw) s += xr[kw * DW];
        }
        const int n = INCLUDE_PAD ? (ph1 - ph0) * (pw1 - pw0) : (kh1 - kh0) * (kw1 - kw0);
        yc[oh * OW + ow] = n > 0 ? s / static_cast<T>(n) : T(0);
      }
    }
  }
}

template <typename T, int C, int HW>
inline void global_avgpool(const T* x, T* y) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * HW;
    T s = T(0);
    for (int i = 0; i < HW; ++i) s += xc[i];
    y[c] = s / static_cast<T>(HW);
  }
}

template <typename T, int C, int HW>
inline void global_maxpool(const T* x, T* y) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * HW;
    T m = pool_lowest<T>();
    for (int i = 0; i < HW; ++i) m = max_of(m, xc[i]);
    y[c] = m;
  }
}

}  // namespace kiln

#endif  // KILN_POOL_H_
