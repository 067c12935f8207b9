//===- fold_constants.cpp - Evaluate nodes whose inputs are all constant -===//
//
// Walks the schedule in order, re-running each node's shape rule, and evaluates every node whose
// inputs are all constants with the op's reference implementation (compiler/ops/<op>.cpp). The
// outputs become constants and the node is removed. Because the walk is in topological order a
// whole constant subgraph (Shape -> Gather -> Concat -> Reshape's shape input) folds in one run.
// Nodes without a reference evaluation stay; their consumers are not folded.
//===----------------------------------------------------------------------===//
#include "compiler/ops/infer.h"
#include "passes/passes.h"

namespace kiln {

PassResult run_fold_constants(Graph& g, const PassContext&) {
  PassResult r;
  InferStats stats;
  r.status = infer_graph(g, /*fold=*/true, &stats);
  r.changed = stats.folded > 0;
  r.stats["nodes-folded"] = stats.folded;
  return r;
}

}  // namespace kiln
