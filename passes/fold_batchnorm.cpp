//===- fold_batchnorm.cpp - Fold inference BatchNormalization into Conv/Gemm ===//
//
// BatchNormalization in inference mode is a per-channel affine map y = s*x + t with
// s = scale / sqrt(var + eps) and t = B - mean * s. When it directly follows a Conv (channel =
// output channel m) or a Gemm (channel = output column n) whose weights and bias are constants
// and whose output has no other reader, the map is pushed into the producer: each output
// channel's weights are multiplied by s[m] and the bias becomes b[m]*s[m] + t[m]. New constant
// tensors are created (the originals may be shared); the BN node disappears and the producer
// writes the BN's output tensor.
//===----------------------------------------------------------------------===//
#include <cmath>

#include "passes/passes.h"

namespace kiln {

static bool is_const_f32(const Graph& g, const std::string& n) {
  const Tensor* t = g.find(n);
  return t && t->is_const && t->dtype == DType::kFloat32;
}

// Folds BN (index bn) into its producer p; returns false when the pattern does not apply.
static bool fold_one(Graph& g, size_t bn_index) {
  Node& bn = g.nodes[bn_index];
  if (bn.op != "BatchNormalization" || bn.outputs.size() != 1 || bn.attr_int("training_mode", 0))
    return false;
  for (size_t i = 1; i < 5; ++i)
    if (i >= bn.inputs.size() || !is_const_f32(g, bn.inputs[i])) return false;
  const std::string& x = bn.inputs[0];
  int p = g.producer(x);
  if (p < 0 || g.consumers(x).size() != 1 || g.is_graph_output(x)) return false;
  Node& prod = g.nodes[static_cast<size_t>(p)];
  bool conv = prod.op == "Conv";
  bool gemm = prod.op == "Gemm";
  if (!conv && !gemm) return false;
  if (prod.has_attr("kiln_act")) return false;
  if (!is_const_f32(g, prod.inputs[1])) return false;
  bool has_bias = prod.inputs.size() > 2 && !prod.inputs[2].empty();
  if (has_bias && !is_const_f32(g, prod.inputs[2])) return false;

  const Tensor& W = g.tensor(prod.inputs[1]);
  int64_t channels = 0, per_channel = 0, stride_c = 0, stride_e = 0;
  if (conv) {
    channels = W.shape[0];
    per_channel = W.numel() / channels;
    stride_c = per_channel;
    stride_e = 1;
  } else {
    if (prod.attr_float("alpha", 1.0f) != 1.0f) return false;
    bool trans_b = prod.attr_int("transB", 0) != 0;
    channels = trans_b ? W.shape[0] : W.shape[1];
    per_channel = trans_b ? W.shape[1] : W.shape[0];
    stride_c = trans_b ? W.shape[1] : 1;
    stride_e = trans_b ? 1 : W.shape[1];
  }
  const Tensor& scale = g.tensor(bn.inputs[1]);
  if (scale.numel() != channels) return false;
  const Tensor& beta = g.tensor(bn.inputs[2]);
  const Tensor& mean = g.tensor(bn.inputs[3]);
  const Tensor& var = g.tensor(bn.inputs[4]);
  float eps = bn.attr_float("epsilon", 1e-5f);

  std::vector<float> old_bias(static_cast<size_t>(channels), 0.0f);
  if (has_bias) {
    const Tensor& B = g.tensor(prod.inputs[2]);
    float bias_scale = gemm ? prod.attr_float("beta", 1.0f) : 1.0f;
    if (B.numel() == channels) {
      for (int64_t c = 0; c < channels; ++c) old_bias[c] = B.as<float>()[c] * bias_scale;
    } else if (B.numel() == 1) {
      for (int64_t c = 0; c < channels; ++c) old_bias[c] = B.as<float>()[0] * bias_scale;
    } else {
      return false;  // a full [M, N] Gemm bias is not per channel
    }
  }

  Tensor nw = W;
  nw.name = g.unique_name(W.name + "_bn");
  Tensor nb;
  nb.name = g.unique_name((has_bias ? prod.inputs[2] : prod.name) + "_bn_bias");
  nb.dtype = DType::kFloat32;
  nb.shape = {channels};
  nb.shape_known = true;
  nb.is_const = true;
  nb.alloc();
  for (int64_t c = 0; c < channels; ++c) {
    double s = scale.as<float>()[c] / std::sqrt(static_cast<double>(var.as<float>()[c]) + eps);
    for (int64_t e = 0; e < per_channel; ++e)
      nw.as_mut<float>()[c * stride_c + e * stride_e] =
          static_cast<float>(W.as<float>()[c * stride_c + e * stride_e] * s);
    nb.as_mut<float>()[c] =
        static_cast<float>((old_bias[c] - mean.as<float>()[c]) * s + beta.as<float>()[c]);
  }
  std::string y = bn.outputs[0];
  g.tensors[nw.name] = nw;
  g.tensors[nb.name] = nb;
  prod.inputs.resize(3);
  prod.inputs[1] = nw.name;
  prod.inputs[2] = nb.name;
  if (gemm) prod.set_float("beta", 1.0f);
  prod.outputs[0] = y;
  g.tensors.erase(x);
  g.nodes.erase(g.nodes.begin() + static_cast<long>(bn_index));
  return true;
}

PassResult run_fold_batchnorm(Graph& g, const PassContext&) {
  PassResult r;
  for (size_t i = 0; i < g.nodes.size();) {
    if (fold_one(g, i)) {
      r.changed = true;
      ++r.stats["batchnorms-folded"];
    } else {
      ++i;
    }
  }
  return r;
}

}  // namespace kiln
