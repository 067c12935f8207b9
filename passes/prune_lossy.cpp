//===- prune_lossy.cpp - Opt-in magnitude and channel pruning -------------===//
//
// Changes what the model computes, so it only runs when asked (`--prune`, PassContext::lossy).
// It runs after prune-channels (so fractions count the weights and channels that are still
// there) and runs prune-channels again at its end, which turns the new zeros into removed
// channels. Two kinds:
//
// * magnitude=F: unstructured. The fraction F of the weights with the smallest magnitude becomes
//   zero, ranked over all layers (global, the default: layers with small weights lose more) or
//   within each layer (scope=layer). Magnitudes are real values: int8 weights count as
//   scale[c] * (q - zero_point[c]), and a zeroed int8 weight is set to its zero point.
// * channels=F: structured. Channels are ranked by the L1 norm of the filter that computes them,
//   relative to the mean of that layer's filters, and the fraction F of each layer's channels
//   with the smallest norms is removed: the filters' weights and biases become zero, so the
//   channel is exactly zero and prune-channels removes it with everything that reads it. A channel
//   tied to others (the inputs of a residual Add, a Concat, a depthwise convolution after it: one
//   class of passes/prune_channels.h) goes as a whole, its norm being the mean over its filters;
//   the ranking is per set of layers such classes span. Classes prune-channels could not remove
//   (graph outputs, read by unknown ops) are left alone.
//
// The first and the last weighted layer are never pruned, nor the nodes named in
// LossyPruneOptions::exclude.
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "compiler/ops/quant_util.h"
#include "passes/passes.h"
#include "passes/prune_channels.h"

namespace kiln {

namespace {

// A layer's weights and where its per-output-channel parameters are.
struct Layer {
  size_t node;
  size_t w, bias, ws, wz;  // input positions; kNone when absent
  bool quant;
  int64_t M;            // output channels
  bool mat, trans_b;    // Gemm-like weights: [K, N] (or [N, K] with transB)
  static constexpr size_t kNone = static_cast<size_t>(-1);

  int64_t channel_of(const Tensor& W, int64_t i) const {
    if (!mat) return i / (W.numel() / M);
    return trans_b ? i / W.shape[1] : i % W.shape[1];
  }
};

bool is(const Node& n, const char* op, const char* domain = "") { return n.op == op && n.domain == domain; }

bool weighted(const Graph& g, size_t i, Layer* l) {
  const Node& n = g.nodes[i];
  *l = Layer{i, 1, 2, Layer::kNone, Layer::kNone, false, 0, false, false};
  if (is(n, "QLinearConv")) *l = Layer{i, 3, 8, 4, 5, true, 0, false, false};
  else if (is(n, "QGemm", kMsDomain)) *l = Layer{i, 3, 6, 4, 5, true, 0, true, false};
  else if (is(n, "QLinearMatMul")) *l = Layer{i, 3, Layer::kNone, 4, 5, true, 0, true, false};
  else if (is(n, "Gemm")) l->mat = true;
  else if (is(n, "MatMul")) {
    l->mat = true;
    l->bias = Layer::kNone;
  } else if (!is(n, "Conv")) {
    return false;
  }
  if (l->w >= n.inputs.size() || n.inputs[l->w].empty()) return false;
  const Tensor& W = g.tensor(n.inputs[l->w]);
  if (!W.is_const) return false;
  if (!l->quant && W.dtype != DType::kFloat32) return false;
  if (l->mat) {
    if (W.shape.size() != 2 || n.attr_int("transA", 0) != 0) return false;
    l->trans_b = n.attr_int("transB", 0) != 0;
    l->M = l->trans_b ? W.shape[0] : W.shape[1];
  } else {
    if (W.shape.size() < 3) return false;
    l->M = W.shape[0];
  }
  for (size_t k : {l->ws, l->wz})
    if (k != Layer::kNone && k < n.inputs.size() && !n.inputs[k].empty() && !g.tensor(n.inputs[k]).is_const) return false;
  return true;
}

const Tensor* input(const Graph& g, const Node& n, size_t i) {
  return i != Layer::kNone && i < n.inputs.size() && !n.inputs[i].empty() ? &g.tensor(n.inputs[i]) : nullptr;
}

double per_channel(const Tensor* t, int64_t c, double none) {
  if (!t) return none;
  return t->numel() == 1 ? t->float_at(0) : t->float_at(c);
}

// Real magnitudes of a layer's weights.
std::vector<double> magnitudes(const Graph& g, const Layer& l) {
  const Node& n = g.nodes[l.node];
  const Tensor& W = g.tensor(n.inputs[l.w]);
  const Tensor* ws = input(g, n, l.ws);
  const Tensor* wz = input(g, n, l.wz);
  std::vector<double> m(static_cast<size_t>(W.numel()));
  for (int64_t i = 0; i < W.numel(); ++i) {
    if (!l.quant) {
      m[static_cast<size_t>(i)] = std::fabs(W.float_at(i));
      continue;
    }
    const int64_t c = l.channel_of(W, i);
    m[static_cast<size_t>(i)] = std::fabs((static_cast<double>(W.int_at(i)) - per_channel(wz, c, 0)) * per_channel(ws, c, 1));
  }
  return m;
}

// Copy-on-write of a node's constant input (weights may be shared): the first write copies it.
struct Writer {
  Graph& g;
  std::set<std::string> owned;
  Tensor& operator()(Node& n, size_t i) {
    if (owned.count(n.inputs[i])) return g.tensor(n.inputs[i]);
    const std::string name = g.unique_name(n.inputs[i] + "_pruned");
    Tensor t = g.tensor(n.inputs[i]);
    t.name = name;
    g.tensors[name] = std::move(t);
    n.inputs[i] = name;
    owned.insert(name);
    return g.tensors[name];
  }
};

void zero_weight(Tensor& W, const Layer& l, const Tensor* wz, int64_t i) {
  if (!l.quant) {
    W.as_mut<float>()[i] = 0.0f;
    return;
  }
  const int32_t z = static_cast<int32_t>(per_channel(wz, l.channel_of(W, i), 0));
  if (W.dtype == DType::kInt8) W.as_mut<int8_t>()[i] = static_cast<int8_t>(z);
  else W.as_mut<uint8_t>()[i] = static_cast<uint8_t>(z);
}

// Zeroes the weights flagged in `drop` (one flag per element of W).
int64_t apply_mask(Writer& wr, const Layer& l, const std::vector<char>& drop) {
  Graph& g = wr.g;
  int64_t n_zeroed = 0;
  for (char d : drop) n_zeroed += d;
  if (!n_zeroed) return 0;
  Node& n = g.nodes[l.node];
  Tensor& W = wr(n, l.w);
  const Tensor* wz = input(g, n, l.wz);
  for (int64_t i = 0; i < W.numel(); ++i)
    if (drop[static_cast<size_t>(i)]) zero_weight(W, l, wz, i);
  return n_zeroed;
}

// The indices of the `k` smallest values (ties: the first ones).
std::vector<size_t> smallest(const std::vector<double>& v, size_t k) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, idx.size());
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  idx.resize(k);
  return idx;
}

