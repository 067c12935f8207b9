// Static memory planning in three pieces (TVM USMP's split):
//   analyse: the arena buffers of a scheduled graph with size, alignment, first and last use;
//   plan:    a pure function from buffers to offsets (algorithms registered by name);
//   apply:   write the offsets back into the graph.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

// Bytes [begin, end) of a buffer in use during steps [first, last].
struct Extent {
  int first = 0, last = 0;
  int64_t begin = 0, end = 0;
};

struct Buffer {
  std::string name;   // the root tensor (views are folded into their root)
  int64_t size = 0;   // bytes spanned by the root and every tensor placed inside it
  int64_t align = 1;
  int first = 0;      // schedule step that writes it (graph inputs: -1)
  int last = 0;       // last step that reads it (graph outputs: the number of steps)
  // Where the root tensor's byte 0 sits in the buffer (a tensor placed in place may start before
  // it: an in-place convolution's larger output, see passes/inplace.cpp).
  int64_t base = 0;
  // The bytes each tensor sharing the buffer occupies while it lives; empty means all of
  // [0, size) for all of [first, last]. Two buffers conflict only where extents meet in both
  // time and bytes, so an in-place kernel's smaller output frees the rest of its input's bytes
  // and a larger output's head is free until it is written.
  std::vector<Extent> extents;
};

// The extents of b (one covering all of it when b.extents is empty).
std::vector<Extent> extents_of(const Buffer& b);
// Bytes of b in use at `step` (the union of its extents alive then).
int64_t live_bytes(const Buffer& b, int step);

struct MemoryPlan {
  std::vector<int64_t> offsets;  // one per buffer
  int64_t arena = 0;             // bytes spanned
  std::string algorithm;
};

std::vector<Buffer> analyse_buffers(const Graph& g, int64_t align);
// The liveness lower bound: the largest total of live bytes at one step.
int64_t liveness_bound(const std::vector<Buffer>& bufs);
bool buffers_conflict(const Buffer& a, const Buffer& b);
// Places buffers one by one in `order`, each at the best-fitting aligned offset among the already
// placed buffers whose extents it meets (or on top of them).
MemoryPlan plan_in_order(const std::vector<Buffer>& bufs, const std::vector<size_t>& order, const char* name);
// Greedy by size: largest first (TFLite Micro's planner).
MemoryPlan plan_greedy_by_size(const std::vector<Buffer>& bufs);
// Greedy by conflicts: most-conflicting first (ties: larger first).
MemoryPlan plan_greedy_by_conflicts(const std::vector<Buffer>& bufs);
// Best fit in time order: buffers in the order they come alive.
MemoryPlan plan_by_start(const std::vector<Buffer>& bufs);
// Exact search over placement orders with branch-and-bound (only for small sets; `budget`
// caps the nodes explored). Returns the best plan found, never worse than `incumbent`.
MemoryPlan plan_exact(const std::vector<Buffer>& bufs, const MemoryPlan& incumbent, long budget = 100000);
// Runs every algorithm and keeps the smallest arena.
MemoryPlan plan_best(const std::vector<Buffer>& bufs);
// Checks that buffers never overlap where their extents are alive together and offsets respect
// alignment.
bool plan_is_valid(const std::vector<Buffer>& bufs, const MemoryPlan& plan);
// The buffer name of a node's kernel scratch ("<node>#scratch").
std::string scratch_buffer_name(const Node& n);
void apply_plan(Graph& g, const std::vector<Buffer>& bufs, const MemoryPlan& plan);

}  // namespace kiln
