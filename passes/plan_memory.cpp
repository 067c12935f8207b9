//===- plan_memory.cpp - Place every activation in one static arena -------===//
//
// analyse: walk the schedule; each non-constant tensor that is not a view is a buffer, live from
// the step that writes it to the last step that reads it or any of its views (graph inputs from
// before the first step, graph outputs until after the last).
// plan: two buffers conflict when their live ranges intersect. Each algorithm fixes an order and
// places buffers one by one at the tightest aligned gap among the conflicting buffers already
// placed: greedy-by-size (largest first), greedy-by-conflicts (most conflicting bytes first),
// best-fit-by-start (time order); for at most 16 buffers an exact branch-and-bound search over
// placement orders follows, stopping at the liveness bound. The smallest arena wins (ties: the
// first algorithm), so the result is deterministic. Kernel scratch marked optional (a faster
// variant's buffer, e.g. a convolution's row buffer) must not raise the arena: when it does, the
// plan is redone without any, and each optional buffer, largest first, is given back where it
// fits in the gaps; the other kernels run their variant without scratch.
// apply: store offsets. The arena is the furthest end; the liveness bound is reported beside it.
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <functional>
#include <map>

#include "compiler/ops/op.h"
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
  // Kernel scratch: alive during its node only.
  for (int s = 0; s < end; ++s) {
    int64_t bytes = g.nodes[s].attr_int("kiln_scratch_bytes", 0);
    if (bytes <= 0) continue;
    Buffer b;
    b.name = scratch_buffer_name(g.nodes[s]);
    b.size = bytes;
    b.align = align;
    b.first = b.last = s;
    v.push_back(b);
  }
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

// Lowest-waste placement of b among `placed` (indices into bufs with offsets in plan).
static int64_t place(const std::vector<Buffer>& bufs, const std::vector<size_t>& placed,
                     const std::vector<int64_t>& offsets, const Buffer& b) {
  std::vector<std::pair<int64_t, int64_t>> busy;
  for (size_t j : placed)
    if (buffers_conflict(b, bufs[j]) && bufs[j].size > 0) busy.push_back({offsets[j], offsets[j] + bufs[j].size});
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
  return best >= 0 ? best : align_up(cursor, b.align);
}

MemoryPlan plan_in_order(const std::vector<Buffer>& bufs, const std::vector<size_t>& order, const char* name) {
  MemoryPlan plan;
  plan.algorithm = name;
  plan.offsets.assign(bufs.size(), -1);
  std::vector<size_t> placed;
  for (size_t i : order) {
    plan.offsets[i] = place(bufs, placed, plan.offsets, bufs[i]);
    plan.arena = std::max(plan.arena, plan.offsets[i] + bufs[i].size);
    placed.push_back(i);
  }
  return plan;
}

static std::vector<size_t> sorted_order(const std::vector<Buffer>& bufs,
                                        const std::function<bool(size_t, size_t)>& before) {
  std::vector<size_t> order(bufs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (before(a, b)) return true;
    if (before(b, a)) return false;
    return bufs[a].name < bufs[b].name;
  });
  return order;
}

MemoryPlan plan_greedy_by_size(const std::vector<Buffer>& bufs) {
  return plan_in_order(bufs, sorted_order(bufs, [&](size_t a, size_t b) {
                         return bufs[a].size != bufs[b].size ? bufs[a].size > bufs[b].size : bufs[a].first < bufs[b].first;
                       }), "greedy-by-size");
}

MemoryPlan plan_greedy_by_conflicts(const std::vector<Buffer>& bufs) {
  std::vector<int64_t> weight(bufs.size(), 0);
  for (size_t i = 0; i < bufs.size(); ++i)
    for (size_t j = 0; j < bufs.size(); ++j)
      if (i != j && buffers_conflict(bufs[i], bufs[j])) weight[i] += bufs[j].size;
  return plan_in_order(bufs, sorted_order(bufs, [&](size_t a, size_t b) {
                         return weight[a] != weight[b] ? weight[a] > weight[b] : bufs[a].size > bufs[b].size;
                       }), "greedy-by-conflicts");
}

MemoryPlan plan_by_start(const std::vector<Buffer>& bufs) {
  return plan_in_order(bufs, sorted_order(bufs, [&](size_t a, size_t b) {
                         return bufs[a].first != bufs[b].first ? bufs[a].first < bufs[b].first : bufs[a].size > bufs[b].size;
                       }), "best-fit-by-start");
}

namespace {
struct Exact {
  const std::vector<Buffer>& bufs;
  int64_t lower;  // the liveness bound: no plan can beat it
  long budget;
  MemoryPlan best;
  std::vector<int64_t> offsets;
  std::vector<size_t> placed;
  std::vector<bool> used;

  void dfs(int64_t arena) {
    if (--budget < 0 || arena >= best.arena || best.arena == lower) return;
    if (placed.size() == bufs.size()) {
      best.offsets = offsets;
      best.arena = arena;
      return;
    }
    for (size_t i = 0; i < bufs.size(); ++i) {
      if (used[i]) continue;
      int64_t off = place(bufs, placed, offsets, bufs[i]);
      offsets[i] = off;
      used[i] = true;
      placed.push_back(i);
      dfs(std::max(arena, off + bufs[i].size));
      placed.pop_back();
      used[i] = false;
      offsets[i] = -1;
      if (budget < 0) return;
    }
  }
};
}  // namespace

