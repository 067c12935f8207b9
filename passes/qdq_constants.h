// Constants of fold-qdq's rules (passes/fold_qdq.cpp): the integers of a float constant read
// back through the parameters DequantizeLinear left in Tensor::quant, and the quantized weights
// and biases a rule creates, held back (Pending) until the rule applies.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln::qdq {

// A float constant's integers, read back through the parameters DequantizeLinear left in quant.
struct QConst {
  std::vector<int32_t> q;
  std::vector<float> scale;   // 1 or one per channel along `axis`
  std::vector<int32_t> zp;
  int axis = -1;
};

// False when t carries no parameters or a value is not exactly scale * (q - zero_point).
bool recover(const Tensor& t, QConst* r);

// int8 when the integers (and zero points) fit, else uint8; false when neither.
bool weight_type(const QConst& w, DType* t);

// A zero-filled constant.
Tensor const_tensor(const std::string& name, DType t, const Shape& shape);

// Constants a rule creates, added to the graph only when the rule applies.
struct Pending {
  const Graph& g;
  std::vector<Tensor> tensors;
  std::string name(const std::string& base) const {
    std::string n = g.unique_name(base);
    for (int k = 1; std::any_of(tensors.begin(), tensors.end(), [&](const Tensor& t) { return t.name == n; }); ++k)
      n = g.unique_name(fmt::format("{}_{}", base, k));
    return n;
  }
  std::string ints(const std::string& base, DType t, const Shape& shape, const std::vector<int32_t>& v) {
    Tensor r = const_tensor(name(base), t, shape);
    for (size_t i = 0; i < v.size(); ++i) {
      if (t == DType::kInt8) r.as_mut<int8_t>()[i] = static_cast<int8_t>(v[i]);
      else if (t == DType::kInt16) r.as_mut<int16_t>()[i] = static_cast<int16_t>(v[i]);
      else if (t == DType::kUInt8) r.as_mut<uint8_t>()[i] = static_cast<uint8_t>(v[i]);
      else r.as_mut<int32_t>()[i] = v[i];
    }
    tensors.push_back(std::move(r));
    return tensors.back().name;
  }
  std::string floats(const std::string& base, const std::vector<float>& v) {
    Tensor r = const_tensor(name(base), DType::kFloat32, v.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(v.size())});
    for (size_t i = 0; i < v.size(); ++i) r.as_mut<float>()[i] = v[i];
    tensors.push_back(std::move(r));
    return tensors.back().name;
  }
};

// Quantized weights of an op with `channels` output channels along axis `ch_axis` of W: the
// integer constant, its scale and zero point tensors. Per-channel parameters must lie along the
// output channel; per-tensor ones always do.
struct QWeights {
  std::string w, scale, zp;
  std::vector<float> s;  // per channel (expanded)
};

bool quantized_weights(Pending& pd, const std::string& wname, int ch_axis, int64_t channels, QWeights* out);

// An int32 bias at scale sx * sw[c]: the integers as stored when the bias was quantized at that
// scale (the usual case), else the float value requantized.
bool quantized_bias(Pending& pd, const std::string& bname, float sx, const std::vector<float>& sw, std::string* out);

// int16 weights path: symmetric int8 weights (zero point 0) with per-tensor or per-channel
// scales along the output channel.
bool int8_symmetric_weights(Pending& pd, const std::string& wname, int ch_axis, int64_t channels, QWeights* out);

// A float bias at scale sx * sw[c] for the int16 ops: int32 when every value fits, else int64
// (int16 x int8 products summed over a long reduction outgrow int32).
bool int16_bias(Pending& pd, const std::string& bname, float sx, const std::vector<float>& sw, std::string* out);

}  // namespace kiln::qdq
