//===- prune_channels.cpp - Remove channels that compute a constant -------===//
//
// An output channel of a Conv or Gemm whose weights are all zero computes a constant: its bias,
// after the fused activation (int8: the requantized bias, clamped). Trained-then-pruned models
// have many (MLPerf Tiny's VWW MobileNet: 971). This pass removes such channels exactly, never
// changing what the model computes:
//
// 1. Analyse, in schedule order. Every activation tensor with a channel dimension gets one
//    entry per channel (a "pair": tensor, channel), and each pair a constant value when it is
//    known to be one over all positions (int8 tensors: the stored integer; "zero" means the
//    tensor's zero point). Producers (Conv/QLinearConv with group 1, Gemm/QGemm, MatMul/
//    QLinearMatMul with a constant 2-D right operand) compute their channels' constants from
//    the weights: a channel is constant when every input channel it reads through a non-zero
//    weight is itself constant (and zero, or the window has no padding). Ops that carry
//    channels one to one link the input pair to the output pair (union-find): depthwise
//    convolutions (group = channels), BatchNormalization, Relu/Clip/LeakyRelu, the pools,
//    Identity/Dropout, the views (Reshape, Flatten, Squeeze, Unsqueeze, Transpose: the channel
//    axis is followed through, a Flatten of [N, C, H, W] makes each channel a block of H*W
//    columns), residual Add/QLinearAdd and Concat (along the channels: offsets; else like Add).
//    Linked pairs form a class that is removed as a whole, so the inputs of an Add or a
//    depthwise convolution keep equal channel sets.
// 2. Decide. A class is removed unless it is pinned: a pair is a graph input or output, is read
//    or produced by an op the pass does not know, or is read by a reducing op (a producer
//    above, as its input) while not constant, or constant but not zero where the reader cannot
//    fold it: a non-zero constant folds into the reader's bias exactly when the reader has (or
//    can get) a bias and no padding (int8: (q - zx) * sum(w - zw) is added to the int32 bias;
//    float: v * sum(w), a reassociation of the same sum). A tensor keeps at least one channel;
//    an int8 fold that would overflow the bias pins its channel instead.
// 3. Apply: slice weights, biases, per-channel scales and zero points (output channels of
//    producers, input channels of readers, both of depthwise convolutions), fold the non-zero
//    constants into biases, rewrite Reshape targets, and infer shapes again. Quantized
//    producers record the shift range of their multipliers before pruning (kiln_shift_hull,
//    see compiler/ops/quant_util.h) so the channels they keep requantize exactly as before.
//
// New constants get new names (weights may be shared); dce drops the old ones. Off with
// --no-prune (PassContext::prune). Steps 1-2 live in passes/prune_channels_analysis.cpp, the
// types they share with this file in passes/prune_channels_internal.h.
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "compiler/ops/infer.h"
#include "compiler/ops/op.h"
#include "compiler/ops/quant_util.h"
#include "passes/passes.h"
#include "passes/prune_channels.h"
#include "passes/prune_channels_internal.h"

namespace kiln {

namespace {

using namespace prune_detail;

// ---- apply ----

// The smallest int32 accumulator that multiplier q requantizes to at least k (2^31: none).
int64_t threshold(QuantMultiplier q, int32_t zy, int32_t k) {
  int64_t lo = std::numeric_limits<int32_t>::min(), hi = int64_t(std::numeric_limits<int32_t>::max()) + 1;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<int64_t>(zy) + multiply_by_quantized_multiplier(static_cast<int32_t>(mid), q) >= k) hi = mid;
    else lo = mid;
    if (hi - lo == 1) {
      const bool at_lo = static_cast<int64_t>(zy) + multiply_by_quantized_multiplier(static_cast<int32_t>(lo), q) >= k;
      return at_lo ? lo : hi;
    }
  }
  return lo;
}

