// RNN (opset 7..17): H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb), float32. Directions forward,
// reverse and bidirectional; activations Tanh (default), Sigmoid, Relu; clip; optional B,
// initial_h (may be a graph input: streaming models carry state that way) and sequence_lens
// (only when constant and equal to the sequence length). Layout 0 and 1 (batch-first). Not
// supported: per-row sequence lengths.
#include <algorithm>

#include "compiler/ops/rnn_util.h"

namespace kiln {
namespace {

const RnnSchema kSchema = {1, {"Tanh"}};

Status infer(OpCtx& ctx) { return rnn_infer(ctx, kSchema); }

Status eval(OpCtx& ctx) {
  RnnGeom g;
  KILN_TRY(rnn_resolve(ctx, kSchema, &g));
  const int64_t S = g.S, B = g.B, I = g.I, H = g.H, ND = g.ND;
  const float* x = ctx.in(kRnnX).as<float>();
  const float* bias = rnn_in_data(ctx, kRnnB);
  const float* h0 = rnn_in_data(ctx, kRnnInitialH);
  float* y = ctx.has_output(0) ? ctx.out(0).as_mut<float>() : nullptr;
  float* yh = ctx.has_output(1) ? ctx.out(1).as_mut<float>() : nullptr;
  for (int64_t d = 0; d < ND; ++d) {
    const float* w = ctx.in(kRnnW).as<float>() + d * H * I;
    const float* r = ctx.in(kRnnR).as<float>() + d * H * H;
    const float* bd = bias ? bias + d * 2 * H : nullptr;
    for (int64_t b = 0; b < B; ++b) {
      std::vector<double> h(H), hn(H);
      for (int64_t j = 0; j < H; ++j) h[j] = h0 ? h0[g.state_at(d, b) + j] : 0.0;
      for (int64_t s = 0; s < S; ++s) {
        const int64_t t = g.reversed(d) ? S - 1 - s : s;
        const float* xt = x + g.x_at(t, b);
        for (int64_t j = 0; j < H; ++j) {
          double a = bd ? static_cast<double>(bd[j]) + bd[H + j] : 0.0;
          for (int64_t k = 0; k < I; ++k) a += static_cast<double>(xt[k]) * w[j * I + k];
          for (int64_t k = 0; k < H; ++k) a += h[k] * r[j * H + k];
          hn[j] = rnn_act(g.acts[d], std::clamp<double>(a, -g.clip, g.clip));
        }
        h = hn;
        if (y)
          for (int64_t j = 0; j < H; ++j) y[g.y_at(t, d, b) + j] = static_cast<float>(h[j]);
      }
      if (yh)
        for (int64_t j = 0; j < H; ++j) yh[g.state_at(d, b) + j] = static_cast<float>(h[j]);
    }
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  RnnGeom g;
  KILN_TRY(rnn_resolve(ctx, kSchema, &g));
  ctx.include("kiln_rnn.h");
  const int64_t block = g.dir_block();
  for (int64_t d = 0; d < g.ND; ++d)
    ctx.w().line("kiln::rnn<{}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {}, {}, {});", g.S, g.B, g.I, g.H,
                 g.ND, g.batch_first ? "true" : "false", g.reversed(d) ? "true" : "false", ctx.in_ptr(kRnnX),
                 rnn_in_ptr(ctx, kRnnW, d, g.H * g.I), rnn_in_ptr(ctx, kRnnR, d, g.H * g.H),
                 rnn_in_ptr(ctx, kRnnB, d, 2 * g.H), rnn_in_ptr(ctx, kRnnInitialH, d, block), rnn_out_ptr(ctx, 0, d, block),
                 rnn_out_ptr(ctx, 1, d, block), c_float(g.clip), rnn_act_functor(g.acts[d]));
  return Status::ok();
}

int64_t macs(OpCtx& ctx) { return rnn_macs(ctx, kSchema); }

}  // namespace

const OpDef kOp_RNN = {"RNN", 7, 17, infer, eval, emit, macs};

}  // namespace kiln
