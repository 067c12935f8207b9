//===- plan_memory.cpp - Place every activation in one static arena -------===//
//
// analyse: walk the schedule; each non-constant tensor that is not a view is a buffer. Every
// tensor sharing it (the root, its views, outputs written in place over it) contributes an
// extent: its bytes inside the buffer (an in-place output may start before the root: the buffer
// then spans from there) and the steps from the one that writes it to the last that reads it
// (graph inputs from before the first step, graph outputs until after the last). Tensors with
// the same bytes merge into one extent.
// plan: two buffers conflict where extents of both are alive at one step and overlap in bytes.
// Each algorithm fixes an order and places buffers one by one at the tightest aligned offset the
// conflicting buffers already placed leave free: greedy-by-size (largest first),
// greedy-by-conflicts (most conflicting bytes first), best-fit-by-start (time order); for at most
// 16 buffers an exact branch-and-bound search over placement orders follows, stopping at the
// liveness bound. The smallest arena wins (ties: the first algorithm), so the result is
// deterministic.
// apply: store offsets. The arena is the furthest end; the liveness bound (with the below-the-
// bound in-place aliases undone) is reported beside it.
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <functional>
#include <map>

#include "compiler/ops/op.h"
#include "passes/memory_plan.h"
#include "passes/passes.h"

namespace kiln {

namespace {

// The root a tensor's bytes belong to and the tensor's byte offset inside it (negative when an
// in-place convolution's larger output starts before its input).
const Tensor& root_of(const Graph& g, const Tensor& t, int64_t* offset) {
  const Tensor* r = &t;
  *offset = 0;
  while (!r->alias_of.empty()) {
    *offset += r->alias_offset;
    r = &g.tensor(r->alias_of);
  }
  return *r;
}

int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

}  // namespace

std::vector<Extent> extents_of(const Buffer& b) {
  if (!b.extents.empty()) return b.extents;
  Extent e;
  e.first = b.first;
  e.last = b.last;
  e.end = b.size;
  return {e};
}

int64_t live_bytes(const Buffer& b, int step) {
  std::vector<std::pair<int64_t, int64_t>> iv;
  for (const Extent& e : extents_of(b))
    if (e.first <= step && step <= e.last && e.end > e.begin) iv.push_back({e.begin, e.end});
  std::sort(iv.begin(), iv.end());
  int64_t total = 0, cursor = INT64_MIN;
  for (const auto& x : iv) {
    const int64_t lo = std::max(cursor, x.first);
    if (x.second > lo) total += x.second - lo;
    cursor = std::max(cursor, x.second);
  }
  return total;
}

std::vector<Buffer> analyse_buffers(const Graph& g, int64_t align) {
  // Per tensor: its root, byte range inside the root and live steps.
  struct Use {
    int first = INT32_MAX, last = INT32_MIN;
  };
  std::map<std::string, Use> use;
  const int end = static_cast<int>(g.nodes.size());
  auto touch = [&](const std::string& name, int step) {
    if (name.empty() || g.tensor(name).is_const) return;
    Use& u = use[name];
    u.first = std::min(u.first, step);
    u.last = std::max(u.last, step);
  };
  for (const auto& in : g.inputs) touch(in, -1);
  for (int s = 0; s < end; ++s) {
    for (const auto& o : g.nodes[s].outputs) touch(o, s);
    for (const auto& in : g.nodes[s].inputs) touch(in, s);
  }
  for (const auto& o : g.outputs) touch(o, end);
  // Extents per root; tensors covering the same bytes (views, in-place elementwise) merge into one.
  std::map<std::string, std::map<std::pair<int64_t, int64_t>, Extent>> by_root;
  for (const auto& kv : use) {
    int64_t off = 0;
    const Tensor& r = root_of(g, g.tensor(kv.first), &off);
    const auto range = std::make_pair(off, off + static_cast<int64_t>(g.tensor(kv.first).bytes()));
    auto& ext = by_root[r.name];
    auto it = ext.find(range);
    if (it == ext.end()) {
      Extent e;
      e.first = kv.second.first;
      e.last = kv.second.last;
      e.begin = range.first;
      e.end = range.second;
      ext.emplace(range, e);
    } else {
      it->second.first = std::min(it->second.first, kv.second.first);
      it->second.last = std::max(it->second.last, kv.second.last);
    }
  }
  std::vector<Buffer> v;
  for (auto& kv : by_root) {
    Buffer b;
    b.name = kv.first;
    b.align = align;
    int64_t lo = 0, hi = static_cast<int64_t>(g.tensor(kv.first).bytes());
    b.first = INT32_MAX;
    b.last = INT32_MIN;
    for (const auto& e : kv.second) {
      lo = std::min(lo, e.second.begin);
      hi = std::max(hi, e.second.end);
      b.first = std::min(b.first, e.second.first);
      b.last = std::max(b.last, e.second.last);
    }
    b.base = -lo;
    b.size = hi - lo;
    // One extent over the whole buffer and its whole life is the plain case: leave it implicit.
    const bool plain = kv.second.size() == 1 && lo == 0 && kv.second.begin()->second.end == hi;
    if (!plain)
      for (const auto& e : kv.second) {
        Extent x = e.second;
        x.begin += b.base;
        x.end += b.base;
        b.extents.push_back(x);
      }
    v.push_back(b);
  }
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
      if (b.first <= s && s <= b.last) total += live_bytes(b, s);
    best = std::max(best, total);
  }
  return best;
}

