//===- schedule.cpp - Pick the topological order with the smallest peak ---===//
//
// Graphs with branches (residual blocks, multi-branch heads) can run in many topological orders,
// and the order decides which tensors are alive together. The cost of an order is its liveness
// peak: walking the order, a node's outputs are allocated on top of everything alive, then its
// inputs whose last reader it was are freed (graph inputs live from the start, graph outputs
// to the end). Candidates: the model's own order; a greedy list schedule that always runs the
// ready node with the smallest net growth (bytes allocated minus bytes freed); and, for graphs
// small enough, an exhaustive depth-first search over all orders with branch-and-bound on the
// best peak found so far, capped at a fixed number of expansions. The cheapest order wins; ties
// keep the model's own order so output stays stable.
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <map>
#include <set>

#include "passes/passes.h"

namespace kiln {

namespace {

struct SchedGraph {
  size_t n = 0;
  std::vector<std::vector<int>> tensors_in, tensors_out;  // per node: tensor ids
  std::vector<int64_t> size;                               // per tensor
  std::vector<int> readers;                                // per tensor: number of reading nodes
  std::vector<bool> pinned;                                // graph output: never freed
  std::vector<std::vector<int>> preds;                     // per node: producer nodes
  int64_t base = 0;                                        // bytes of graph inputs alive at start
};

SchedGraph build(const Graph& g) {
  SchedGraph s;
  s.n = g.nodes.size();
  std::map<std::string, int> id;
  auto tid = [&](const std::string& name) {
    auto it = id.find(name);
    if (it != id.end()) return it->second;
    int k = static_cast<int>(s.size.size());
    id[name] = k;
    s.size.push_back(static_cast<int64_t>(g.tensor(name).bytes()));
    s.readers.push_back(0);
    s.pinned.push_back(g.is_graph_output(name));
    return k;
  };
  std::map<std::string, int> producer;
  s.tensors_in.resize(s.n);
  s.tensors_out.resize(s.n);
  s.preds.resize(s.n);
  for (size_t i = 0; i < s.n; ++i) {
    const Node& nd = g.nodes[i];
    std::set<int> seen;
    for (const auto& in : nd.inputs) {
      if (in.empty() || g.tensor(in).is_const) continue;
      int t = tid(in);
      if (!seen.insert(t).second) continue;
      s.tensors_in[i].push_back(t);
      s.readers[static_cast<size_t>(t)]++;
      auto p = producer.find(in);
      if (p != producer.end()) s.preds[i].push_back(p->second);
    }
    for (const auto& o : nd.outputs) {
      if (o.empty()) continue;
      s.tensors_out[i].push_back(tid(o));
      producer[o] = static_cast<int>(i);
    }
  }
  for (const auto& in : g.inputs) {
    int t = tid(in);
    s.pinned[static_cast<size_t>(t)] = true;  // graph inputs are never overwritten
    s.base += s.size[static_cast<size_t>(t)];
  }
  return s;
}

int64_t peak_of(const SchedGraph& s, const std::vector<int>& order) {
  std::vector<int> left = s.readers;
  int64_t live = s.base, peak = s.base;
  for (int node : order) {
    for (int t : s.tensors_out[static_cast<size_t>(node)]) live += s.size[static_cast<size_t>(t)];
    peak = std::max(peak, live);
    for (int t : s.tensors_in[static_cast<size_t>(node)])
      if (--left[static_cast<size_t>(t)] == 0 && !s.pinned[static_cast<size_t>(t)]) live -= s.size[static_cast<size_t>(t)];
    for (int t : s.tensors_out[static_cast<size_t>(node)])
      if (left[static_cast<size_t>(t)] == 0 && !s.pinned[static_cast<size_t>(t)]) live -= s.size[static_cast<size_t>(t)];
  }
  return peak;
}

struct Search {
  const SchedGraph& s;
  std::vector<int> left, npred_done, order, best_order;
  std::vector<bool> done;
  int64_t best = INT64_MAX;
  long budget = 200000;

