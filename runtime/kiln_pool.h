// kiln runtime: pooling over NCDHW planes. The window kernels are 3-D; 2-D pools run with
// D = KD = 1 and 1-D ones also with H = KH = 1, which the compiler folds away. The batch and
// channel dims are one loop of C planes, since every plane is pooled alone.
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
template <>
inline int16_t pool_lowest<int16_t>() { return -32768; }

template <typename T, int C, int D, int H, int W, int KD, int KH, int KW, int OD, int OH, int OW, int SD,
          int SH, int SW, int PF, int PT, int PL, int DD, int DH, int DW>
inline void maxpool3d(const T* x, T* y) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * D * H * W;
    T* yc = y + c * OD * OH * OW;
    for (int od = 0; od < OD; ++od) {
      const int id0 = od * SD - PF;
      int kd0, kd1;
      window_taps<KD, DD>(id0, 0, D, &kd0, &kd1);
      for (int oh = 0; oh < OH; ++oh) {
        const int ih0 = oh * SH - PT;
        int kh0, kh1;
        window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
        for (int ow = 0; ow < OW; ++ow) {
          const int iw0 = ow * SW - PL;
          int kw0, kw1;
          window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
          T m = pool_lowest<T>();
          for (int kd = kd0; kd < kd1; ++kd) {
            for (int kh = kh0; kh < kh1; ++kh) {
              const T* xr = xc + ((id0 + kd * DD) * H + ih0 + kh * DH) * W + iw0;
              for (int kw = kw0; kw < kw1; ++kw) m = max_of(m, xr[kw * DW]);
            }
          }
          yc[(od * OH + oh) * OW + ow] = m;
        }
      }
    }
  }
}

template <typename T, int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int DH, int DW>
inline void maxpool2d(const T* x, T* y) {
  maxpool3d<T, C, 1, H, W, 1, KH, KW, 1, OH, OW, 1, SH, SW, 0, PT, PL, 1, DH, DW>(x, y);
}

// MaxPool's Indices output: the flat index of each maximum in x (the first one on ties), rows
// first, or with COL_MAJOR (storage_order=1) the first spatial dim varying fastest.
template <typename T, int C, int D, int H, int W, int KD, int KH, int KW, int OD, int OH, int OW, int SD,
          int SH, int SW, int PF, int PT, int PL, int DD, int DH, int DW, bool COL_MAJOR>
inline void maxpool3d_indices(const T* x, T* y, int64_t* idx) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * D * H * W;
    for (int od = 0; od < OD; ++od) {
      const int id0 = od * SD - PF;
      int kd0, kd1;
      window_taps<KD, DD>(id0, 0, D, &kd0, &kd1);
      for (int oh = 0; oh < OH; ++oh) {
        const int ih0 = oh * SH - PT;
        int kh0, kh1;
        window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
        for (int ow = 0; ow < OW; ++ow) {
          const int iw0 = ow * SW - PL;
          int kw0, kw1;
          window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
          T m = pool_lowest<T>();
          int at = -1;
          for (int kd = kd0; kd < kd1; ++kd) {
            const int id = id0 + kd * DD;
            for (int kh = kh0; kh < kh1; ++kh) {
              const int ih = ih0 + kh * DH;
              for (int kw = kw0; kw < kw1; ++kw) {
                const int iw = iw0 + kw * DW;
                const T v = xc[(id * H + ih) * W + iw];
                if (at < 0 || m < v) {
                  m = v;
                  at = COL_MAJOR ? (iw * H + ih) * D + id : (id * H + ih) * W + iw;
                }
              }
            }
          }
          const int o = ((c * OD + od) * OH + oh) * OW + ow;
          y[o] = m;
          idx[o] = static_cast<int64_t>(c) * D * H * W + (at < 0 ? 0 : at);
        }
      }
    }
  }
}

template <typename T, int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int DH, int DW, bool COL_MAJOR>
inline void maxpool2d_indices(const T* x, T* y, int64_t* idx) {
  maxpool3d_indices<T, C, 1, H, W, 1, KH, KW, 1, OH, OW, 1, SH, SW, 0, PT, PL, 1, DH, DW, COL_MAJOR>(x, y, idx);
}

// Average over the window's taps inside the input, divided by their count, or with INCLUDE_PAD
// by the count of taps inside the padded input [-PF, D + PK) x [-PT, H + PB) x [-PL, W + PR).
template <typename T, int C, int D, int H, int W, int KD, int KH, int KW, int OD, int OH, int OW, int SD,
          int SH, int SW, int PF, int PT, int PL, int PK, int PB, int PR, int DD, int DH, int DW,
          bool INCLUDE_PAD>
inline void avgpool3d(const T* x, T* y) {
  for (int c = 0; c < C; ++c) {
    const T* xc = x + c * D * H * W;
    T* yc = y + c * OD * OH * OW;
    for (int od = 0; od < OD; ++od) {
      const int id0 = od * SD - PF;
      int kd0, kd1, pd0, pd1;
      window_taps<KD, DD>(id0, 0, D, &kd0, &kd1);
      window_taps<KD, DD>(id0, -PF, D + PK, &pd0, &pd1);
      for (int oh = 0; oh < OH; ++oh) {
        const int ih0 = oh * SH - PT;
        int kh0, kh1, ph0, ph1;
        window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
        window_taps<KH, DH>(ih0, -PT, H + PB, &ph0, &ph1);
        for (int ow = 0; ow < OW; ++ow) {
          const int iw0 = ow * SW - PL;
          int kw0, kw1, pw0, pw1;
          window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
          window_taps<KW, DW>(iw0, -PL, W + PR, &pw0, &pw1);
          T s = T(0);
          for (int kd = kd0; kd < kd1; ++kd) {
            for (int kh = kh0; kh < kh1; ++kh) {
              const T* xr = xc + ((id0 + kd * DD) * H + ih0 + kh * DH) * W + iw0;
              for (int kw = kw0; kw < kw1; ++kw) s += xr[kw * DW];
            }
          }
          const int n = INCLUDE_PAD ? (pd1 - pd0) * (ph1 - ph0) * (pw1 - pw0) : (kd1 - kd0) * (kh1 - kh0) * (kw1 - kw0);
          yc[(od * OH + oh) * OW + ow] = n > 0 ? s / static_cast<T>(n) : T(0);
        }
      }
    }
  }
}

template <typename T, int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int PB, int PR, int DH, int DW, bool INCLUDE_PAD>
inline void avgpool2d(const T* x, T* y) {
  avgpool3d<T, C, 1, H, W, 1, KH, KW, 1, OH, OW, 1, SH, SW, 0, PT, PL, 0, PB, PR, 1, DH, DW, INCLUDE_PAD>(x, y);
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