// Two encodings of one channel's multiplier give the same clamped output for every int32
// accumulator: requantization is monotonic, so it is enough that each output step in
// (lo, hi] begins at the same accumulator.
bool same_outputs(QuantMultiplier a, QuantMultiplier b, int32_t zy, int32_t lo, int32_t hi) {
  if (a.mult == b.mult && a.shift == b.shift) return true;
  for (int32_t k = lo + 1; k <= hi; ++k)
    if (threshold(a, zy, k) != threshold(b, zy, k)) return false;
  return true;
}

// Tensor t with only the `keep` indices of dimension `axis`.
Tensor slice(const Tensor& t, const std::string& name, int axis, const std::vector<int64_t>& keep) {
  Tensor r = t;
  r.name = name;
  const size_t es = dtype_size(t.dtype);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= t.shape[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < t.shape.size(); ++i) inner *= t.shape[i];
  const int64_t D = t.shape[static_cast<size_t>(axis)];
  r.shape[static_cast<size_t>(axis)] = static_cast<int64_t>(keep.size());
  r.data.clear();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : keep) {
      const uint8_t* p = t.data.data() + static_cast<size_t>((o * D + k) * inner) * es;
      r.data.insert(r.data.end(), p, p + static_cast<size_t>(inner) * es);
    }
  if (t.quant.axis == axis && t.quant.scale.size() == static_cast<size_t>(D)) {
    QuantParams q = t.quant;
    q.scale.clear();
    q.zero_point.clear();
    for (int64_t k : keep) {
      q.scale.push_back(t.quant.scale[static_cast<size_t>(k)]);
      if (!t.quant.zero_point.empty()) q.zero_point.push_back(t.quant.zero_point[static_cast<size_t>(k)]);
    }
    r.quant = q;
  }
  return r;
}

struct Rewriter {
  Graph& g;
  const Analysis& a;
  const std::vector<char>& removed;  // per root
  PassResult& res;
  std::set<std::pair<std::string, int64_t>>* pins;  // filled on an int32 overflow

  bool gone(const std::string& t, int64_t c) const {
    const Desc& d = a.desc.at(t);
    int p = d.base + static_cast<int>(c);
    while (a.parent[static_cast<size_t>(p)] != p) p = a.parent[static_cast<size_t>(p)];
    return removed[static_cast<size_t>(p)] != 0;
  }
  // Kept indices along a tensor's channel dimension (each channel is `block` indices).
  std::vector<int64_t> kept(const std::string& t) const {
    std::vector<int64_t> k;
    auto it = a.desc.find(t);
    if (it == a.desc.end()) return k;
    for (int64_t c = 0; c < it->second.C; ++c)
      if (!gone(t, c))
        for (int64_t b = 0; b < it->second.block; ++b) k.push_back(c * it->second.block + b);
    return k;
  }
  bool changed(const std::string& t) const {
    auto it = a.desc.find(t);
    return it != a.desc.end() && static_cast<int64_t>(kept(t).size()) != it->second.C * it->second.block;
  }
  // Replaces input i of node n by its slice along `axis`.
  void replace(Node& n, size_t i, int axis, const std::vector<int64_t>& keep) {
    if (!has_in(n, i)) return;
    const Tensor& t = g.tensor(n.inputs[i]);
    const int64_t D = t.shape.empty() ? 1 : t.shape[static_cast<size_t>(axis)];
    if (t.numel() == 1 || static_cast<int64_t>(keep.size()) == D) return;
    set_const(n, i, slice(t, g.unique_name(n.inputs[i] + "_pruned"), axis, keep));
  }
  void set_const(Node& n, size_t i, Tensor t) {
    std::string name = t.name;
    g.tensors[name] = std::move(t);
    n.inputs[i] = name;
  }
  // Keeps the multipliers of a quantized layer's remaining channels `keep` as they were. When the
  // multipliers the remaining channels would get on their own (often one shared shift: a faster
  // kernel) requantize every int32 accumulator to the same clamped output, they are free to;
  // otherwise the layer's shift range before pruning is recorded (kiln_shift_hull).
  void keep_shifts(Node& n, const Layout& l, int64_t M, const std::vector<int64_t>& keep) {
    if (!l.quant) return;
    std::vector<double> reals = multiplier_reals(g, n, l, M);
    std::vector<int64_t> hull = n.attr_ints("kiln_shift_hull");
    int64_t lo = hull.size() == 2 ? hull[0] : std::numeric_limits<int64_t>::max();
    int64_t hi = hull.size() == 2 ? hull[1] : std::numeric_limits<int64_t>::min();
    for (double r : reals) {
      QuantMultiplier q = quantize_multiplier(r);
      if (q.mult == 0) {  // a zero multiplier keeps every channel in TFLite's own-shift form
        lo = -1000;
        hi = 1000;
        break;
      }
      lo = std::min<int64_t>(lo, q.shift);
      hi = std::max<int64_t>(hi, q.shift);
    }
    std::vector<double> kept;
    for (int64_t k : keep) kept.push_back(reals[static_cast<size_t>(k)]);
    const std::vector<QuantMultiplier> was = channel_multipliers(kept, {lo, hi}), free = channel_multipliers(kept);
    const Tensor& y = g.tensor(n.outputs[0]);
    const int32_t zy = per_int(opt_in(g, n, l.yz), 0);
    int32_t ylo, yhi;
    quant_output_range(n, y.dtype, g.tensor(n.inputs[l.ys]).as<float>()[0], zy, &ylo, &yhi);
    bool same = true;
    for (size_t c = 0; c < kept.size() && same; ++c) same = same_outputs(was[c], free[c], zy, ylo, yhi);
    if (same) {
      n.attrs.erase("kiln_shift_hull");
      ++res.stats["multipliers-reencoded"];
    } else {
      n.set_ints("kiln_shift_hull", {lo, hi});
    }
  }