  explicit Search(const SchedGraph& sg) : s(sg), left(sg.readers), npred_done(sg.n, 0), done(sg.n, false) {}

  bool ready(size_t i) const {
    if (done[i]) return false;
    for (int p : s.preds[i])
      if (!done[static_cast<size_t>(p)]) return false;
    return true;
  }

  void dfs(int64_t live, int64_t peak) {
    if (--budget < 0 || peak >= best) return;
    if (order.size() == s.n) {
      best = peak;
      best_order = order;
      return;
    }
    for (size_t i = 0; i < s.n; ++i) {
      if (!ready(i)) continue;
      int64_t l = live;
      for (int t : s.tensors_out[i]) l += s.size[static_cast<size_t>(t)];
      int64_t p = std::max(peak, l);
      std::vector<int> freed;
      for (int t : s.tensors_in[i])
        if (--left[static_cast<size_t>(t)] == 0 && !s.pinned[static_cast<size_t>(t)]) {
          l -= s.size[static_cast<size_t>(t)];
          freed.push_back(t);
        }
      for (int t : s.tensors_out[i])
        if (left[static_cast<size_t>(t)] == 0 && !s.pinned[static_cast<size_t>(t)]) l -= s.size[static_cast<size_t>(t)];
      done[i] = true;
      order.push_back(static_cast<int>(i));
      dfs(l, p);
      order.pop_back();
      done[i] = false;
      for (int t : s.tensors_in[i]) ++left[static_cast<size_t>(t)];
      if (budget < 0) return;
    }
  }
};

std::vector<int> greedy(const SchedGraph& s) {
  std::vector<int> left = s.readers, order;
  std::vector<bool> done(s.n, false);
  while (order.size() < s.n) {
    int pick = -1;
    int64_t pick_cost = INT64_MAX;
    for (size_t i = 0; i < s.n; ++i) {
      if (done[i]) continue;
      bool ok = true;
      for (int p : s.preds[i]) ok &= done[static_cast<size_t>(p)];
      if (!ok) continue;
      int64_t cost = 0;
      for (int t : s.tensors_out[i]) cost += s.size[static_cast<size_t>(t)];
      for (int t : s.tensors_in[i])
        if (left[static_cast<size_t>(t)] == 1 && !s.pinned[static_cast<size_t>(t)]) cost -= s.size[static_cast<size_t>(t)];
      if (cost < pick_cost) {
        pick = static_cast<int>(i);
        pick_cost = cost;
      }
    }
    done[static_cast<size_t>(pick)] = true;
    for (int t : s.tensors_in[static_cast<size_t>(pick)]) --left[static_cast<size_t>(t)];
    order.push_back(pick);
  }
  return order;
}

}  // namespace

PassResult run_schedule(Graph& g, const PassContext&) {
  PassResult r;
  SchedGraph s = build(g);
  std::vector<int> original(s.n);
  for (size_t i = 0; i < s.n; ++i) original[i] = static_cast<int>(i);
  std::vector<int> best = original;
  int64_t best_peak = peak_of(s, original);
  r.stats["peak-model-order"] = best_peak;
  std::vector<int> gr = greedy(s);
  if (int64_t p = peak_of(s, gr); p < best_peak) {
    best_peak = p;
    best = gr;
  }
  Search search(s);
  search.best = best_peak;
  search.dfs(s.base, s.base);
  if (!search.best_order.empty() && search.best < best_peak) {
    best_peak = search.best;
    best = search.best_order;
  }
  r.stats["peak-chosen"] = best_peak;
  if (best != original) {
    std::vector<Node> nodes;
    for (int i : best) nodes.push_back(std::move(g.nodes[static_cast<size_t>(i)]));
    g.nodes = std::move(nodes);
    r.changed = true;
  }
  return r;
}

}  // namespace kiln
