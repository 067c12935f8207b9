// What int8 quantization costs, measured (`kiln inspect MODEL --quantize int8 --calibration DATA
// [--validation X.npy Y.npy]`): the float graph and its quantized twin run side by side with the
// reference evaluation (whose integer ops compute exactly what the generated kernels compute) on
// every calibration sample.
//   - per quantized tensor (one per layer): SQNR in dB of the int8 values, dequantized, against
//     float, accumulated over all samples; worst first, so a user knows what to --keep-float;
//   - per output: SQNR, and for outputs of more than one element how often the int8 argmax
//     (top-1 class) agrees with float's;
//   - with --validation inputs and integer labels: top-1 accuracy of float and of int8.
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/compile.h"

namespace kiln {

struct LayerSqnr {
  std::string tensor, node, op;
  double sqnr_db = 0;
  float scale = 0;
  int32_t zero_point = 0;
};

struct QuantAccuracy {
  size_t samples = 0;
  std::vector<LayerSqnr> layers;  // worst first
  std::vector<LayerSqnr> outputs;
  size_t top1_agree = 0, top1_total = 0;  // first output, calibration samples
  bool validated = false;
  size_t val_total = 0, float_correct = 0, int8_correct = 0;  // int8_correct: the quantized model's
  std::string label = "int8";  // what the quantized model is called in the text ("int16" with --activations int16)
};

// The float graph as the quantize pass sees it (`gf`) and its quantized twin after fold-qdq
// (`gq`, whose reference evaluation is what the generated integer code computes), as
// compile_model builds them with `opt`.
Status quantized_graphs(const CompileOptions& opt, Graph* gf, Graph* gq, CalibrationSet* data, QuantizeReport* report);

// The graph whose reference evaluation the generated code must reproduce when `opt` asks for
// --quantize and/or --io int8: the model through the pipeline up to the integer lowering.
Status integer_reference(const CompileOptions& opt, Graph* g);

// `val_x`/`val_y` may be empty (no validation set). The calibration options of `opt` apply to
// val_x too (scale, offset, layout).
Expected<QuantAccuracy> quantization_accuracy(const CompileOptions& opt, const std::string& val_x,
                                              const std::string& val_y);

std::string quant_accuracy_text(const QuantAccuracy& a);

}  // namespace kiln
