//===- patch_stage.cpp - Run the first convolutions patch by patch --------===//
//
// Patch-based inference (MCUNetV2, Lin et al. 2021). A CNN's first layers have the largest
// activations; run them one spatial tile at a time and those activations never exist whole.
// The stage is the model's first run of convolutions (Conv, QLinearConv with constant
// parameters, 2-D, batch 1) where each output feeds only the next. Its output is cut into an
// N x N grid of tiles; walking the stage backwards, each tile's rows and columns give the rows
// and columns of every earlier activation it needs (the receptive field: o*S - P ... (o'-1)*S -
// P + (K-1)*D + 1, clipped to the tensor). Per tile the pass emits a Slice of the stage input,
// the stage's layers with pads recomputed for the tile (the model's padding where the tile
// touches a border, none where its halo is real data, so every tile computes exactly the
// outputs of the whole layer) and a kiln.PatchInsert that copies the tile into its place in the
// stage output. The PatchInserts form a chain of views of one buffer, which the first tile
// starts, so the stage output is planned once. Neighbouring tiles' halos overlap: that
// overlap is computed again (reported as extra MACs).
//
// Options: `--patches N` (N x N tiles; off below 2) and `--patch-layers K` (the stage's length;
// 0 = auto: every length is planned on a copy of the graph, with alias-views, inplace and
// plan-memory, and the one with the smallest arena wins; when none beats the unpatched graph,
// nothing changes). Runs after `schedule`: the tiles keep the stage's place in the order.
//===----------------------------------------------------------------------===//
#include <algorithm>

#include "compiler/ops/infer.h"
#include "compiler/ops/nn_util.h"
#include "passes/passes.h"

namespace kiln {

namespace {

struct Layer {
  size_t node = 0;
  Window w{};
};

struct Range {
  int64_t b = 0, e = 0;
};

// A 2-D batch-1 Conv or QLinearConv whose parameters are all constants; its geometry in l->w.
bool patchable(Graph& g, Node& n, Layer* l) {
  const bool q = n.op == "QLinearConv";
  if (!n.domain.empty() || (n.op != "Conv" && !q) || n.outputs.size() != 1 || n.inputs.size() < (q ? 8u : 2u))
    return false;
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (!n.inputs[i].empty() && !g.tensor(n.inputs[i]).is_const) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[q ? 3 : 1]);
  if (x.shape.size() != 4 || x.shape[0] != 1 || w.shape.size() != 4) return false;
  OpCtx ctx(g, n, g.opset);
  return resolve_window(ctx, x.shape, {w.shape[2], w.shape[3]}, false, &l->w).is_ok();
}

// The first convolution of the schedule and the convolutions after it that each read only the
// previous one's output.
std::vector<Layer> find_chain(Graph& g) {
  std::vector<Layer> chain;
  for (size_t s = 0; s < g.nodes.size() && chain.empty(); ++s) {
    Layer l;
    l.node = s;
    if (patchable(g, g.nodes[s], &l)) chain.push_back(l);
  }
  while (!chain.empty()) {
    const std::string& y = g.nodes[chain.back().node].outputs[0];
    const size_t next = chain.back().node + 1;
    if (next >= g.nodes.size() || g.is_graph_output(y) || g.consumers(y) != std::vector<size_t>{next}) break;
    Layer l;
    l.node = next;
    if (g.nodes[next].inputs[0] != y || !patchable(g, g.nodes[next], &l)) break;
    chain.push_back(l);
  }
  return chain;
}

Range part(int64_t len, int n, int k) { return {len * k / n, len * (k + 1) / n}; }

// The input range a window op needs for outputs `o` along one axis, and the tile's own padding
// before and after it. False when the outputs see padding only.
bool need(Range o, int64_t S, int64_t P, int64_t K, int64_t D, int64_t H, Range* in, int64_t* before, int64_t* after) {
  const int64_t lo = o.b * S - P, hi = (o.e - 1) * S - P + (K - 1) * D + 1;
  in->b = std::max<int64_t>(0, lo);
  in->e = std::min(H, hi);
  *before = in->b - lo;
  *after = hi - in->e;
  return in->e > in->b;
}

int64_t node_macs(Graph& g, Node& n) {
  const OpDef* def = find_op(n.op, n.domain);
  if (!def || !def->macs) return 0;
  OpCtx ctx(g, n, g.opset);
  return def->macs(ctx);
}

std::string new_tensor(Graph& g, const std::string& base) {
  Tensor t;
  t.name = g.unique_name(base);
  g.tensors[t.name] = t;
  return t.name;
}

std::string int64_const(Graph& g, const std::string& base, const std::vector<int64_t>& v) {
  Tensor t;
  t.name = g.unique_name(base);
  t.dtype = DType::kInt64;
  t.shape = {static_cast<int64_t>(v.size())};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size(); ++i) t.as_mut<int64_t>()[i] = v[i];
  g.tensors[t.name] = t;
  return t.name;
}

