//===- plan_memory.cpp - Place every activation in one static arena -------===//
//
// analyse: walk the schedule; each non-constant tensor that is not a view is a buffer, live from
// the step that writes it to the last step that reads it or any of its views (graph inputs from
// before the first step, graph outputs until after the last). plan: two buffers conflict when
// their live ranges intersect; greedy-by-size sorts buffers by size (ties: earlier first, then
// name, for determinism) and gives each the lowest aligned offset at which it overlaps no
// already-placed conflicting buffer, taking the tightest gap that fits. apply: store offsets.
// The arena is the furthest end; the liveness bound is reported beside it.
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <map>

#include "passes/memory_plan.h"
#include "passes/passes.h"

namespace kiln {

static const Tensor& root_of(const Graph& g, const Tensor& t) {
  const Tensor* r = &t;
  while (!r->alias_of.empty()) r = &g.tensor(r->alias_of);
  return *r;
}

std::vector<Buffer> analyse_buffers(const Graph& g, int64_t align) {
  std::map<std::string, Buffer> by_root;
  const int end = static_cast<int>(g.nodes.size());
  auto touch = [&](const std::string& name, int step) {
    if (name.empty()) return;
    const Tensor& t = g.tensor(name);
    if (t.is_const) return;
    const Tensor& r = root_of(g, t);
    auto it = by_root.find(r.name);
    if (it == by_root.end()) {
      Buffer b;
      b.name = r.name;
      b.size = static_cast<int64_t>(r.bytes());
      b.align = align;
      b.first = step;
      b.last = step;
      by_root.emplace(r.name, b);
    } else {
      it->second.first = std::min(it->second.first, step);
      it->second.last = std::max(it->second.last, step);
    }
  };
  for (const auto& in : g.inputs) touch(in, -1);
  for (int s = 0; s < end; ++s) {
    for (const auto& o : g.nodes[s].outputs) touch(o, s);
    for (const auto& in : g.nodes[s].inputs) touch(in, s);
  }
  for (const auto& o : g.outputs) touch(o, end);
  std::vector<Buffer> v;
  for (auto& kv : by_root) v.push_back(kv.second);
  return v;
}

bool buffers_conflict(const Buffer& a, const Buffer& b) {
  return a.first <= b.last && b.first <= a.last;
}

int64_t liveness_bound(const std::vector<Buffer>& bufs) {
  int lo = 0, hi = 0;
  for (const Buffer& b : bufs) {
    lo = std::min(lo, b.first);
    hi = std::max(hi, b.last);
  }
  int64_t best = 0;
  for (int s = lo; s <= hi; ++s) {
    int64_t total = 0;
    for (const Buffer& b : bufs)
      if (b.first <= s && s <= b.last) total += b.size;
    best = std::max(best, total);
  }
  return best;
}

static int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

MemoryPlan plan_greedy_by_size(const std::vector<Buffer>& bufs) {
  std::vector<size_t> order(bufs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (bufs[a].size != bufs[b].size) return bufs[a].size > bufs[b].size;
    if (bufs[a].first != bufs[b].first) return bufs[a].first < bufs[b].first;
    return bufs[a].name < bufs[b].name;
  });
  MemoryPlan plan;
  plan.algorithm = "greedy-by-size";
  plan.offsets.assign(bufs.size(), -1);
  std::vector<size_t> placed;
  for (size_t i : order) {
    const Buffer& b = bufs[i];
    // Occupied intervals of conflicting placed buffers, sorted by offset.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed)
      if (buffers_conflict(b, bufs[j]) && bufs[j].size > 0)
        busy.push_back({plan.offsets[j], plan.offsets[j] + bufs[j].size});
    std::sort(busy.begin(), busy.end());
    int64_t best = -1, best_gap = INT64_MAX, cursor = 0;
    for (const auto& iv : busy) {
      int64_t start = align_up(cursor, b.align);
      if (iv.first >= start + b.size && iv.first - start < best_gap) {
        best = start;
        best_gap = iv.first - start;
      }
      cursor = std::max(cursor, iv.second);
    }
    if (best < 0) best = align_up(cursor, b.align);
    plan.offsets[i] = best;
    plan.arena = std::max(plan.arena, best + b.size);
    placed.push_back(i);
  }
  return plan;
}

bool plan_is_valid(const std::vector<Buffer>& bufs, const MemoryPlan& plan) {
  for (size_t i = 0; i < bufs.size(); ++i) {
    if (plan.offsets[i] < 0 || plan.offsets[i] % bufs[i].align != 0) return false;
    for (size_t j = i + 1; j < bufs.size(); ++j) {
      if (!buffers_conflict(bufs[i], bufs[j]) || bufs[i].size == 0 || bufs[j].size == 0) continue;
      bool disjoint = plan.offsets[i] + bufs[i].size <= plan.offsets[j] ||
                      plan.offsets[j] + bufs[j].size <= plan.offsets[i];
      if (!disjoint) return false;
    }
  }
  return true;
}

void apply_plan(Graph& g, const std::vector<Buffer>& bufs, const MemoryPlan& plan) {
  for (size_t i = 0; i < bufs.size(); ++i) g.tensor(bufs[i].name).arena_offset = plan.offsets[i];
}

PassResult run_plan_memory(Graph& g, const PassContext& ctx) {
  PassResult r;
  int64_t align = ctx.target ? std::max(ctx.target->alignment, 4) : 16;
  std::vector<Buffer> bufs = analyse_buffers(g, align);
  MemoryPlan plan = plan_greedy_by_size(bufs);
  if (!plan_is_valid(bufs, plan)) {
    r.status = KILN_ICE("memory plan overlaps live buffers");
    return r;
  }
  apply_plan(g, bufs, plan);
  r.changed = true;
  r.stats["arena-bytes"] = plan.arena;
  r.stats["liveness-bound"] = liveness_bound(bufs);
  r.stats["buffers"] = static_cast<int64_t>(bufs.size());
  return r;
}

}  // namespace kiln