MemoryPlan plan_exact(const std::vector<Buffer>& bufs, const MemoryPlan& incumbent, long budget) {
  Exact e{bufs, liveness_bound(bufs), budget, incumbent, std::vector<int64_t>(bufs.size(), -1), {}, std::vector<bool>(bufs.size(), false)};
  e.dfs(0);
  if (e.best.arena < incumbent.arena) e.best.algorithm = "exact-search";
  return e.best;
}

MemoryPlan plan_best(const std::vector<Buffer>& bufs) {
  MemoryPlan best = plan_greedy_by_size(bufs);
  for (const MemoryPlan& p : {plan_greedy_by_conflicts(bufs), plan_by_start(bufs)})
    if (p.arena < best.arena) best = p;
  if (bufs.size() <= 16) best = plan_exact(bufs, best);
  return best;
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

std::string scratch_buffer_name(const Node& n) { return n.name + "#scratch"; }

void apply_plan(Graph& g, const std::vector<Buffer>& bufs, const MemoryPlan& plan) {
  for (size_t i = 0; i < bufs.size(); ++i) {
    if (Tensor* t = g.find(bufs[i].name)) {
      t->arena_offset = plan.offsets[i];
      continue;
    }
    for (Node& n : g.nodes)
      if (scratch_buffer_name(n) == bufs[i].name) n.set_int("kiln_scratch_offset", plan.offsets[i]);
  }
}

PassResult run_plan_memory(Graph& g, const PassContext& ctx) {
  PassResult r;
  // Ask each op how much scratch its kernel needs.
  for (Node& n : g.nodes) {
    const OpDef* def = find_op(n.op, n.domain);
    if (!def || !def->scratch) continue;
    OpCtx octx(g, n, g.opset);
    octx.set_codegen(nullptr, nullptr, ctx.target);  // scratch may depend on the target's kernels
    int64_t bytes = def->scratch(octx);
    if (bytes > 0) n.set_int("kiln_scratch_bytes", bytes);
    else n.attrs.erase("kiln_scratch_bytes");
  }
  int64_t align = ctx.target ? std::max(ctx.target->alignment, 4) : 16;
  std::vector<Buffer> bufs = analyse_buffers(g, align);
  MemoryPlan plan = plan_best(bufs);
  // Optional scratch (a kernel with a slower variant that needs none, attribute
  // kiln_scratch_optional): if it raises the arena, plan without any, then give it back, largest
  // first, to every node where it fits without raising the arena.
  std::vector<std::pair<Node*, int64_t>> optional;
  for (Node& n : g.nodes)
    if (n.attr_int("kiln_scratch_optional", 0) && n.attr_int("kiln_scratch_bytes", 0) > 0)
      optional.emplace_back(&n, n.attr_int("kiln_scratch_bytes", 0));
  if (!optional.empty()) {
    for (auto& o : optional) o.first->attrs.erase("kiln_scratch_bytes");
    std::vector<Buffer> lean = analyse_buffers(g, align);
    MemoryPlan lean_plan = plan_best(lean);
    if (lean_plan.arena < plan.arena) {
      std::stable_sort(optional.begin(), optional.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      int64_t dropped = 0;
      for (auto& o : optional) {
        o.first->set_int("kiln_scratch_bytes", o.second);
        std::vector<Buffer> with = analyse_buffers(g, align);
        MemoryPlan p = plan_best(with);
        if (p.arena <= lean_plan.arena) {
          lean = std::move(with);
          lean_plan = std::move(p);
        } else {
          o.first->attrs.erase("kiln_scratch_bytes");
          ++dropped;
        }
      }
      bufs = std::move(lean);
      plan = std::move(lean_plan);
      r.stats["optional-scratch-dropped"] = dropped;
    } else {
      for (auto& o : optional) o.first->set_int("kiln_scratch_bytes", o.second);
    }
  }
  if (!plan_is_valid(bufs, plan)) {
    r.status = KILN_ICE("memory plan overlaps live buffers");
    return r;
  }
  apply_plan(g, bufs, plan);
  r.changed = true;
  r.stats["arena-bytes"] = plan.arena;
  // The liveness bound is a property of the schedule's tensors: below-the-bound aliasing (in-place
  // depthwise) and kernel scratch do not count towards it.
  Graph plain = g;
  for (Node& n : plain.nodes) {
    n.attrs.erase("kiln_scratch_bytes");
    if (n.attr_int("kiln_inplace_dw", 0)) plain.tensor(n.outputs[0]).alias_of.clear();
  }
  r.stats["liveness-bound"] = liveness_bound(analyse_buffers(plain, align));
  r.stats["buffers"] = static_cast<int64_t>(bufs.size());
  r.stats["algorithm:" + plan.algorithm] = 1;
  return r;
}

}  // namespace kiln
