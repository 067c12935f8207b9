// kiln runtime: convolution (NCDHW, weights [M, C/G, KD, KH, KW]). The kernels are 3-D; 2-D
// convolutions run with D = KD = 1 and 1-D ones also with H = KH = 1, which the compiler folds away.
#ifndef KILN_CONV_H_
#define KILN_CONV_H_

#include "kiln_base.h"

namespace kiln {

// First output index (>= 0) whose window starts at or after input index 0, and one past the last
// whose window ends inside an input of N values: outputs between need no bounds checks.
constexpr int conv_inner_begin(int P, int S) { return P <= 0 ? 0 : (P + S - 1) / S; }
constexpr int conv_inner_end(int N, int K, int S, int P, int D, int O) {
  return N - 1 - (K - 1) * D + P < 0 ? 0
         : (N - 1 - (K - 1) * D + P) / S + 1 < O ? (N - 1 - (K - 1) * D + P) / S + 1 : O;
}

// Depthwise convolution (one input and one output channel per group). Inside the input, four
// neighbouring outputs of a row share each weight load; the border outputs take the checked path.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
inline void depthwise2d(const float* x, const float* w, const float* bias, float* y, Act act) {
  constexpr int kBegin = conv_inner_begin(PL, SW);
  constexpr int kEnd = conv_inner_end(W, KW, SW, PL, DW, OW);
  for (int c = 0; c < C; ++c) {
    const float* xc = x + c * H * W;
    const float* wc = w + c * KH * KW;
    const float b = bias ? bias[c] : 0.0f;
    float* yc = y + c * OH * OW;
    for (int oh = 0; oh < OH; ++oh) {
      const int ih0 = oh * SH - PT;
      int kh0, kh1;
      window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
      auto one = [&](int ow) {
        const int iw0 = ow * SW - PL;
        int kw0, kw1;
        window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
        float acc = b;
        for (int kh = kh0; kh < kh1; ++kh) {
          const float* xr = xc + (ih0 + kh * DH) * W + iw0;
          for (int kw = kw0; kw < kw1; ++kw) acc += xr[kw * DW] * wc[kh * KW + kw];
        }
        yc[oh * OW + ow] = act(acc);
      };
      int ow = 0;
      for (; ow < kBegin && ow < OW; ++ow) one(ow);
      for (; ow + 4 <= kEnd; ow += 4) {
        float a0 = b, a1 = b, a2 = b, a3 = b;
        for (int kh = kh0; kh < kh1; ++kh) {
          const float* xr = xc + (ih0 + kh * DH) * W + ow * SW - PL;
          const float* wr = wc + kh * KW;
          for (int kw = 0; kw < KW; ++kw) {
            const float wv = wr[kw];
            a0 += wv * xr[kw * DW];
            a1 += wv * xr[SW + kw * DW];
            a2 += wv * xr[2 * SW + kw * DW];
            a3 += wv * xr[3 * SW + kw * DW];
          }
        }
        float* yr = yc + oh * OW + ow;
        yr[0] = act(a0);
        yr[1] = act(a1);
        yr[2] = act(a2);
        yr[3] = act(a3);
      }
      for (; ow < OW; ++ow) one(ow);
    }
  }
}

// Depthwise convolution in place: the output overwrites the input. Channel c's outputs go to a
// one-channel temporary `tmp` [OH*OW] and are then copied to the output's channel c, which lies
// at or below the input's channel c (OH*OW <= H*W), so only already-consumed input is overwritten.
// The arena then needs one channel's temporary instead of a second whole tensor.
template <int C, int H, int W, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL,
          int DH, int DW, typename Act>
inline void depthwise2d_inplace(float* xy, const float* w, const float* bias, float* tmp, Act act) {
  static_assert(OH * OW <= H * W, "in-place depthwise needs an output no larger than its input");
  for (int c = 0; c < C; ++c) {
    depthwise2d<1, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(xy + c * H * W, w + c * KH * KW,
                                                                 bias ? bias + c : bias, tmp, act);
    float* yc = xy + c * OH * OW;
    for (int i = 0; i < OH * OW; ++i) yc[i] = tmp[i];
  }
}

// Pointwise (1x1, stride 1, unpadded, ungrouped) convolution in place, NCHW: Y[M, P] = W[M, C] . X[C, P]
// where X starts at Y or K whole channel planes after it (x == y + K * P, 0 <= K, and K <= M - C
// when M > C). Element (c, q) of X and element (m, p) of Y then share an address only when
// m == c + K and q == p (p, q < P): writing output pixel p clobbers only input pixel p. Each block
// of B pixels is first gathered into `tmp` [C * B] and its outputs are then written from there,
// so a block's inputs are saved before any of its outputs land and later blocks are untouched.
// (Pixel-interleaved layouts would need the input at the output's end and a forward pixel order;
// in NCHW the planes line up and any plane offset works.)
template <int C, int P, int M, int B, typename Act>
inline void pointwise_inplace(const float* x, float* y, const float* w, const float* bias, float* tmp, Act act) {
  static_assert(B == 4, "blocks of four pixels (the accumulators below)");
  for (int p0 = 0; p0 < P; p0 += 4) {
    const int nb = P - p0 < 4 ? P - p0 : 4;
    for (int c = 0; c < C; ++c)
      for (int j = 0; j < 4; ++j) tmp[c * 4 + j] = j < nb ? x[c * P + p0 + j] : 0.0f;
    // Two output channels by four pixels share each load; sums start at zero and take the bias
    // last, as the out-of-place matrix product (kiln::gemm_nn) does, so results are identical.
    for (int m = 0; m < M; m += 2) {
      const bool pair = m + 1 < M;
      const float* w0 = w + m * C;
      const float* w1 = pair ? w0 + C : w0;
      float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f;
      const float* t = tmp;
      for (int c = 0; c < C; ++c, t += 4) {
        const float u = w0[c], v = w1[c];
        a0 += u * t[0];
        a1 += u * t[1];
        a2 += u * t[2];
        a3 += u * t[3];
        b0 += v * t[0];
        b1 += v * t[1];
        b2 += v * t[2];
        b3 += v * t[3];
      }
      const float a[4] = {a0, a1, a2, a3}, b[4] = {b0, b1, b2, b3};
      for (int j = 0; j < nb; ++j) {
        y[m * P + p0 + j] = act(bias ? a[j] + bias[m] : a[j]);
        if (pair) y[(m + 1) * P + p0 + j] = act(bias ? b[j] + bias[m + 1] : b[j]);
      }
    }
  }
}

// Direct convolution. Every shape, stride, pad and dilation is a template constant, so the
// window loops have literal bounds. Per output position the valid kernel range of each dim is
// computed once, so the inner loop carries no bounds checks. Output channels go four at a time
// where the group has four: each input value loaded then feeds four multiply-adds into four
// register accumulators. `bias` may be null. Pads are front (PF), top (PT) and left (PL).
template <int C, int D, int H, int W, int M, int KD, int KH, int KW, int OD, int OH, int OW, int SD, int SH,
          int SW, int PF, int PT, int PL, int DD, int DH, int DW, int G, typename Act>
inline void conv3d(const float* x, const float* w, const float* bias, float* y, Act act) {
  constexpr int CG = C / G;  // input channels per group
  constexpr int MG = M / G;  // output channels per group
  constexpr int WM = CG * KD * KH * KW;  // weights per output channel
  constexpr int OP = OD * OH * OW;  // outputs per channel
  // A 2-D (or 1-D) convolution: one input plane per channel, its tap range a constant, so the
  // code is the plain 2-D loop nest (computing it at run time changes GCC's code for 2-D models).
  constexpr bool kFlat = D == 1 && KD == 1 && OD == 1 && PF == 0;
  if (kFlat && CG == 1 && MG == 1) {
    depthwise2d<C, H, W, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(x, w, bias, y, act);
    return;
  }
  for (int g = 0; g < G; ++g) {
    const float* xg = x + g * CG * D * H * W;
    int mm = 0;
    for (; mm + 4 <= MG; mm += 4) {
      const int m = g * MG + mm;
      const float* w0 = w + m * WM;
      const float b0 = bias ? bias[m] : 0.0f, b1 = bias ? bias[m + 1] : 0.0f;
      const float b2 = bias ? bias[m + 2] : 0.0f, b3 = bias ? bias[m + 3] : 0.0f;
      float* y0 = y + m * OP;
      for (int od = 0; od < OD; ++od) {
        const int id0 = od * SD - PF;
        int kd0 = 0, kd1 = 1;
        if (!kFlat) window_taps<KD, DD>(id0, 0, D, &kd0, &kd1);
        for (int oh = 0; oh < OH; ++oh) {
          const int ih0 = oh * SH - PT;
          int kh0, kh1;
          window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
          for (int ow = 0; ow < OW; ++ow) {
            const int iw0 = ow * SW - PL;
            int kw0, kw1;
            window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
            float a0 = b0, a1 = b1, a2 = b2, a3 = b3;
            for (int c = 0; c < CG; ++c) {
              for (int kd = kd0; kd < kd1; ++kd) {
                for (int kh = kh0; kh < kh1; ++kh) {
                  const float* xr = xg + ((c * D + id0 + kd * DD) * H + ih0 + kh * DH) * W + iw0;
                  const float* wr = w0 + ((c * KD + kd) * KH + kh) * KW;
                  for (int kw = kw0; kw < kw1; ++kw) {
                    const float xv = xr[kw * DW];
                    a0 += xv * wr[kw];
                    a1 += xv * wr[WM + kw];
                    a2 += xv * wr[2 * WM + kw];
                    a3 += xv * wr[3 * WM + kw];
                  }
                }
              }
            }
            const int o = (od * OH + oh) * OW + ow;
            y0[o] = act(a0);
            y0[OP + o] = act(a1);
            y0[2 * OP + o] = act(a2);
            y0[3 * OP + o] = act(a3);
          }
        }
      }
    }
    for (; mm < MG; ++mm) {
      const int m = g * MG + mm;
      const float b = bias ? bias[m] : 0.0f;
      const float* wm = w + m * WM;
      float* ym = y + m * OP;
      for (int od = 0; od < OD; ++od) {
        const int id0 = od * SD - PF;
        int kd0 = 0, kd1 = 1;
        if (!kFlat) window_taps<KD, DD>(id0, 0, D, &kd0, &kd1);
        for (int oh = 0; oh < OH; ++oh) {
          const int ih0 = oh * SH - PT;
          int kh0, kh1;
          window_taps<KH, DH>(ih0, 0, H, &kh0, &kh1);
          for (int ow = 0; ow < OW; ++ow) {
            const int iw0 = ow * SW - PL;
            int kw0, kw1;
            window_taps<KW, DW>(iw0, 0, W, &kw0, &kw1);
            float acc = b;
            for (int c = 0; c < CG; ++c) {
              for (int kd = kd0; kd < kd1; ++kd) {
                for (int kh = kh0; kh < kh1; ++kh) {
                  const float* xr = xg + ((c * D + id0 + kd * DD) * H + ih0 + kh * DH) * W + iw0;
                  const float* wr = wm + ((c * KD + kd) * KH + kh) * KW;
                  for (int kw = kw0; kw < kw1; ++kw) acc += xr[kw * DW] * wr[kw];
                }
              }
            }
            ym[(od * OH + oh) * OW + ow] = act(acc);
          }
        }
      }
    }
  }
}

template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int DH, int DW, int G, typename Act>
inline void conv2d(const float* x, const float* w, const float* bias, float* y, Act act) {
  conv3d<C, 1, H, W, M, 1, KH, KW, 1, OH, OW, 1, SH, SW, 0, PT, PL, 1, DH, DW, G>(x, w, bias, y, act);
}

// Transposed convolution (weights [C, M/G, KD, KH, KW]) as a scatter: y starts at the bias,
// every input value adds its products with the kernel into the outputs it reaches, then the
// activation is applied in a last pass. Output padding is simply part of OD / OH / OW.
template <int C, int D, int H, int W, int M, int KD, int KH, int KW, int OD, int OH, int OW, int SD, int SH,
          int SW, int PF, int PT, int PL, int DD, int DH, int DW, int G, typename Act>
inline void conv_transpose3d(const float* x, const float* w, const float* bias, float* y, Act act) {
  constexpr int CG = C / G;  // input channels per group
  constexpr int MG = M / G;  // output channels per group
  constexpr int OP = OD * OH * OW;  // outputs per channel
  for (int m = 0; m < M; ++m) {
    const float b = bias ? bias[m] : 0.0f;
    for (int i = 0; i < OP; ++i) y[m * OP + i] = b;
  }
  for (int c = 0; c < C; ++c) {
    const int g = c / CG;
    const float* xc = x + c * D * H * W;
    for (int id = 0; id < D; ++id) {
      const int od0 = id * SD - PF;
      int kd0, kd1;
      window_taps<KD, DD>(od0, 0, OD, &kd0, &kd1);
      for (int ih = 0; ih < H; ++ih) {
        const int oh0 = ih * SH - PT;
        int kh0, kh1;
        window_taps<KH, DH>(oh0, 0, OH, &kh0, &kh1);
        for (int iw = 0; iw < W; ++iw) {
          const int ow0 = iw * SW - PL;
          int kw0, kw1;
          window_taps<KW, DW>(ow0, 0, OW, &kw0, &kw1);
          const float xv = xc[(id * H + ih) * W + iw];
          for (int mm = 0; mm < MG; ++mm) {
            const float* wk = w + (c * MG + mm) * KD * KH * KW;
            float* ym = y + (g * MG + mm) * OP;
            for (int kd = kd0; kd < kd1; ++kd) {
              for (int kh = kh0; kh < kh1; ++kh) {
                float* yr = ym + ((od0 + kd * DD) * OH + oh0 + kh * DH) * OW + ow0;
                const float* wr = wk + (kd * KH + kh) * KW;
                for (int kw = kw0; kw < kw1; ++kw) yr[kw * DW] += xv * wr[kw];
              }
            }
          }
        }
      }
    }
  }
  for (int i = 0; i < M * OP; ++i) y[i] = act(y[i]);
}

template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT,
          int PL, int DH, int DW, int G, typename Act>
inline void conv_transpose2d(const float* x, const float* w, const float* bias, float* y, Act act) {
  conv_transpose3d<C, 1, H, W, M, 1, KH, KW, 1, OH, OW, 1, SH, SW, 0, PT, PL, 1, DH, DW, G>(x, w, bias, y, act);
}

}  // namespace kiln

#endif  // KILN_CONV_H_
