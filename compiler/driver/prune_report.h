// What lossy pruning (`--prune`, passes/prune_lossy.cpp) did to a model: per layer sparsity,
// parameters, MACs and flash before and after, and with `--validation X.npy Y.npy` the top-1
// accuracy of kiln's reference evaluation before and after.
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/compile.h"
#include "compiler/quant/calibration_data.h"  // read_npy

namespace kiln {

// "magnitude=0.5", "magnitude=0.5,scope=layer", "channels=0.25" (repeatable: fields add up).
Status parse_prune_spec(const std::string& spec, LossyPruneOptions* o);

// Correct top-1 predictions of graph g (compiled: kiln's reference evaluation) over the samples
// of x (first dimension) against the labels y.
Expected<int64_t> top1_correct(Graph g, const NpyArray& x, const NpyArray& y);

// The per-layer table: each weighted layer of `before` against the same node in `after`
// (`sparse`: weights the code keeps as CSR count at their CSR size).
std::string prune_table(const CompileResult& before, const CompileResult& after, bool sparse);

}  // namespace kiln
