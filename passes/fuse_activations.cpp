//===- fuse_activations.cpp - Fuse clamps and leaky ReLU into producers ---===//
//
// Relu, Clip with constant bounds, and LeakyRelu that directly follow a Conv or Gemm (or a
// Conv/Gemm that already carries a clamp) are applied inside the producer's kernel as it stores
// each output, saving a full pass over the tensor and its arena slot. The producer records the
// activation in attributes (kiln_act, kiln_act_lo/hi/alpha, see compiler/ops/op.h) and takes over
// the activation's output tensor. Only a single-reader, non-output intermediate is fused.
//===----------------------------------------------------------------------===//
#include <limits>

#include "passes/passes.h"

namespace kiln {

static const char* const kFusableProducers[] = {"Conv", "Gemm", "ConvTranspose"};

// Reads the activation as a clamp [lo, hi] or a leaky slope; false if not fusable.
static bool describe(const Graph& g, const Node& act, std::string* kind, float* lo, float* hi,
                     float* alpha) {
  const float inf = std::numeric_limits<float>::infinity();
  if (act.op == "Relu") {
    *kind = "Relu";
    *lo = 0.0f;
    *hi = inf;
    return true;
  }
  if (act.op == "LeakyRelu") {
    *kind = "LeakyRelu";
    *alpha = act.attr_float("alpha", 0.01f);
    return true;
  }
  if (act.op == "Clip") {
    *kind = "Clip";
    *lo = act.attr_float("min", -inf);
    *hi = act.attr_float("max", inf);
    for (size_t i = 1; i < 3 && i < act.inputs.size(); ++i) {
      if (act.inputs[i].empty()) continue;
      const Tensor* t = g.find(act.inputs[i]);
      if (!t || !t->is_const || t->dtype != DType::kFloat32 || t->numel() != 1) return false;
      (i == 1 ? *lo : *hi) = t->as<float>()[0];
    }
    return true;
  }
  return false;
}

PassResult run_fuse_activations(Graph& g, const PassContext&) {
  PassResult r;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& act = g.nodes[i];
    std::string kind;
    float lo = 0, hi = 0, alpha = 0;
    if (act.inputs.empty() || !describe(g, act, &kind, &lo, &hi, &alpha)) continue;
    const std::string x = act.inputs[0];
    const Tensor* xt = g.find(x);
    if (!xt || xt->dtype != DType::kFloat32) continue;
    int p = g.producer(x);
    if (p < 0 || g.consumers(x).size() != 1 || g.is_graph_output(x)) continue;
    Node& prod = g.nodes[static_cast<size_t>(p)];
    bool fusable = false;
    for (const char* op : kFusableProducers) fusable |= prod.op == op;
    if (!fusable) continue;
    std::string prev = prod.attr_string("kiln_act", "");
    if (!prev.empty()) {
      // Two clamps compose into their intersection; anything else stays separate.
      if (prev == "LeakyRelu" || kind == "LeakyRelu") continue;
      lo = std::max(lo, prod.attr_float("kiln_act_lo", lo));
      hi = std::min(hi, prod.attr_float("kiln_act_hi", hi));
      kind = "Clip";
    }
    prod.set_string("kiln_act", kind);
    if (kind == "LeakyRelu") {
      prod.set_float("kiln_act_alpha", alpha);
    } else {
      prod.set_float("kiln_act_lo", lo);
      prod.set_float("kiln_act_hi", hi);
    }
    prod.outputs[0] = act.outputs[0];
    g.tensors.erase(x);
    g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
    --i;
    r.changed = true;
    ++r.stats["activations-fused"];
  }
  return r;
}

}  // namespace kiln
