// The compile driver as a library: import -> passes -> memory plan -> code, plus the summary
// that `kiln compile` and `kiln inspect` print. No I/O beyond reading the model; the CLI writes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/module.h"
#include "compiler/driver/budget.h"
#include "compiler/driver/kernel_policy.h"
#include "compiler/import/onnx_import.h"
#include "compiler/quant/calibrate.h"
#include "passes/passes.h"

namespace kiln {

extern const char* const kKilnVersion;

struct CompileOptions {
  std::string model_path;
  std::string name;  // empty: the model file's stem as a C identifier
  std::string target = "host";
  ImportOptions import;
  PipelineOptions pipeline;
  bool inplace_depthwise = true;  // --no-inplace-depthwise (or --no-inplace-conv) turns it off
  bool inplace_pointwise = true;  // --no-inplace-pointwise (or --no-inplace-conv)
  bool inplace_quantize = true;   // --no-inplace-quantize
  int patches = 0;                // --patches N: the first convolutions run in N x N tiles
  int patch_layers = 0;           // --patch-layers K (0: the length with the smallest arena)
  bool prune = true;              // --no-prune: keep channels that compute a constant
  LossyPruneOptions lossy;       // --prune, --prune-exclude (passes/prune_lossy.cpp)
  bool sparse_weights = true;     // --dense-weights: no CSR weights (compiler/ops/sparse_util.h)
  bool dsp_kernels = true;        // --no-dsp-kernels: the reference int8 kernels even on DSP cores
  OptimizeFor optimize = OptimizeFor::kSpeed;  // --optimize speed|size (compiler/driver/kernel_policy.h)
  bool simd_kernels = true;       // --no-simd-kernels: no runtime/kiln_simd.h kernels on SIMD cores
  std::string arena_section;    // --arena-section: linker section of the static arena
  std::string weights_section;  // --weights-section: linker section of the weights
  bool external_arena = false;  // --arena external: the firmware passes its own arena
  std::string layout = "flat";  // --layout: flat, arduino, zephyr or esp-idf (see codegen/layout.h)
  std::string board;            // --board: implies the target; its RAM and flash are the budget
  uint64_t ram_limit = 0;       // --ram-limit in bytes (0: the board's RAM, or unchecked)
  uint64_t flash_limit = 0;     // --flash-limit in bytes (0: the board's flash, or unchecked)
  bool stack_usage = false;     // --stack-usage: cross-build to measure code size and stack depth
  // Post-training quantization (docs/quantization.md).
  std::string quantize;         // --quantize: "" (keep the model's types) or "int8"
  CalibrationSpec calibration;  // --calibration DATA / NAME=DATA, --calibration-format/-scale/-offset/-layout
  CalibrationMethod calibration_method = CalibrationMethod::kMinMax;  // --calibration-method
  double percentile = 99.99;    // --percentile (method percentile)
  std::vector<std::string> keep_float;  // --keep-float NODE,...
  bool io_int8 = false;         // --io int8
  std::string activations = "int8";  // --activations int8|int16 (int16: TFLite's 16x8 scheme)
  bool progress = false;        // progress bar on stderr while calibrating
};

struct NodeReport {
  std::string name, op, shape, dtype;
  int64_t params = 0;
  int64_t macs = 0;
};

struct CompileResult {
  Graph graph;
  GeneratedModule module;
  std::string name;
  const Target* target = nullptr;
  std::string pass_log;  // --print-after output
  std::vector<std::pair<std::string, PassResult>> passes;
  std::vector<NodeReport> nodes;
  int64_t total_params = 0;
  int64_t total_macs = 0;
  int64_t liveness_bound = 0;
  const Board* board = nullptr;        // --board, if given
  Budget budget;                       // what the model needs (and the limits, if any)
  std::vector<std::string> warnings;   // printed by the CLI as "warning: ..."
  KernelPolicy kernels;                // int16-pair or int8 weights, layer by layer
  QuantizeReport quantized;            // --quantize: the quantized tensors and their parameters
  size_t calibration_samples = 0;
};

// Checks the quantization options and reads the calibration data for graph `g`.
Status prepare_quantization(const CompileOptions& opt, const Graph& g, CalibrationSet* data, QuantizeRequest* req);

Expected<CompileResult> compile_model(const CompileOptions& opt);

// Per-node report (op, output shape, params, MACs) of a graph as it stands.
std::vector<NodeReport> report_nodes(Graph& g);

}  // namespace kiln