int64_t magnitude(Writer& wr, const std::vector<Layer>& layers, double fraction, bool per_layer) {
  const Graph& g = wr.g;
  int64_t zeroed = 0;
  if (per_layer) {
    for (const Layer& l : layers) {
      std::vector<double> m = magnitudes(g, l);
      std::vector<char> drop(m.size(), 0);
      for (size_t i : smallest(m, static_cast<size_t>(fraction * static_cast<double>(m.size())))) drop[i] = 1;
      zeroed += apply_mask(wr, l, drop);
    }
    return zeroed;
  }
  std::vector<double> all;
  std::vector<std::pair<size_t, size_t>> where;  // (layer, element)
  for (size_t k = 0; k < layers.size(); ++k) {
    std::vector<double> m = magnitudes(g, layers[k]);
    for (size_t i = 0; i < m.size(); ++i) {
      all.push_back(m[i]);
      where.push_back({k, i});
    }
  }
  std::vector<std::vector<char>> drop(layers.size());
  for (size_t k = 0; k < layers.size(); ++k) drop[k].assign(magnitudes(g, layers[k]).size(), 0);
  for (size_t i : smallest(all, static_cast<size_t>(fraction * static_cast<double>(all.size()))))
    drop[where[i].first][where[i].second] = 1;
  for (size_t k = 0; k < layers.size(); ++k) zeroed += apply_mask(wr, layers[k], drop[k]);
  return zeroed;
}

// Zeroes filter `c` of node `i` (weights and bias): its output channel is exactly zero.
void zero_filter(Writer& wr, size_t i, int64_t c) {
  Graph& g = wr.g;
  Layer l;
  if (!weighted(g, i, &l)) return;
  Node& n = g.nodes[i];
  Tensor& W = wr(n, l.w);
  const Tensor* wz = input(g, n, l.wz);
  for (int64_t e = 0; e < W.numel(); ++e)
    if (l.channel_of(W, e) == c) zero_weight(W, l, wz, e);
  if (!input(g, n, l.bias)) return;
  Tensor& B = wr(n, l.bias);
  if (B.numel() != l.M) {  // a broadcast Gemm C: expand to one value per channel first
    if (B.numel() != 1 || B.dtype != DType::kFloat32) return;
    const float v = B.as<float>()[0];
    B.shape = {l.M};
    B.alloc();
    for (int64_t m = 0; m < l.M; ++m) B.as_mut<float>()[m] = v;
  }
  if (B.dtype == DType::kFloat32) B.as_mut<float>()[c] = 0.0f;
  else if (B.dtype == DType::kInt32) B.as_mut<int32_t>()[c] = 0;
}

