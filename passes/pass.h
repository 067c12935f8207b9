// What every pass exposes: its info (kebab-case name, what it requires, one line on what it
// does) and run(Graph&, const PassContext&) returning whether it changed the graph, named
// statistics and a status. Passes keep no globals and read no environment.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/quant/calibrate.h"
#include "compiler/support/status.h"
#include "targets/targets.h"

namespace kiln {

// Post-training quantization (passes/quantize.cpp): what `--quantize int8` asked for.
struct QuantizeRequest {
  const CalibrationSet* data = nullptr;
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.99;
  std::set<std::string> keep_float;  // node names (--keep-float)
  bool io_int8 = false;              // --io int8: graph inputs/outputs become the int8 tensors
  bool int16 = false;                // --activations int16: int16 activations, int8 weights (16x8)
  ProgressFn progress;
};

// What the quantize pass did: each quantized float tensor, the int8 tensor holding it (after
// fold-qdq, the integer op's output of the same name) and its parameters.
struct QuantizeReport {
  struct Point {
    std::string q;
    float scale = 1.0f;
    int32_t zero_point = 0;
  };
  std::map<std::string, Point> points;
};

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
  // Below-the-bound memory tricks (passes/inplace.cpp); off with --no-inplace-depthwise,
  // --no-inplace-pointwise (both: --no-inplace-conv) and --no-inplace-quantize.
  bool inplace_depthwise = true;
  // --quantize int8 (null: the quantize pass does nothing), and where it reports its points.
  const QuantizeRequest* quantize = nullptr;
  QuantizeReport* quantize_report = nullptr;
  // --io int8 (passes/io_int8.cpp): the int8 tensors at the boundary become the model's API.
  bool io_int8 = false;
  bool inplace_pointwise = true;
  bool inplace_quantize = true;
  // Patch-based execution of the first convolutions (passes/patch_stage.cpp): N x N tiles (off
  // below 2) over `patch_layers` layers (0: the length with the smallest arena).
  int patches = 0;
  int patch_layers = 0;
  // Remove channels that compute a constant (passes/prune_channels.cpp); off with --no-prune.
  bool prune = true;
  LossyPruneOptions lossy;
  // Zero-aware weights (compiler/ops/sparse_util.h); off with --dense-weights. The in-place
  // pointwise rewrite leaves layers whose weights go CSR alone (the CSR kernel is out of place).
  bool sparse_weights = true;
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
