// What every pass exposes: its info (kebab-case name, what it requires, one line on what it
// does) and run(Graph&, const PassContext&) returning whether it changed the graph, named
// statistics and a status. Passes keep no globals and read no environment.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

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
