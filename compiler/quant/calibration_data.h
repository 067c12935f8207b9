// Calibration samples for post-training quantization (`kiln compile --quantize int8
// --calibration DATA`), read from the files users have: a .npy array (N x input shape), an ONNX
// TensorProto .pb, raw .bin samples (--calibration-format u8|f32), or a folder of any of these
// (sorted by name). An optional affine map (value * scale + offset) turns raw pixels or counts
// into what the model expects; --calibration-layout hwc reads channels-last samples for an NCHW
// input. Several inputs take NAME=DATA each.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

namespace kiln {

struct CalibrationSpec {
  struct Source {
    std::string input;  // graph input name; empty: the model's only input
    std::string path;
  };
  std::vector<Source> sources;
  std::string format;         // raw .bin element type: "u8" or "f32" (required for .bin)
  float scale = 1.0f;         // value * scale + offset, applied to every sample
  float offset = 0.0f;
  bool channels_last = false; // samples are H x W x C for an input [1, C, H, W]
};

// Parses one --calibration argument: PATH, or NAME=PATH.
CalibrationSpec::Source parse_calibration_source(const std::string& arg);

// Samples in graph-input order: samples[i][k] is sample k of graph input i (numel floats).
struct CalibrationSet {
  std::vector<std::string> inputs;
  std::vector<std::vector<std::vector<float>>> samples;
  size_t count() const { return samples.empty() ? 0 : samples[0].size(); }
};

// Reads every sample for the float inputs of `g` (whose shapes must be known). Every input needs
// a source, and all inputs the same number of samples.
Expected<CalibrationSet> load_calibration(const Graph& g, const CalibrationSpec& spec);

// One .npy file as floats, with its shape (exposed for tests and tools).
struct NpyArray {
  Shape shape;
  std::vector<float> values;
};
Expected<NpyArray> read_npy(const std::string& path);

}  // namespace kiln