  Status node(size_t idx);
  Status reducer(Node& n, Role r, const MatGeom& mg);
};

// Folds removed non-zero input channels into the bias, then slices input and output channels.
Status Rewriter::reducer(Node& n, Role r, const MatGeom& mg) {
  const Layout l = layout_of(n);
  const std::string x = n.inputs[l.x], y = n.outputs[0];
  Reader rd(g, n, r, mg);
  const bool in_changed = changed(x), out_changed = changed(y);
  if (!in_changed && !out_changed) return Status::ok();
  // Bias deltas from removed non-zero input channels.
  std::vector<double> delta(static_cast<size_t>(rd.M), 0.0);
  bool fold = false;
  if (in_changed) {
    const Desc& d = a.desc.at(x);
    const double zx = zero_of(g.tensor(x));
    for (int64_t c = 0; c < d.C; ++c) {
      if (!gone(x, c)) continue;
      const Val& v = a.val[static_cast<size_t>(d.base + c)];
      if (v.v == zx) continue;
      fold = true;
      ++res.stats["constants-folded"];
      for (int64_t m = 0; m < rd.M; ++m)
        for (int64_t b = 0; b < d.block; ++b) delta[static_cast<size_t>(m)] += (v.v - zx) * rd.sum(m, c * d.block + b);
    }
  }
  if (fold) {
    const Tensor* b = opt_in(g, n, l.bias);
    Tensor nb;
    nb.name = g.unique_name((b ? n.inputs[l.bias] : n.name + "_B") + "_folded");
    nb.dtype = l.quant ? DType::kInt32 : DType::kFloat32;
    nb.shape = {rd.M};
    nb.shape_known = true;
    nb.is_const = true;
    nb.alloc();
    for (int64_t m = 0; m < rd.M; ++m) {
      const double base = b ? (b->numel() == 1 ? b->float_at(0) : b->float_at(m)) : 0.0;
      if (l.quant) {
        const double v = base + delta[static_cast<size_t>(m)];
        if (std::fabs(v) > 2147483647.0) {  // keep the channels that would overflow the bias
          const Desc& d = a.desc.at(x);
          for (int64_t c = 0; c < d.C; ++c)
            if (gone(x, c) && a.val[static_cast<size_t>(d.base + c)].v != zero_of(g.tensor(x))) pins->insert({x, c});
          return Status::ok();
        }
        nb.as_mut<int32_t>()[m] = static_cast<int32_t>(v);
      } else {
        nb.as_mut<float>()[m] = static_cast<float>(base + delta[static_cast<size_t>(m)]);
      }
    }
    if (!has_in(n, l.bias)) {
      if (n.inputs.size() <= l.bias) n.inputs.resize(l.bias + 1);
    }
    set_const(n, l.bias, nb);
  }
  const std::vector<int64_t> kin = kept(x), kout = kept(y);
  if (r == Role::kConv) {
    if (in_changed) replace(n, l.w, 1, kin);
    if (out_changed) {
      keep_shifts(n, l, rd.M, kout);
      replace(n, l.w, 0, kout);
      replace(n, l.bias, 0, kout);
      replace(n, l.ws, 0, kout);
      replace(n, l.wz, 0, kout);
    }
  } else {
    const int kaxis = mg.trans_b ? 1 : 0, naxis = mg.trans_b ? 0 : 1;
    if (in_changed) replace(n, l.w, kaxis, kin);
    if (out_changed) {
      keep_shifts(n, l, rd.M, kout);
      replace(n, l.w, naxis, kout);
      if (has_in(n, l.bias)) {
        const Tensor& b = g.tensor(n.inputs[l.bias]);
        if (!b.shape.empty()) replace(n, l.bias, static_cast<int>(b.shape.size()) - 1, kout);
      }
      replace(n, l.ws, 0, kout);
      replace(n, l.wz, 0, kout);
    }
  }
  return Status::ok();
}