struct Rewrite {
  int64_t macs_before = 0, macs_after = 0;
};

// Replaces the first `len` layers of `chain` by n x n patches. False (graph untouched) when a
// tile would be empty or see padding only.
Expected<bool> rewrite(Graph& g, const std::vector<Layer>& chain, size_t len, int n, Rewrite* out) {
  const size_t first = chain[0].node, last = chain[len - 1].node;
  const std::string x = g.nodes[first].inputs[0], y = g.nodes[last].outputs[0];
  const Shape ys = g.tensor(y).shape;
  if (ys[2] < n || ys[3] < n) return false;
  // Geometry first, so that nothing changes when some tile is degenerate.
  struct Tile {
    std::vector<Range> h, w;
    std::vector<std::vector<int64_t>> pads;  // ONNX order: top, left, bottom, right
  };
  std::vector<Tile> tiles;
  for (int ti = 0; ti < n; ++ti)
    for (int tj = 0; tj < n; ++tj) {
      Tile t;
      t.h.resize(len + 1);
      t.w.resize(len + 1);
      t.pads.resize(len);
      t.h[len] = part(ys[2], n, ti);
      t.w[len] = part(ys[3], n, tj);
      for (size_t l = len; l-- > 0;) {
        const Window& k = chain[l].w;
        int64_t pt, pb, pl, pr;
        if (!need(t.h[l + 1], k.SH, k.PT, k.KH, k.DH, k.H, &t.h[l], &pt, &pb) ||
            !need(t.w[l + 1], k.SW, k.PL, k.KW, k.DW, k.W, &t.w[l], &pl, &pr))
          return false;
        t.pads[l] = {pt, pl, pb, pr};
      }
      tiles.push_back(t);
    }
  std::vector<Node> stage(g.nodes.begin() + static_cast<std::ptrdiff_t>(first),
                          g.nodes.begin() + static_cast<std::ptrdiff_t>(last + 1));
  for (Node& s : stage) out->macs_before += node_macs(g, s);
  std::vector<Node> nodes;
  std::string prev;
  for (size_t t = 0; t < tiles.size(); ++t) {
    const Tile& tile = tiles[t];
    const std::string tag = fmt::format("/patch{}", t);
    Node slice;
    slice.op = "Slice";
    slice.name = g.unique_name(x + tag + "/slice");
    slice.inputs = {x};
    slice.outputs = {new_tensor(g, x + tag)};
    if (g.opset < 10) {
      slice.set_ints("starts", {tile.h[0].b, tile.w[0].b});
      slice.set_ints("ends", {tile.h[0].e, tile.w[0].e});
      slice.set_ints("axes", {2, 3});
    } else {
      slice.inputs.push_back(int64_const(g, x + tag + "/starts", {tile.h[0].b, tile.w[0].b}));
      slice.inputs.push_back(int64_const(g, x + tag + "/ends", {tile.h[0].e, tile.w[0].e}));
      slice.inputs.push_back(int64_const(g, x + tag + "/axes", {2, 3}));
    }
    KILN_TRY(infer_node(g, slice));
    std::string cur = slice.outputs[0];
    nodes.push_back(slice);
    for (size_t l = 0; l < len; ++l) {
      Node c = stage[l];
      c.name = g.unique_name(c.name + tag);
      c.inputs[0] = cur;
      c.attrs.erase("auto_pad");
      c.set_ints("pads", tile.pads[l]);
      c.set_int("kiln_patch", static_cast<int64_t>(t));
      c.outputs = {new_tensor(g, stage[l].outputs[0] + tag)};
      KILN_TRY(infer_node(g, c));
      out->macs_after += node_macs(g, c);
      cur = c.outputs[0];
      nodes.push_back(c);
    }
    Node ins;
    ins.op = "PatchInsert";
    ins.domain = "kiln";
    ins.name = g.unique_name(y + tag + "/insert");
    ins.inputs = {prev, cur};
    ins.outputs = {t + 1 == tiles.size() ? y : new_tensor(g, y + tag + "/filled")};
    ins.set_ints("shape", ys);
    ins.set_ints("starts", {tile.h[len].b, tile.w[len].b});
    KILN_TRY(infer_node(g, ins));
    if (!prev.empty()) {  // every patch writes into the buffer the first one started
      g.tensor(ins.outputs[0]).alias_of = prev;
      g.tensor(ins.outputs[0]).alias_offset = 0;
    }
    prev = ins.outputs[0];
    nodes.push_back(ins);
  }
  g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(first), g.nodes.begin() + static_cast<std::ptrdiff_t>(last + 1));
  g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(first), nodes.begin(), nodes.end());
  for (size_t l = 0; l + 1 < len; ++l) g.tensors.erase(stage[l].outputs[0]);  // the whole activations are gone
  return true;
}

