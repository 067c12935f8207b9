#include "compiler/ops/rnn_util.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace kiln {

namespace {

// ONNX spells activations in CamelCase; exporters are not always careful.
std::string canonical_act(const std::string& name) {
  std::string low;
  for (char c : name) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (low == "sigmoid") return "Sigmoid";
  if (low == "tanh") return "Tanh";
  if (low == "relu") return "Relu";
  return "";
}

Status check_shape(OpCtx& ctx, size_t i, const char* what, const Shape& want) {
  const Tensor& t = ctx.in(i);
  if (t.dtype != DType::kFloat32) return ctx.unsupported_type(t.dtype);
  if (t.shape != want)
    return ctx.invalid(fmt::format("{} has shape {}, expected {}", what, shape_str(t.shape), shape_str(want)));
  return Status::ok();
}

}  // namespace

Status rnn_resolve(OpCtx& ctx, const RnnSchema& s, RnnGeom* g) {
  const Node& n = ctx.node();
  if (!ctx.has_input(kRnnX) || !ctx.has_input(kRnnW) || !ctx.has_input(kRnnR))
    return ctx.invalid("inputs X, W and R are required");
  const int64_t layout = n.attr_int("layout", 0);
  if (layout != 0 && layout != 1) return ctx.invalid(fmt::format("layout={} is not 0 or 1", layout));
  g->batch_first = layout == 1;
  const std::string dir = n.attr_string("direction", "forward");
  if (dir == "forward" || dir == "reverse") {
    g->ND = 1;
    g->reverse = dir == "reverse";
  } else if (dir == "bidirectional") {
    g->ND = 2;
  } else {
    return ctx.invalid(fmt::format("unknown direction '{}'", dir));
  }
  const Shape& xs = ctx.in(kRnnX).shape;
  const Shape& ws = ctx.in(kRnnW).shape;
  if (ctx.in(kRnnX).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(kRnnX).dtype);
  if (xs.size() != 3)
    return ctx.invalid(fmt::format("X must be [{}, input], got {}", g->batch_first ? "batch, seq_length" : "seq_length, batch",
                                   shape_str(xs)));
  if (ws.size() != 3 || ws[1] % s.gates)
    return ctx.invalid(fmt::format("W must be [directions, {}*hidden, input], got {}", s.gates, shape_str(ws)));
  g->S = xs[g->batch_first ? 1 : 0];
  g->B = xs[g->batch_first ? 0 : 1];
  g->I = xs[2];
  g->H = ws[1] / s.gates;
  if (n.has_attr("hidden_size") && n.attr_int("hidden_size", 0) != g->H)
    return ctx.invalid(fmt::format("hidden_size={} does not match W ({} rows)", n.attr_int("hidden_size", 0), ws[1]));
  if (g->S <= 0 || g->B <= 0 || g->I <= 0 || g->H <= 0) return ctx.unsupported("empty sequences or tensors are not supported");
  const int64_t GH = s.gates * g->H;
  KILN_TRY(check_shape(ctx, kRnnW, "W", {g->ND, GH, g->I}));
  KILN_TRY(check_shape(ctx, kRnnR, "R", {g->ND, GH, g->H}));
  if (ctx.has_input(kRnnB)) KILN_TRY(check_shape(ctx, kRnnB, "B", {g->ND, 2 * GH}));
  if (ctx.has_input(kRnnInitialH)) KILN_TRY(check_shape(ctx, kRnnInitialH, "initial_h", rnn_state_shape(*g)));
  if (ctx.has_input(kRnnSeqLens)) {
    // Kernels run the full sequence: per-row lengths are only accepted when they change nothing.
    KILN_TRY(ctx.require_const(kRnnSeqLens, "sequence_lens"));
    const Tensor& sl = ctx.in(kRnnSeqLens);
    if (sl.numel() != g->B) return ctx.invalid("sequence_lens must have one entry per batch row");
    for (int64_t b = 0; b < g->B; ++b)
      if (sl.int_at(b) != g->S)
        return ctx.unsupported(fmt::format("sequence_lens[{}]={} differs from the sequence length {}", b, sl.int_at(b), g->S),
                               "only full-length sequences are supported");
  }
  // Activations: per direction, in the op's order; defaults when absent.
  const size_t per_dir = s.default_acts.size();
  std::vector<std::string> acts;
  if (n.has_attr("activations")) {
    acts = n.attrs.at("activations").strings;
  } else {
    for (int64_t d = 0; d < g->ND; ++d) acts.insert(acts.end(), s.default_acts.begin(), s.default_acts.end());
  }
  if (acts.size() != per_dir * static_cast<size_t>(g->ND))
    return ctx.invalid(fmt::format("{} activations given, {} expected", acts.size(), per_dir * g->ND));
  g->acts.clear();
  for (const auto& a : acts) {
    std::string c = canonical_act(a);
    if (c.empty()) return ctx.unsupported(fmt::format("activation '{}' is not supported (Sigmoid, Tanh, Relu are)", a));
    g->acts.push_back(c);
  }
  g->clip = std::numeric_limits<float>::infinity();
  if (n.has_attr("clip")) {
    g->clip = n.attr_float("clip", 0.0f);
    if (!(g->clip > 0.0f)) return ctx.invalid("clip must be positive");
  }
  return Status::ok();
}

Status rnn_infer(OpCtx& ctx, const RnnSchema& s) {
  RnnGeom g;
  KILN_TRY(rnn_resolve(ctx, s, &g));
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    if (!ctx.has_output(i)) continue;
    Tensor& t = ctx.out(i);
    t.dtype = DType::kFloat32;
    if (i > 0) t.shape = rnn_state_shape(g);
    else t.shape = g.batch_first ? Shape{g.B, g.S, g.ND, g.H} : Shape{g.S, g.ND, g.B, g.H};
    t.shape_known = true;
  }
  return Status::ok();
}

Shape rnn_state_shape(const RnnGeom& g) { return g.batch_first ? Shape{g.B, g.ND, g.H} : Shape{g.ND, g.B, g.H}; }

int64_t rnn_macs(OpCtx& ctx, const RnnSchema& s) {
  RnnGeom g;
  if (!rnn_resolve(ctx, s, &g)) return 0;
  return g.ND * g.S * g.B * s.gates * g.H * (g.I + g.H);
}

double rnn_act(const std::string& name, double v) {
  if (name == "Sigmoid") return 1.0 / (1.0 + std::exp(-v));
  if (name == "Tanh") return std::tanh(v);
  return v < 0 ? 0.0 : v;  // Relu (rnn_resolve admits nothing else)
}

std::string rnn_act_functor(const std::string& name) { return fmt::format("kiln::Rnn{}{{}}", name); }

std::string rnn_in_ptr(OpCtx& ctx, size_t i, int64_t d, int64_t block) {
  if (!ctx.has_input(i)) return "static_cast<const float*>(nullptr)";
  return d ? fmt::format("{} + {}", ctx.in_ptr(i), d * block) : ctx.in_ptr(i);
}

std::string rnn_out_ptr(OpCtx& ctx, size_t i, int64_t d, int64_t block) {
  if (!ctx.has_output(i)) return "static_cast<float*>(nullptr)";
  return d ? fmt::format("{} + {}", ctx.out_ptr(i), d * block) : ctx.out_ptr(i);
}

const float* rnn_in_data(OpCtx& ctx, size_t i) { return ctx.has_input(i) ? ctx.in(i).as<float>() : nullptr; }

}  // namespace kiln
