// LSTM (opset 7..17), float32, gates i, o, f, c with optional peepholes P = [Pi, Po, Pf]:
//   i = f(X Wi + H Ri + Pi * C + Wbi + Rbi), f_ = f(X Wf + H Rf + Pf * C + Wbf + Rbf)
//   C' = f_ * C + i * g(X Wc + H Rc + Wbc + Rbc)
//   o = f(X Wo + H Ro + Po * C' + Wbo + Rbo), H' = o * h(C')
// Directions forward, reverse, bidirectional; activations f, g, h per direction (default Sigmoid,
// Tanh, Tanh; Relu also accepted); clip (bounds the gates' pre-activations); optional B, P,
// initial_h / initial_c (may be graph inputs: streaming models carry state that way) and
// sequence_lens (only when constant and equal to the sequence length). Outputs Y, Y_h, Y_c.
// Layout 0 and 1 (batch-first). Not supported: input_forget=1.
#include <algorithm>

#include "compiler/ops/rnn_util.h"

namespace kiln {
namespace {

const RnnSchema kSchema = {4, {"Sigmoid", "Tanh", "Tanh"}};
constexpr size_t kInitialC = 6, kP = 7;

Status resolve(OpCtx& ctx, RnnGeom* g) {
  KILN_TRY(rnn_resolve(ctx, kSchema, g));
  if (ctx.node().attr_int("input_forget", 0) != 0) return ctx.unsupported("input_forget=1 is not supported");
  for (size_t i : {kInitialC, kP}) {
    if (!ctx.has_input(i)) continue;
    const Tensor& t = ctx.in(i);
    Shape want = i == kP ? Shape{g->ND, 3 * g->H} : rnn_state_shape(*g);
    if (t.dtype != DType::kFloat32) return ctx.unsupported_type(t.dtype);
    if (t.shape != want)
      return ctx.invalid(fmt::format("{} has shape {}, expected {}", i == kP ? "P" : "initial_c", shape_str(t.shape),
                                     shape_str(want)));
  }
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  RnnGeom g;
  KILN_TRY(resolve(ctx, &g));
  return rnn_infer(ctx, kSchema);
}

Status eval(OpCtx& ctx) {
  RnnGeom g;
  KILN_TRY(resolve(ctx, &g));
  const int64_t S = g.S, B = g.B, I = g.I, H = g.H, ND = g.ND;
  const float* x = ctx.in(kRnnX).as<float>();
  const float* bias = rnn_in_data(ctx, kRnnB);
  const float* h0 = rnn_in_data(ctx, kRnnInitialH);
  const float* c0 = rnn_in_data(ctx, kInitialC);
  const float* peep = rnn_in_data(ctx, kP);
  float* y = ctx.has_output(0) ? ctx.out(0).as_mut<float>() : nullptr;
  float* yh = ctx.has_output(1) ? ctx.out(1).as_mut<float>() : nullptr;
  float* yc = ctx.has_output(2) ? ctx.out(2).as_mut<float>() : nullptr;
  for (int64_t d = 0; d < ND; ++d) {
    const float* w = ctx.in(kRnnW).as<float>() + d * 4 * H * I;
    const float* r = ctx.in(kRnnR).as<float>() + d * 4 * H * H;
    const float* bd = bias ? bias + d * 8 * H : nullptr;
    const float* p = peep ? peep + d * 3 * H : nullptr;
    const std::string& f = g.acts[3 * d];
    const std::string& gg = g.acts[3 * d + 1];
    const std::string& hh = g.acts[3 * d + 2];
    auto act = [&](const std::string& a, double v) { return rnn_act(a, std::clamp<double>(v, -g.clip, g.clip)); };
    for (int64_t b = 0; b < B; ++b) {
      std::vector<double> h(H), c(H), hn(H);
      for (int64_t j = 0; j < H; ++j) {
        h[j] = h0 ? h0[g.state_at(d, b) + j] : 0.0;
        c[j] = c0 ? c0[g.state_at(d, b) + j] : 0.0;
      }
      for (int64_t s = 0; s < S; ++s) {
        const int64_t t = g.reversed(d) ? S - 1 - s : s;
        const float* xt = x + g.x_at(t, b);
        auto gate = [&](int64_t k, int64_t j) {
          const int64_t row = k * H + j;
          double a = bd ? static_cast<double>(bd[row]) + bd[4 * H + row] : 0.0;
          for (int64_t q = 0; q < I; ++q) a += static_cast<double>(xt[q]) * w[row * I + q];
          for (int64_t q = 0; q < H; ++q) a += h[q] * r[row * H + q];
          return a;
        };
        for (int64_t j = 0; j < H; ++j) {
          const double pi = p ? p[j] : 0.0, po = p ? p[H + j] : 0.0, pf = p ? p[2 * H + j] : 0.0;
          const double it = act(f, gate(0, j) + pi * c[j]);
          const double ft = act(f, gate(2, j) + pf * c[j]);
          const double ct = act(gg, gate(3, j));
          c[j] = ft * c[j] + it * ct;
          const double ot = act(f, gate(1, j) + po * c[j]);
          hn[j] = ot * rnn_act(hh, c[j]);
        }
        h = hn;
        if (y)
          for (int64_t j = 0; j < H; ++j) y[g.y_at(t, d, b) + j] = static_cast<float>(h[j]);
      }
      for (int64_t j = 0; j < H; ++j) {
        if (yh) yh[g.state_at(d, b) + j] = static_cast<float>(h[j]);
        if (yc) yc[g.state_at(d, b) + j] = static_cast<float>(c[j]);
      }
    }
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  RnnGeom g;
  KILN_TRY(resolve(ctx, &g));
  ctx.include("kiln_rnn.h");
  const int64_t block = g.dir_block();
  for (int64_t d = 0; d < g.ND; ++d)
    ctx.w().line("kiln::lstm<{}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});", g.S, g.B,
                 g.I, g.H, g.ND, g.batch_first ? "true" : "false", g.reversed(d) ? "true" : "false", ctx.in_ptr(kRnnX),
                 rnn_in_ptr(ctx, kRnnW, d, 4 * g.H * g.I), rnn_in_ptr(ctx, kRnnR, d, 4 * g.H * g.H),
                 rnn_in_ptr(ctx, kRnnB, d, 8 * g.H), rnn_in_ptr(ctx, kP, d, 3 * g.H),
                 rnn_in_ptr(ctx, kRnnInitialH, d, block), rnn_in_ptr(ctx, kInitialC, d, block), rnn_out_ptr(ctx, 0, d, block),
                 rnn_out_ptr(ctx, 1, d, block), rnn_out_ptr(ctx, 2, d, block), c_float(g.clip),
                 rnn_act_functor(g.acts[3 * d]), rnn_act_functor(g.acts[3 * d + 1]), rnn_act_functor(g.acts[3 * d + 2]));
  return Status::ok();
}

int64_t macs(OpCtx& ctx) { return rnn_macs(ctx, kSchema); }

}  // namespace

const OpDef kOp_LSTM = {"LSTM", 7, 17, infer, eval, emit, macs};

}  // namespace kiln