// The arena the rest of the memory pipeline gives `g` (planned on a copy).
int64_t planned_arena(Graph g, const PassContext& ctx) {
  run_alias_views(g, ctx);
  run_inplace(g, ctx);
  PassResult r = run_plan_memory(g, ctx);
  return r.status ? r.stats["arena-bytes"] : INT64_MAX;
}

}  // namespace

PassResult run_patch_stage(Graph& g, const PassContext& ctx) {
  PassResult r;
  const int n = ctx.patches;
  if (n < 2) return r;
  const std::vector<Layer> chain = find_chain(g);
  if (chain.empty()) return r;
  r.stats["patch-grid"] = n;
  const int64_t unpatched = planned_arena(g, ctx);
  r.stats["arena-unpatched"] = unpatched;
  size_t best_len = 0;
  int64_t best_arena = unpatched;
  std::vector<size_t> lengths;
  if (ctx.patch_layers > 0) {
    lengths.push_back(std::min(chain.size(), static_cast<size_t>(ctx.patch_layers)));
    best_arena = INT64_MAX;
  } else {
    for (size_t len = 1; len <= chain.size(); ++len) lengths.push_back(len);
  }
  for (size_t len : lengths) {
    Graph trial = g;
    Rewrite rw;
    auto ok = rewrite(trial, chain, len, n, &rw);
    if (!ok) {
      r.status = ok.status();
      return r;
    }
    if (!*ok) continue;
    const int64_t arena = planned_arena(trial, ctx);
    if (arena < best_arena) {
      best_arena = arena;
      best_len = len;
    }
  }
  r.stats["patch-layers"] = static_cast<int64_t>(best_len);
  if (best_len == 0) return r;
  Rewrite rw;
  auto ok = rewrite(g, chain, best_len, n, &rw);
  if (!ok) {
    r.status = ok.status();
    return r;
  }
  r.changed = true;
  r.stats["arena-patched"] = best_arena;
  r.stats["stage-macs"] = rw.macs_before;
  r.stats["stage-macs-patched"] = rw.macs_after;
  return r;
}

}  // namespace kiln
