// GRU (opset 7..17), float32, gates z, r, h:
//   z = f(X Wz + H Rz + Wbz + Rbz), r = f(X Wr + H Rr + Wbr + Rbr)
//   h~ = g(X Wh + (r * H) Rh + Rbh + Wbh)      (linear_before_reset=0)
//   h~ = g(X Wh + r * (H Rh + Rbh) + Wbh)      (linear_before_reset=1)
//   H' = (1 - z) * h~ + z * H
// Directions forward, reverse, bidirectional; activations f, g per direction (default Sigmoid,
// Tanh; Relu also accepted); clip; optional B, initial_h (may be a graph input) and
// sequence_lens (only when constant and equal to the sequence length). Layout 0 and 1 (batch-first).
#include <algorithm>

#include "compiler/ops/rnn_util.h"

namespace kiln {
namespace {

const RnnSchema kSchema = {3, {"Sigmoid", "Tanh"}};

Status infer(OpCtx& ctx) {
  int64_t lbr = ctx.node().attr_int("linear_before_reset", 0);
  if (lbr != 0 && lbr != 1) return ctx.invalid(fmt::format("linear_before_reset={} is not 0 or 1", lbr));
  return rnn_infer(ctx, kSchema);
}

Status eval(OpCtx& ctx) {
  RnnGeom g;
  KILN_TRY(rnn_resolve(ctx, kSchema, &g));
  const bool lbr = ctx.node().attr_int("linear_before_reset", 0) != 0;
  const int64_t S = g.S, B = g.B, I = g.I, H = g.H, ND = g.ND;
  const float* x = ctx.in(kRnnX).as<float>();
  const float* bias = rnn_in_data(ctx, kRnnB);
  const float* h0 = rnn_in_data(ctx, kRnnInitialH);
  float* y = ctx.has_output(0) ? ctx.out(0).as_mut<float>() : nullptr;
  float* yh = ctx.has_output(1) ? ctx.out(1).as_mut<float>() : nullptr;
  for (int64_t d = 0; d < ND; ++d) {
    const float* w = ctx.in(kRnnW).as<float>() + d * 3 * H * I;
    const float* r = ctx.in(kRnnR).as<float>() + d * 3 * H * H;
    const float* bd = bias ? bias + d * 6 * H : nullptr;
    const std::string& f = g.acts[2 * d];
    const std::string& gg = g.acts[2 * d + 1];
    auto clip = [&](double v) { return std::clamp<double>(v, -g.clip, g.clip); };
    for (int64_t b = 0; b < B; ++b) {
      std::vector<double> h(H), hn(H);
      for (int64_t j = 0; j < H; ++j) h[j] = h0 ? h0[g.state_at(d, b) + j] : 0.0;
      for (int64_t s = 0; s < S; ++s) {
        const int64_t t = g.reversed(d) ? S - 1 - s : s;
        const float* xt = x + g.x_at(t, b);
        // Input part (with Wb) and recurrent part (with Rb) of weight row `row`, over state `st`.
        auto xw = [&](int64_t row) {
          double a = bd ? bd[row] : 0.0;
          for (int64_t k = 0; k < I; ++k) a += static_cast<double>(xt[k]) * w[row * I + k];
          return a;
        };
        auto hr = [&](int64_t row, const std::vector<double>& st) {
          double a = bd ? bd[3 * H + row] : 0.0;
          for (int64_t k = 0; k < H; ++k) a += st[k] * r[row * H + k];
          return a;
        };
        std::vector<double> z(H), rt(H), rh(H);
        for (int64_t j = 0; j < H; ++j) {
          z[j] = rnn_act(f, clip(xw(j) + hr(j, h)));
          rt[j] = rnn_act(f, clip(xw(H + j) + hr(H + j, h)));
          rh[j] = rt[j] * h[j];
        }
        for (int64_t j = 0; j < H; ++j) {
          const int64_t row = 2 * H + j;
          double a = lbr ? xw(row) + rt[j] * hr(row, h) : xw(row) + hr(row, rh);
          hn[j] = (1.0 - z[j]) * rnn_act(gg, clip(a)) + z[j] * h[j];
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
  const bool lbr = ctx.node().attr_int("linear_before_reset", 0) != 0;
  ctx.include("kiln_rnn.h");
  const int64_t block = g.dir_block();
  for (int64_t d = 0; d < g.ND; ++d)
    ctx.w().line("kiln::gru<{}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {}, {}, {}, {});", g.S, g.B, g.I, g.H,
                 g.ND, g.batch_first ? "true" : "false", g.reversed(d) ? "true" : "false", lbr ? "true" : "false", ctx.in_ptr(kRnnX),
                 rnn_in_ptr(ctx, kRnnW, d, 3 * g.H * g.I), rnn_in_ptr(ctx, kRnnR, d, 3 * g.H * g.H),
                 rnn_in_ptr(ctx, kRnnB, d, 6 * g.H), rnn_in_ptr(ctx, kRnnInitialH, d, block), rnn_out_ptr(ctx, 0, d, block),
                 rnn_out_ptr(ctx, 1, d, block), c_float(g.clip), rnn_act_functor(g.acts[2 * d]),
                 rnn_act_functor(g.acts[2 * d + 1]));
  return Status::ok();
}

int64_t macs(OpCtx& ctx) { return rnn_macs(ctx, kSchema); }

}  // namespace

const OpDef kOp_GRU = {"GRU", 7, 17, infer, eval, emit, macs};

}  // namespace kiln