Status Rewriter::node(size_t idx) {
  Node& n = g.nodes[idx];
  const Role r = a.role[idx];
  if (r == Role::kConv || r == Role::kGemm) return reducer(n, r, a.geom[idx]);
  const std::string& y = n.outputs.empty() ? std::string() : n.outputs[0];
  if (r == Role::kOpaque || !changed(y)) return Status::ok();
  const std::vector<int64_t> k = kept(y);
  if (r == Role::kDepthwise) {
    const Layout l = layout_of(n);
    keep_shifts(n, l, a.desc.at(y).C, k);
    replace(n, l.w, 0, k);
    replace(n, l.bias, 0, k);
    replace(n, l.ws, 0, k);
    replace(n, l.wz, 0, k);
    n.set_int("group", static_cast<int64_t>(k.size()));
  } else if (is(n, "BatchNormalization")) {
    for (size_t i = 1; i < 5; ++i) replace(n, i, 0, k);
  } else if (is(n, "Reshape")) {
    Shape s = g.tensor(y).shape;
    s[static_cast<size_t>(a.desc.at(y).axis)] = static_cast<int64_t>(k.size());
    Tensor t;
    t.name = g.unique_name(n.inputs[1] + "_pruned");
    t.dtype = DType::kInt64;
    t.shape = {static_cast<int64_t>(s.size())};
    t.shape_known = true;
    t.is_const = true;
    t.alloc();
    for (size_t i = 0; i < s.size(); ++i) t.as_mut<int64_t>()[i] = s[i];
    set_const(n, 1, t);
    n.attrs.erase("allowzero");
  }
  return Status::ok();
}

int64_t total_macs(Graph& g) {
  int64_t s = 0;
  for (Node& n : g.nodes) {
    const OpDef* def = find_op(n.op, n.domain);
    if (def && def->macs) {
      OpCtx ctx(g, n, g.opset);
      s += def->macs(ctx);
    }
  }
  return s;
}

