// kiln runtime: convolution (NCHW, weights [M, C/G, KH, KW]); 1-D convolutions run with H = 1.
#ifndef KILN_CONV_H_
#define KILN_CONV_H_

#include "kiln_base.h"

namespace kiln {

// Direct convolution. Every shape, stride, pad and dilation is a template constant, so the
// window loops have literal bounds. Per output row/column the valid kernel range is computed
// once, so the inner loop carries no bounds checks. `bias` may be null.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int DH, int DW, int G, typename Act>
inline void conv2d(const float* x, const float* w, const float* bias, float* y, Act act) {
  constexpr int CG = C / G;  // input channels per group
  constexpr int MG = M / G;  // output channels per group
  for (int g = 0; g < G; ++g) {
    for (int mm = 0; mm < MG; ++mm) {
      const int m = g * MG + mm;
      const float b = bias ? bias[m] : 0.0f;
      const float* wm = w + m * CG * KH * KW;
      float* ym = y + m * OH * OW;
      for (int oh = 0; oh < OH; ++oh) {
        const int ih0 = oh * SH - PT;
        int kh0 = 0, kh1 = KH;
        while (kh0 < KH && ih0 + kh0 * DH < 0) ++kh0;
        while (kh1 > kh0 && ih0 + (kh1 - 1) * DH >= H) --kh1;
        for (int ow = 0; ow < OW; ++ow) {
          const int iw0 = ow * SW - PL;
          int kw0 = 0, kw1 = KW;
          while (kw0 < KW && iw0 + kw0 * DW < 0) ++kw0;
          while (kw1 > kw0 && iw0 + (kw1 - 1) * DW >= W) --kw1;
          float acc = b;
          for (int c = 0; c < CG; ++c) {
            const float* xc = x + (g * CG + c) * H * W;
            const float* wc = wm + c * KH * KW;
            for (int kh = kh0; kh < kh1; ++kh) {
              const float* xr = xc + (ih0 + kh * DH) * W + iw0;
              const float* wr = wc + kh * KW;
              for (int kw = kw0; kw < kw1; ++kw) acc += xr[kw * DW] * wr[kw];
            }
          }
          ym[oh * OW + ow] = act(acc);
        }
      }
    }
  }
}

}  // namespace kiln

#endif  // KILN_CONV_H_
