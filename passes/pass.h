// What every pass exposes: its info (kebab-case name, what it requires, one line on what it
// does) and run(Graph&, const PassContext&) returning whether it changed the graph, named
// statistics and a status. Passes keep no globals and read no environment.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/support/status.h"
#include "targets/targets.h"

namespace kiln {

// Lossy pruning, opt-in (passes/prune_lossy.cpp; `--prune`, `--prune-exclude`).
struct LossyPruneOptions {
  double magnitude = 0;    // fraction of weights to zero, smallest magnitude first
  bool per_layer = false;  // magnitude: rank within each layer instead of over all
  double channels = 0;     // fraction of each layer's channels to remove, smallest filter L1 first
  std::vector<std::string> exclude;  // node names never pruned (besides the first and last layer)
  bool active() const { return magnitude > 0 || channels > 0; }
};

struct PassContext {
  const Target* target = nullptr;
  // Below-the-bound memory tricks (passes/inplace.cpp); off with --no-inplace-depthwise.
  bool inplace_depthwise = true;
  // Remove channels that compute a constant (passes/prune_channels.cpp); off with --no-prune.
  bool prune = true;
  LossyPruneOptions lossy;
};

struct PassResult {
  bool changed = false;
  std::map<std::string, int64_t> stats;
  Status status;
};

struct PassInfo {
  const char* name;
  const char* requires;
  const char* summary;
};

using PassFn = PassResult (*)(Graph&, const PassContext&);

struct PassDef {
  PassInfo info;
  PassFn run;
};

}  // namespace kiln