// Offsets o of b that would make b overlap the placed buffer j (at oj) where their extents are
// alive together: o in [lo, hi).
static void forbidden(const Buffer& b, const Buffer& j, int64_t oj, std::vector<std::pair<int64_t, int64_t>>* out) {
  if (!buffers_conflict(b, j)) return;
  const std::vector<Extent> eb = extents_of(b), ej = extents_of(j);
  for (const Extent& e : eb)
    for (const Extent& f : ej) {
      if (e.end <= e.begin || f.end <= f.begin || e.first > f.last || f.first > e.last) continue;
      // overlap iff o + e.begin < oj + f.end and oj + f.begin < o + e.end
      out->push_back({oj + f.begin - e.end + 1, oj + f.end - e.begin});
    }
}

// Lowest-waste placement of b among `placed` (indices into bufs with offsets in plan): the
// aligned offset in the tightest free range (for single-extent buffers: the tightest gap).
static int64_t place(const std::vector<Buffer>& bufs, const std::vector<size_t>& placed,
                     const std::vector<int64_t>& offsets, const Buffer& b) {
  std::vector<std::pair<int64_t, int64_t>> busy;
  for (size_t j : placed) forbidden(b, bufs[j], offsets[j], &busy);
  std::sort(busy.begin(), busy.end());
  int64_t best = -1, best_gap = INT64_MAX, cursor = 0;
  for (const auto& iv : busy) {
    int64_t start = align_up(cursor, b.align);
    if (iv.first > start && iv.first - start < best_gap) {
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
      std::vector<std::pair<int64_t, int64_t>> bad;
      forbidden(bufs[i], bufs[j], plan.offsets[j], &bad);
      for (const auto& iv : bad)
        if (iv.first <= plan.offsets[i] && plan.offsets[i] < iv.second) return false;
    }
  }
  return true;
}

std::string scratch_buffer_name(const Node& n) { return n.name + "#scratch"; }

void apply_plan(Graph& g, const std::vector<Buffer>& bufs, const MemoryPlan& plan) {
  for (size_t i = 0; i < bufs.size(); ++i) {
    if (Tensor* t = g.find(bufs[i].name)) {
      t->arena_offset = plan.offsets[i] + bufs[i].base;
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
    octx.set_codegen(nullptr, nullptr, ctx.target);
    int64_t bytes = def->scratch(octx);
    if (bytes > 0) n.set_int("kiln_scratch_bytes", bytes);
    else n.attrs.erase("kiln_scratch_bytes");
  }
  int64_t align = ctx.target ? std::max(ctx.target->alignment, 4) : 16;
  std::vector<Buffer> bufs = analyse_buffers(g, align);
  MemoryPlan plan = plan_best(bufs);
  if (!plan_is_valid(bufs, plan)) {
    r.status = KILN_ICE("memory plan overlaps live buffers");
    return r;
  }
  apply_plan(g, bufs, plan);
  r.changed = true;
  r.stats["arena-bytes"] = plan.arena;
  // The liveness bound is a property of the schedule's tensors: below-the-bound aliasing (the
  // in-place convolutions and quantization of passes/inplace.cpp, which name the tensor whose alias
  // they set) and kernel scratch do not count towards it.
  Graph plain = g;
  for (Node& n : plain.nodes) {
    n.attrs.erase("kiln_scratch_bytes");
    std::string undo = n.attr_string("kiln_inplace_alias", "");
    if (!undo.empty()) {
      plain.tensor(undo).alias_of.clear();
      plain.tensor(undo).alias_offset = 0;
    }
  }
  r.stats["liveness-bound"] = liveness_bound(analyse_buffers(plain, align));
  r.stats["buffers"] = static_cast<int64_t>(bufs.size());
  r.stats["algorithm:" + plan.algorithm] = 1;
  return r;
}

}  // namespace kiln