int64_t total_params(const Graph& g) {
  int64_t s = 0;
  std::set<std::string> seen;
  for (const Node& n : g.nodes)
    for (const auto& in : n.inputs)
      if (!in.empty() && g.tensor(in).is_const && seen.insert(in).second) s += g.tensor(in).numel();
  return s;
}

}  // namespace

std::vector<ChannelClass> channel_classes(const Graph& g) {
  const std::set<std::pair<std::string, int64_t>> none;
  Analysis a{g, {}, {}, {}, {}, {}, {}, {}, none};
  a.run();
  std::map<int, ChannelClass> by_root;
  for (size_t p = 0; p < a.parent.size(); ++p)
    if (a.fixed[p]) by_root[a.find(static_cast<int>(p))].fixed = true;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Role r = a.role[i];
    if (r != Role::kConv && r != Role::kGemm && r != Role::kDepthwise) continue;
    const Desc& d = a.desc.at(g.nodes[i].outputs[0]);
    for (int64_t c = 0; c < d.C; ++c)
      by_root[a.find(d.base + static_cast<int>(c))].filters.push_back({i, c, r == Role::kDepthwise});
  }
  std::vector<ChannelClass> out;
  for (auto& kv : by_root)
    if (!kv.second.filters.empty()) out.push_back(std::move(kv.second));
  return out;
}

PassResult run_prune_channels(Graph& g, const PassContext& ctx) {
  PassResult res;
  if (!ctx.prune) return res;
  std::set<std::pair<std::string, int64_t>> pins;
  for (int round = 0; round < 64; ++round) {
    Analysis a{g, {}, {}, {}, {}, {}, {}, {}, pins};
    a.run();
    // Decide: a class goes unless one of its pairs is pinned; every tensor keeps a channel.
    std::vector<char> removed(a.parent.size(), 1);
    for (size_t p = 0; p < a.parent.size(); ++p)
      if (a.pinned[p]) removed[static_cast<size_t>(a.find(static_cast<int>(p)))] = 0;
    for (bool again = true; again;) {
      again = false;
      for (const auto& kv : a.desc) {
        bool any = false;
        for (int64_t c = 0; c < kv.second.C && !any; ++c) any = !removed[static_cast<size_t>(a.find(kv.second.base + static_cast<int>(c)))];
        if (!any && kv.second.C > 0) {
          removed[static_cast<size_t>(a.find(kv.second.base))] = 0;
          again = true;
        }
      }
    }
    for (size_t p = 0; p < a.parent.size(); ++p) removed[p] = removed[static_cast<size_t>(a.find(static_cast<int>(p)))];
    bool any_removed = false;
    for (char c : removed) any_removed |= c != 0;
    if (!any_removed) return res;

    Graph work = g;
    PassResult r;
    Rewriter rw{work, a, removed, r, &pins};
    const size_t pins_before = pins.size();
    for (size_t i = 0; i < work.nodes.size(); ++i) {
      r.status = rw.node(i);
      if (!r.status) return r;
    }
    if (pins.size() != pins_before) continue;  // an int8 bias would overflow: keep those channels
    for (const auto& kv : a.desc) {
      if (work.producer(kv.first) < 0) continue;
      const Node& p = work.nodes[static_cast<size_t>(work.producer(kv.first))];
      if (p.op != "Conv" && p.op != "QLinearConv" && p.op != "Gemm" && p.op != "QGemm" && p.op != "MatMul" &&
          p.op != "QLinearMatMul")
        continue;
      r.stats["channels-removed"] += kv.second.C - static_cast<int64_t>(rw.kept(kv.first).size()) / kv.second.block;
    }
    r.stats["macs-before"] = total_macs(g);
    r.stats["params-before"] = total_params(g);
    r.status = infer_graph(work, false);
    if (!r.status) return r;
    r.stats["macs-after"] = total_macs(work);
    r.stats["params-after"] = total_params(work);
    r.changed = true;
    g = std::move(work);
    return r;
  }
  res.status = KILN_ICE("prune-channels did not settle");
  return res;
}

}  // namespace kiln
