// kiln runtime: recurrent layers (ONNX RNN, GRU, LSTM), float32, layout 0 or 1 (BatchFirst).
//
// Each call runs one direction over the whole sequence for every batch row: X is [S, B, I] (or
// [B, S, I]), the weights are that direction's [gates*H, I] and [gates*H, H] blocks, and state and
// outputs pointers come with the direction's offset already applied (see rnn_detail::Strides). Optional
// inputs and outputs are null pointers. The recurrent state lives on the stack (at most 3*H
// floats), so initial state and outputs may be graph inputs/outputs carried between calls.
#ifndef KILN_RNN_H_
#define KILN_RNN_H_

#include "kiln_base.h"

namespace kiln {

// Gate activations (ONNX names).
struct RnnSigmoid {
  float operator()(float v) const { return 1.0f / (1.0f + expf(-v)); }
};
struct RnnTanh {
  float operator()(float v) const { return tanhf(v); }
};
struct RnnRelu {
  float operator()(float v) const { return v < 0.0f ? 0.0f : v; }
};

namespace rnn_detail {

// Element strides of one direction's data for ND directions: per step t and per batch row b of X
// and Y, and per batch row of the states (initial_h/c, Y_h, Y_c). Layout 0: X [S, B, I],
// Y [S, ND, B, H], states [ND, B, H]; BatchFirst (layout 1): X [B, S, I], Y [B, S, ND, H],
// states [B, ND, H].
template <int S, int B, int I, int H, int ND, bool BatchFirst>
struct Strides {
  static constexpr int kXt = BatchFirst ? I : B * I;
  static constexpr int kXb = BatchFirst ? S * I : I;
  static constexpr int kYt = BatchFirst ? ND * H : ND * B * H;
  static constexpr int kYb = BatchFirst ? S * ND * H : H;
  static constexpr int kState = BatchFirst ? ND * H : H;
};

template <int N>
inline float dot(const float* a, const float* b) {
  float s = 0.0f;
  for (int i = 0; i < N; ++i) s += a[i] * b[i];
  return s;
}

// The `clip` attribute bounds every activation's input; infinity when absent.
inline float clamp_abs(float v, float c) { return v < -c ? -c : (v > c ? c : v); }

template <int H>
inline void load_state(const float* init, float* s) {
  for (int j = 0; j < H; ++j) s[j] = init ? init[j] : 0.0f;
}

template <int H>
inline void store(const float* s, float* out) {
  if (out)
    for (int j = 0; j < H; ++j) out[j] = s[j];
}

// Gate k's pre-activation for unit j: x.W[k*H+j] + h.R[k*H+j] + Wb[k*H+j] + Rb[k*H+j], where the
// bias holds `Gates` input biases then `Gates` recurrent ones.
template <int I, int H, int Gates>
inline float gate(const float* xt, const float* h, const float* w, const float* r, const float* bias, int k, int j) {
  const int row = k * H + j;
  float a = dot<I>(xt, w + row * I) + dot<H>(h, r + row * H);
  return bias ? a + bias[row] + bias[Gates * H + row] : a;
}

}  // namespace rnn_detail

// H_t = f(x_t W^T + H_{t-1} R^T + Wb + Rb).
template <int S, int B, int I, int H, int ND, bool BatchFirst, bool Reverse, typename F>
inline void rnn(const float* x, const float* w, const float* r, const float* bias, const float* h0, float* y,
                float* yh, float clip, F f) {
  using L = rnn_detail::Strides<S, B, I, H, ND, BatchFirst>;
  for (int b = 0; b < B; ++b) {
    float h[H], hn[H];
    rnn_detail::load_state<H>(h0 ? h0 + b * L::kState : nullptr, h);
    for (int s = 0; s < S; ++s) {
      const int t = Reverse ? S - 1 - s : s;
      const float* xt = x + t * L::kXt + b * L::kXb;
      for (int j = 0; j < H; ++j)
        hn[j] = f(rnn_detail::clamp_abs(rnn_detail::gate<I, H, 1>(xt, h, w, r, bias, 0, j), clip));
      for (int j = 0; j < H; ++j) h[j] = hn[j];
      rnn_detail::store<H>(h, y ? y + t * L::kYt + b * L::kYb : nullptr);
    }
    rnn_detail::store<H>(h, yh ? yh + b * L::kState : nullptr);
  }
}

// Gates z, r, h. LinearBeforeReset applies the reset gate after the recurrent product:
//   h~ = g(x Wh + Wbh + r * (H Rh + Rbh))   instead of   g(x Wh + Wbh + (r * H) Rh + Rbh).
template <int S, int B, int I, int H, int ND, bool BatchFirst, bool Reverse, bool LinearBeforeReset, typename F, typename G>
inline void gru(const float* x, const float* w, const float* r, const float* bias, const float* h0, float* y,
                float* yh, float clip, F f, G g) {
  using rnn_detail::clamp_abs;
  using L = rnn_detail::Strides<S, B, I, H, ND, BatchFirst>;
  for (int b = 0; b < B; ++b) {
    float h[H], z[H], rh[H];  // z then the new state; rh is r (LinearBeforeReset) or r * H
    rnn_detail::load_state<H>(h0 ? h0 + b * L::kState : nullptr, h);
    for (int s = 0; s < S; ++s) {
      const int t = Reverse ? S - 1 - s : s;
      const float* xt = x + t * L::kXt + b * L::kXb;
      for (int j = 0; j < H; ++j) {
        z[j] = f(clamp_abs(rnn_detail::gate<I, H, 3>(xt, h, w, r, bias, 0, j), clip));
        const float rt = f(clamp_abs(rnn_detail::gate<I, H, 3>(xt, h, w, r, bias, 1, j), clip));
        rh[j] = LinearBeforeReset ? rt : rt * h[j];
      }
      for (int j = 0; j < H; ++j) {
        const int row = 2 * H + j;
        float a = rnn_detail::dot<I>(xt, w + row * I) + (bias ? bias[row] : 0.0f);
        const float rb = bias ? bias[3 * H + row] : 0.0f;
        if (LinearBeforeReset)
          a += rh[j] * (rnn_detail::dot<H>(h, r + row * H) + rb);
        else
          a += rnn_detail::dot<H>(rh, r + row * H) + rb;
        const float ht = g(clamp_abs(a, clip));
        z[j] = (1.0f - z[j]) * ht + z[j] * h[j];
      }
      for (int j = 0; j < H; ++j) h[j] = z[j];
      rnn_detail::store<H>(h, y ? y + t * L::kYt + b * L::kYb : nullptr);
    }
    rnn_detail::store<H>(h, yh ? yh + b * L::kState : nullptr);
  }
}

// Gates i, o, f, c; peepholes p = [Pi, Po, Pf] (may be null). Activations: f for the gates, g for
// the cell candidate, hf for the output (ONNX f, g, h).
template <int S, int B, int I, int H, int ND, bool BatchFirst, bool Reverse, typename F, typename G, typename Hf>
inline void lstm(const float* x, const float* w, const float* r, const float* bias, const float* p, const float* h0,
                 const float* c0, float* y, float* yh, float* yc, float clip, F f, G g, Hf hf) {
  using rnn_detail::clamp_abs;
  using L = rnn_detail::Strides<S, B, I, H, ND, BatchFirst>;
  for (int b = 0; b < B; ++b) {
    float h[H], hn[H], c[H];
    rnn_detail::load_state<H>(h0 ? h0 + b * L::kState : nullptr, h);
    rnn_detail::load_state<H>(c0 ? c0 + b * L::kState : nullptr, c);
    for (int s = 0; s < S; ++s) {
      const int t = Reverse ? S - 1 - s : s;
      const float* xt = x + t * L::kXt + b * L::kXb;
      for (int j = 0; j < H; ++j) {
        float gi = rnn_detail::gate<I, H, 4>(xt, h, w, r, bias, 0, j);
        float go = rnn_detail::gate<I, H, 4>(xt, h, w, r, bias, 1, j);
        float gf = rnn_detail::gate<I, H, 4>(xt, h, w, r, bias, 2, j);
        const float gc = rnn_detail::gate<I, H, 4>(xt, h, w, r, bias, 3, j);
        if (p) {
          gi += p[j] * c[j];
          gf += p[2 * H + j] * c[j];
        }
        c[j] = f(clamp_abs(gf, clip)) * c[j] + f(clamp_abs(gi, clip)) * g(clamp_abs(gc, clip));
        if (p) go += p[H + j] * c[j];  // the output gate peeks at the new cell
        hn[j] = f(clamp_abs(go, clip)) * hf(c[j]);
      }
      for (int j = 0; j < H; ++j) h[j] = hn[j];
      rnn_detail::store<H>(h, y ? y + t * L::kYt + b * L::kYb : nullptr);
    }
    rnn_detail::store<H>(h, yh ? yh + b * L::kState : nullptr);
    rnn_detail::store<H>(c, yc ? yc + b * L::kState : nullptr);
  }
}

}  // namespace kiln

#endif  // KILN_RNN_H_
