// Activation ranges for post-training quantization: runs the float graph with kiln's reference
// evaluation on every calibration sample and turns each tensor's values into a clipping range
// [lo, hi] (always containing 0, so the real zero is exactly representable):
//
//   minmax      the extremes seen. Outliers widen the step for everyone.
//   percentile  the (100-p)/2 ... the p-th percentile of the values (default p = 99.99): the
//               tails beyond are clipped. Two passes: min/max, then a 2048-bin histogram.
//   mse         of the ranges [a*lo, a*hi] for a in (0, 1], the one whose int8 quantization
//               has the least mean squared error over the histogram (clipping error against
//               rounding error).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/quant/calibration_data.h"
#include "compiler/support/status.h"

namespace kiln {

enum class CalibrationMethod { kMinMax, kPercentile, kMse };

bool parse_calibration_method(const std::string& s, CalibrationMethod* m);

struct QuantRange {
  float lo = 0, hi = 0;
};

// Called with (done, total) evaluations while calibrating.
using ProgressFn = std::function<void(size_t, size_t)>;

// Ranges of the float tensors `names` of `g` (which is not modified).
Expected<std::map<std::string, QuantRange>> calibrate(const Graph& g, const std::vector<std::string>& names,
                                                      const CalibrationSet& data, CalibrationMethod method,
                                                      double percentile, const ProgressFn& progress);

// Runs `g` on sample k of `data` with the reference evaluation; afterwards every tensor of `g`
// holds its value (the graph must be a copy the caller owns).
Status run_sample(Graph& g, const CalibrationSet& data, size_t k);

// Signal-to-quantization-noise ratio in dB of `approx` against `ref` (infinity when equal).
double sqnr_db(const std::vector<float>& ref, const std::vector<float>& approx);

}  // namespace kiln