int64_t channels(Writer& wr, const std::vector<Layer>& layers, const std::set<size_t>& excluded, double fraction) {
  const Graph& g = wr.g;
  // Mean filter L1 norm of each layer.
  std::map<size_t, std::vector<double>> norms;  // node -> per output channel
  for (const Layer& l : layers) {
    std::vector<double> m = magnitudes(g, l);
    const Tensor& W = g.tensor(g.nodes[l.node].inputs[l.w]);
    std::vector<double> per(static_cast<size_t>(l.M), 0.0);
    for (size_t i = 0; i < m.size(); ++i) per[static_cast<size_t>(l.channel_of(W, static_cast<int64_t>(i)))] += m[i];
    const double mean = std::accumulate(per.begin(), per.end(), 0.0) / static_cast<double>(per.size());
    for (double& v : per) v = mean > 0 ? v / mean : 0.0;
    norms[l.node] = per;
  }
  // Classes by the set of dense layers they span.
  std::map<std::vector<size_t>, std::vector<std::pair<double, const ChannelClass*>>> groups;
  const std::vector<ChannelClass> classes = channel_classes(g);
  for (const ChannelClass& cls : classes) {
    if (cls.fixed) continue;
    std::vector<size_t> key;
    double score = 0;
    bool ok = true;
    for (const ChannelFilter& f : cls.filters) {
      ok = ok && !excluded.count(f.node);
      if (f.depthwise) continue;
      auto it = norms.find(f.node);
      if (it == norms.end()) {
        ok = false;
        continue;
      }
      key.push_back(f.node);
      score += it->second[static_cast<size_t>(f.channel)];
    }
    if (!ok || key.empty()) continue;
    std::sort(key.begin(), key.end());
    groups[key].push_back({score / static_cast<double>(key.size()), &cls});
  }
  int64_t removed = 0;
  for (auto& kv : groups) {
    auto& v = kv.second;
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    // The fraction counts all of the layer's channels, including those it may not touch.
    int64_t layer_channels = 0;
    for (size_t node : kv.first) layer_channels = std::max(layer_channels, static_cast<int64_t>(norms[node].size()));
    const size_t k = std::min(v.size(), static_cast<size_t>(fraction * static_cast<double>(layer_channels)));
    for (size_t j = 0; j < k; ++j) {
      for (const ChannelFilter& f : v[j].second->filters) zero_filter(wr, f.node, f.channel);
      ++removed;
    }
  }
  return removed;
}

}  // namespace

PassResult run_prune_lossy(Graph& g, const PassContext& ctx) {
  PassResult r;
  const LossyPruneOptions& o = ctx.lossy;
  if (!o.active()) return r;
  std::vector<Layer> all;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Layer l;
    if (weighted(g, i, &l)) all.push_back(l);
  }
  std::set<size_t> excluded;
  if (!all.empty()) {
    excluded.insert(all.front().node);
    excluded.insert(all.back().node);
  }
  for (const Layer& l : all)
    if (std::find(o.exclude.begin(), o.exclude.end(), g.nodes[l.node].name) != o.exclude.end()) excluded.insert(l.node);
  for (const auto& name : o.exclude) {
    bool found = false;
    for (const Node& n : g.nodes) found |= n.name == name;
    if (!found)
      r.status = error(ErrorCode::kBadOption, fmt::format("--prune-exclude: the model has no node '{}'", name),
                       "node names are listed by `kiln inspect`");
    if (!r.status) return r;
  }
  std::vector<Layer> layers;
  for (const Layer& l : all)
    if (!excluded.count(l.node)) layers.push_back(l);
  Writer wr{g, {}};
  if (o.channels > 0) r.stats["channels-zeroed"] = channels(wr, layers, excluded, o.channels);
  if (o.magnitude > 0) r.stats["weights-zeroed"] = magnitude(wr, layers, o.magnitude, o.per_layer);
  r.changed = true;
  PassResult e = run_prune_channels(g, ctx);
  if (!e.status) return e;
  for (const auto& kv : e.stats) r.stats[kv.first] = kv.second;
  return r;
}

}  // namespace kiln
