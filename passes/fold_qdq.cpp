//===- fold_qdq.cpp - Lower QuantizeLinear/DequantizeLinear graphs to int8 ops ===//
//
// A pre-quantized ("QDQ") model computes in float between DequantizeLinear (DQ) and
// QuantizeLinear (Q) nodes: x_q -> DQ -> Conv -> Q -> y_q. Each such sandwich is one integer op:
//
//   DQ(x) -> Conv(W, B) [-> Relu|Clip] -> Q   =>  QLinearConv (W int8, B int32 at sx*sw)
//   DQ(x) -> Gemm(W, C) [-> Relu|Clip] -> Q   =>  com.microsoft QGemm
//   DQ(a) -> MatMul(W or DQ(b)) -> Q          =>  QLinearMatMul
//   DQ(a), DQ(b) -> Add|Mul [-> Relu|Clip] -> Q =>  com.microsoft QLinearAdd / QLinearMul
//   DQ(x) -> AveragePool|GlobalAveragePool -> Q => com.microsoft QLinearAveragePool / ...Global...
//   DQ(x) -> Softmax -> Q                     =>  com.microsoft QLinearSoftmax (integer exp table)
//   DQ(x) -> LogSoftmax -> Q                  =>  kiln.QLinearLogSoftmax (exp table, Q16 logarithm)
//   DQ(x) -> unary f -> Q (Sigmoid, Tanh, HardSwish, Exp, ...) => kiln.QLinearLookup: a 256-entry
//                                                 table of what DQ -> f -> Q gives for each input
//
// With int16 activations (zero point 0, int8 weights; --activations int16) the same sandwiches
// become kiln's 16x8 ops: Conv => kiln.QConv16, Gemm and MatMul of constant weights =>
// kiln.QGemm16, Add => kiln.QAdd16, AveragePool/GlobalAveragePool => kiln.QAvgPool16, with
// int32 or int64 biases; the table rules stay 8-bit.
//
// A Relu or Clip between the op and its Q becomes the integer op's output clamp (kiln_act); a
// standalone DQ -> Relu|Clip -> Q (one scale and zero point) folds into the integer op before it,
// or becomes a Clip on the integers.
// Weights and biases arrive as float constants: import already folded DQ(int8 constant), and
// DequantizeLinear's folding left the scale and zero point in Tensor::quant, from which the
// integers are read back exactly (checked element by element). A float bias, or one whose
// scale is not sx*sw, is requantized to sx*sw.
//
// Data movement commutes with per-tensor (de)quantization, so before matching, DQ sinks below
// Reshape/Flatten/Squeeze/Unsqueeze/Transpose/Identity/MaxPool (DQ -> V becomes V on the
// integers -> DQ), and below a Concat whose inputs all share one scale and zero point, and Q rises above them; a DQ feeding a Q with the same scale and zero point
// then disappears. The rules run to a fixed point. Whatever matches no rule stays a float op
// between a DQ and a Q: correct, just not integer (Softmax on a model's logits, for example).
//
// Requires per-tensor constant scales for activations; weights may be per channel along the
// output channel. Runs after fold-constants; DCE removes the DQ nodes and float weights left
// unused.
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/ops/infer.h"
#include "compiler/ops/quant_util.h"
#include "passes/passes.h"
#include "passes/qdq_constants.h"

namespace kiln {

namespace {

using namespace qdq;

// A per-tensor DequantizeLinear of a non-constant int8/uint8 tensor.
struct DqInfo {
  int node = -1;
  std::string x;                 // the integer tensor
  std::string scale, zp;         // its constant scale / zero point tensors (zp may be "")
  float s = 0;
  int32_t z = 0;
  DType t = DType::kUndefined;
};

bool read_scalar_params(const Graph& g, const Node& n, float* s, int32_t* z) {
  const Tensor* st = n.inputs.size() > 1 ? g.find(n.inputs[1]) : nullptr;
  if (!st || !st->is_const || st->dtype != DType::kFloat32 || st->numel() != 1) return false;
  *s = st->as<float>()[0];
  *z = 0;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const Tensor* zt = g.find(n.inputs[2]);
    if (!zt || !zt->is_const || zt->numel() != 1) return false;
    *z = static_cast<int32_t>(zt->int_at(0));
  }
  return *s > 0 && std::isfinite(*s);
}

// Activation types: int8, uint8, and int16 (--activations int16, symmetric).
bool is_act_type(DType t) { return is_quant_type(t) || t == DType::kInt16; }

bool dq_of(const Graph& g, const std::string& tensor, DqInfo* d) {
  int p = g.producer(tensor);
  if (p < 0) return false;
  const Node& n = g.nodes[static_cast<size_t>(p)];
  if (n.op != "DequantizeLinear" || !n.domain.empty()) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  if (x.is_const || !is_act_type(x.dtype) || !read_scalar_params(g, n, &d->s, &d->z)) return false;
  d->node = p;
  d->x = n.inputs[0];
  d->scale = n.inputs[1];
  d->zp = n.inputs.size() > 2 ? n.inputs[2] : "";
  d->t = x.dtype;
  return true;
}

// A per-tensor QuantizeLinear with constant parameters.
bool is_q(const Graph& g, const Node& n, float* s, int32_t* z) {
  return n.op == "QuantizeLinear" && n.domain.empty() && read_scalar_params(g, n, s, z) &&
         is_act_type(g.tensor(n.outputs[0]).dtype);
}

// The single reader of `tensor`, or -1 (none, several, or a graph output).
int sole_consumer(const Graph& g, const std::string& tensor) {
  if (g.is_graph_output(tensor)) return -1;
  auto c = g.consumers(tensor);
  return c.size() == 1 ? static_cast<int>(c[0]) : -1;
}

// Relu or Clip with constant bounds, as [lo, hi] in real units.
bool clamp_of(const Graph& g, const Node& n, float* lo, float* hi) {
  const float inf = std::numeric_limits<float>::infinity();
  if (n.op == "Relu" && n.domain.empty()) {
    *lo = 0.0f;
    *hi = inf;
    return true;
  }
  if (n.op != "Clip" || !n.domain.empty()) return false;
  *lo = n.attr_float("min", -inf);
  *hi = n.attr_float("max", inf);
  for (size_t i = 1; i < 3 && i < n.inputs.size(); ++i) {
    if (n.inputs[i].empty()) continue;
    const Tensor* t = g.find(n.inputs[i]);
    if (!t || !t->is_const || t->dtype != DType::kFloat32 || t->numel() != 1) return false;
    (i == 1 ? *lo : *hi) = t->as<float>()[0];
  }
  return true;
}

void replace_uses(Graph& g, const std::string& from, const std::string& to) {
  for (Node& n : g.nodes)
    for (auto& in : n.inputs)
      if (in == from) in = to;
}

bool is_view_op(const Node& n) {
  static const char* const kOps[] = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity", "MaxPool"};
  if (!n.domain.empty()) return false;
  for (const char* op : kOps)
    if (n.op == op) return true;
  return false;
}

// ---- rules; each returns true when it changed the graph ----

// DQ -> V  =>  V (on the integers) -> DQ.
bool sink_dq(Graph& g, size_t i, Status* st) {
  Node& v = g.nodes[i];
  DqInfo d;
  const bool concat = v.op == "Concat" && v.domain.empty();
  if ((!is_view_op(v) && !concat) || v.inputs.empty() || v.outputs.size() != 1 || !dq_of(g, v.inputs[0], &d))
    return false;
  if (v.op == "MaxPool" && v.outputs.size() > 1) return false;
  const std::string y = v.outputs[0];
  Node nv = v;
  nv.inputs[0] = d.x;
  // Concat: every input dequantized with the same type, scale and zero point.
  for (size_t k = 1; concat && k < v.inputs.size(); ++k) {
    DqInfo e;
    if (!dq_of(g, v.inputs[k], &e) || e.s != d.s || e.z != d.z || e.t != d.t) return false;
    nv.inputs[k] = e.x;
  }
  const std::string yq = g.unique_name(y + "_q");
  nv.outputs[0] = yq;
  Tensor t;
  t.name = yq;
  g.tensors[yq] = t;
  Status s = infer_node(g, nv);
  if (!s) {  // the op does not take integers (a float-only MaxPool): leave it
    g.tensors.erase(yq);
    return false;
  }
  g.tensors[yq].quant.scale = {d.s};
  g.tensors[yq].quant.zero_point = {d.z};
  Node dq = g.nodes[static_cast<size_t>(d.node)];
  dq.name = g.unique_name(v.name + "_dq");
  dq.inputs[0] = yq;
  dq.outputs = {y};
  g.nodes[i] = nv;
  g.nodes.insert(g.nodes.begin() + static_cast<long>(i) + 1, dq);
  *st = infer_node(g, g.nodes[i + 1]);
  return true;
}

// V -> Q  =>  Q -> V (on the integers), when V's output feeds only the Q.
bool hoist_q(Graph& g, size_t i, Status* st) {
  float s;
  int32_t z;
  if (!is_q(g, g.nodes[i], &s, &z)) return false;
  const int p = g.producer(g.nodes[i].inputs[0]);
  if (p < 0) return false;
  const Node& v = g.nodes[static_cast<size_t>(p)];
  if (!is_view_op(v) || v.op == "MaxPool" || v.outputs.size() != 1 || sole_consumer(g, v.outputs[0]) != static_cast<int>(i))
    return false;
  if (g.tensor(v.inputs[0]).dtype != DType::kFloat32) return false;
  Node q = g.nodes[i];
  Node nv = v;
  const std::string xq = g.unique_name(v.inputs[0] + "_q");
  g.tensors[xq].name = xq;
  q.inputs[0] = v.inputs[0];
  q.outputs = {xq};
  nv.inputs[0] = xq;
  nv.outputs = {g.nodes[i].outputs[0]};
  g.tensors.erase(v.outputs[0]);
  g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
  g.nodes[static_cast<size_t>(p)] = q;
  g.nodes.insert(g.nodes.begin() + p + 1, nv);
  *st = infer_node(g, g.nodes[static_cast<size_t>(p)]);
  if (*st) *st = infer_node(g, g.nodes[static_cast<size_t>(p) + 1]);
  return true;
}

// DQ -> Q with the same type, scale and zero point: the Q's readers read the integers directly.
bool drop_dq_q(Graph& g, size_t i) {
  float s;
  int32_t z;
  DqInfo d;
  const Node& q = g.nodes[i];
  if (!is_q(g, q, &s, &z) || !dq_of(g, q.inputs[0], &d)) return false;
  if (s != d.s || z != d.z || g.tensor(q.outputs[0]).dtype != d.t || g.is_graph_output(q.outputs[0])) return false;
  const std::string y = q.outputs[0];
  g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
  replace_uses(g, y, d.x);
  g.tensors.erase(y);
  return true;
}

// The int16 op replacing DQ(int16) -> f -> Q(int16), all zero points 0 (--activations int16):
// kiln.QConv16, kiln.QGemm16 (Gemm, MatMul of constant weights), kiln.QAdd16, kiln.QAvgPool16.
bool build_int16_op(const Graph& g, Pending& pd, const Node& f, const Node& q, const DqInfo& a, Node* n) {
  float sy;
  int32_t zy;
  if (a.z != 0 || !read_scalar_params(g, q, &sy, &zy) || zy != 0 || g.tensor(q.outputs[0]).dtype != DType::kInt16)
    return false;
  const std::string& op = f.op;
  const std::string ys = q.inputs[1];
  n->domain = "kiln";
  if (op == "Conv") {
    const Tensor& W = g.tensor(f.inputs[1]);
    if (W.shape.empty()) return false;
    QWeights w;
    if (!int8_symmetric_weights(pd, f.inputs[1], 0, W.shape[0], &w)) return false;
    std::string b;
    if (f.inputs.size() > 2 && !f.inputs[2].empty() && !int16_bias(pd, f.inputs[2], a.s, w.s, &b)) return false;
    n->op = "QConv16";
    n->inputs = {a.x, a.scale, w.w, w.scale, ys};
    if (!b.empty()) n->inputs.push_back(b);
    return true;
  }
  if (op == "Gemm" || op == "MatMul") {
    const bool gemm = op == "Gemm";
    if (gemm && (f.attr_int("transA", 0) != 0 || f.attr_float("alpha", 1.0f) != 1.0f)) return false;
    const bool tb = gemm && f.attr_int("transB", 0) != 0;
    const Tensor& W = g.tensor(f.inputs[1]);
    if (!W.is_const || W.shape.size() != 2) return false;
    const int64_t N = tb ? W.shape[0] : W.shape[1];
    QWeights w;
    if (!int8_symmetric_weights(pd, f.inputs[1], tb ? 0 : 1, N, &w)) return false;
    std::string b;
    if (gemm && f.inputs.size() > 2 && !f.inputs[2].empty() &&
        (f.attr_float("beta", 1.0f) != 1.0f || !int16_bias(pd, f.inputs[2], a.s, w.s, &b)))
      return false;
    n->op = "QGemm16";
    n->attrs.clear();
    n->set_int("transB", tb ? 1 : 0);
    n->inputs = {a.x, a.scale, w.w, w.scale, ys};
    if (!b.empty()) n->inputs.push_back(b);
    return true;
  }
  if (op == "Add") {
    DqInfo b;
    if (f.inputs.size() != 2 || !dq_of(g, f.inputs[1], &b) || b.t != DType::kInt16 || b.z != 0) return false;
    n->op = "QAdd16";
    n->attrs.clear();
    n->inputs = {a.x, a.scale, b.x, b.scale, ys};
    return true;
  }
  if (op == "AveragePool" || op == "GlobalAveragePool") {
    if (f.has_attr("dilations")) return false;
    n->op = "QAvgPool16";
    if (op == "GlobalAveragePool") {  // one window over the plane
      const Shape& xs = g.tensor(a.x).shape;
      if (xs.size() < 3) return false;
      n->attrs.clear();
      n->set_ints("kernel_shape", Shape(xs.begin() + 2, xs.end()));
    }
    n->inputs = {a.x, a.scale, ys};
    return true;
  }
  return false;
}

// The integer op replacing `f` .. Q (node i). Fills the new node's op, domain and inputs, or
// returns false when the float op does not have a quantized form here.
bool build_integer_op(const Graph& g, Pending& pd, const Node& f, const Node& q, Node* n) {
  const std::string& op = f.op;
  if (!f.domain.empty()) return false;
  DqInfo a;
  if (f.inputs.empty() || !dq_of(g, f.inputs[0], &a)) return false;
  const std::string ys = q.inputs[1], yz = q.inputs.size() > 2 ? q.inputs[2] : "";
  if (yz.empty()) return false;  // the output type comes from the zero point
  n->name = f.name;
  n->attrs = f.attrs;
  if (a.t == DType::kInt16) return build_int16_op(g, pd, f, q, a, n);
  if (op == "Conv") {
    const Tensor& W = g.tensor(f.inputs[1]);
    if (W.shape.empty()) return false;
    QWeights w;
    if (!quantized_weights(pd, f.inputs[1], 0, W.shape[0], &w)) return false;
    std::string b;
    if (f.inputs.size() > 2 && !f.inputs[2].empty() && !quantized_bias(pd, f.inputs[2], a.s, w.s, &b)) return false;
    n->op = "QLinearConv";
    n->inputs = {a.x, a.scale, a.zp, w.w, w.scale, w.zp, ys, yz};
    if (!b.empty()) n->inputs.push_back(b);
    return true;
  }
  if (op == "Gemm") {
    if (f.attr_int("transA", 0) != 0 || f.attr_float("alpha", 1.0f) != 1.0f) return false;
    const bool tb = f.attr_int("transB", 0) != 0;
    const Tensor& W = g.tensor(f.inputs[1]);
    if (W.shape.size() != 2) return false;
    const int64_t N = tb ? W.shape[0] : W.shape[1];
    QWeights w;
    if (!quantized_weights(pd, f.inputs[1], tb ? 0 : 1, N, &w)) return false;
    std::string b;
    if (f.inputs.size() > 2 && !f.inputs[2].empty()) {
      if (f.attr_float("beta", 1.0f) != 1.0f || !quantized_bias(pd, f.inputs[2], a.s, w.s, &b)) return false;
    }
    n->op = "QGemm";
    n->domain = kMsDomain;
    n->attrs.clear();
    n->set_int("transB", tb ? 1 : 0);
    n->inputs = {a.x, a.scale, a.zp, w.w, w.scale, w.zp, b, ys, yz};
    return true;
  }
  if (op == "MatMul") {
    n->op = "QLinearMatMul";
    DqInfo bdq;
    const Tensor& B = g.tensor(f.inputs[1]);
    if (dq_of(g, f.inputs[1], &bdq)) {
      n->inputs = {a.x, a.scale, a.zp, bdq.x, bdq.scale, bdq.zp, ys, yz};
      return true;
    }
    if (B.shape.size() != 2) return false;
    QWeights w;
    if (!quantized_weights(pd, f.inputs[1], 1, B.shape[1], &w)) return false;
    n->inputs = {a.x, a.scale, a.zp, w.w, w.scale, w.zp, ys, yz};
    return true;
  }
  if (op == "Add" || op == "Mul") {
    DqInfo b;
    if (f.inputs.size() != 2 || !dq_of(g, f.inputs[1], &b) || a.t != b.t) return false;
    if (g.tensor(q.outputs[0]).dtype != a.t) return false;
    n->op = op == "Add" ? "QLinearAdd" : "QLinearMul";
    n->domain = kMsDomain;
    n->attrs.clear();
    n->inputs = {a.x, a.scale, a.zp, b.x, b.scale, b.zp, ys, yz};
    return true;
  }
  if (op == "Softmax" || op == "LogSoftmax") {
    if (g.tensor(q.outputs[0]).dtype != a.t) return false;
    n->op = op == "Softmax" ? "QLinearSoftmax" : "QLinearLogSoftmax";
    n->domain = op == "Softmax" ? kMsDomain : "kiln";
    n->attrs.clear();
    n->set_int("axis", f.attr_int("axis", g.opset < 13 ? 1 : -1));
    n->set_int("opset", g.opset);
    n->inputs = {a.x, a.scale, a.zp, ys, yz};
    return true;
  }
  if (op == "AveragePool" || op == "GlobalAveragePool") {
    if (g.tensor(q.outputs[0]).dtype != a.t || f.has_attr("dilations")) return false;
    n->op = op == "AveragePool" ? "QLinearAveragePool" : "QLinearGlobalAveragePool";
    n->domain = kMsDomain;
    n->inputs = {a.x, a.scale, a.zp, ys, yz};
    return true;
  }
  return false;
}

bool clamps_output(const Node& n);

// f [-> Relu|Clip] -> Q (node i)  =>  one integer op in Q's place.
bool lower(Graph& g, size_t i, Status* st) {
  float s;
  int32_t z;
  const Node q = g.nodes[i];
  if (!is_q(g, q, &s, &z)) return false;
  int p = g.producer(q.inputs[0]);
  if (p < 0 || sole_consumer(g, q.inputs[0]) != static_cast<int>(i)) return false;
  int act = -1;
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (clamp_of(g, g.nodes[static_cast<size_t>(p)], &lo, &hi)) {
    act = p;
    p = g.producer(g.nodes[static_cast<size_t>(p)].inputs[0]);
    if (p < 0 || sole_consumer(g, g.nodes[static_cast<size_t>(act)].inputs[0]) != act) return false;
  }
  const Node f = g.nodes[static_cast<size_t>(p)];
  if (f.outputs.size() != 1 || f.has_attr("kiln_act")) return false;
  Node n;
  Pending pd{g, {}};
  if (!build_integer_op(g, pd, f, q, &n)) return false;
  if (act >= 0 && !clamps_output(n)) return false;
  if (act >= 0) {
    n.set_string("kiln_act", "Clip");
    n.set_float("kiln_act_lo", lo);
    n.set_float("kiln_act_hi", hi);
  }
  // Try the integer op's own shape rule on a scratch output first: what it refuses (a 1-D
  // MatMul, a 3-D Conv, ...) stays float.
  std::vector<std::string> added;
  for (Tensor& t : pd.tensors) {
    added.push_back(t.name);
    g.tensors[t.name] = std::move(t);
  }
  const std::string trial = pd.name(q.outputs[0] + "_trial");
  g.tensors[trial].name = trial;
  n.outputs = {trial};
  const bool ok = static_cast<bool>(infer_node(g, n));
  g.tensors.erase(trial);
  if (!ok) {
    for (const auto& t : added) g.tensors.erase(t);
    return false;
  }
  n.outputs = {q.outputs[0]};
  g.nodes[i] = n;
  std::vector<size_t> dead = {static_cast<size_t>(p)};
  if (act >= 0) dead.push_back(static_cast<size_t>(act));
  for (size_t k : dead) {
    for (const auto& o : g.nodes[k].outputs) g.tensors.erase(o);
  }
  std::sort(dead.rbegin(), dead.rend());
  for (size_t k : dead) g.nodes.erase(g.nodes.begin() + static_cast<long>(k));
  const size_t at = i - dead.size();
  *st = infer_node(g, g.nodes[at]);
  return true;
}

// Ops whose output clamp follows kiln_act (compiler/ops/quant_util.h quant_output_range).
bool clamps_output(const Node& n) {
  static const char* const kOps[] = {"QLinearConv", "QLinearMatMul", "QGemm", "QLinearAdd", "QLinearMul",
                                     "QLinearAveragePool", "QLinearGlobalAveragePool", "QConv16", "QGemm16",
                                     "QAdd16", "QAvgPool16"};
  for (const char* op : kOps)
    if (n.op == op) return true;
  return false;
}

// DQ -> Relu|Clip -> Q with one scale and zero point on both sides: the clamp of the integers.
// Folded into the producing integer op when it is the DQ's only reader, else an integer Clip.
bool lower_clamp(Graph& g, size_t i, Status* st) {
  float s, lo, hi;
  int32_t z;
  DqInfo d;
  const Node q = g.nodes[i];
  if (!is_q(g, q, &s, &z) || g.is_graph_output(q.outputs[0])) return false;
  const int c = g.producer(q.inputs[0]);
  if (c < 0 || sole_consumer(g, q.inputs[0]) != static_cast<int>(i)) return false;
  const Node act = g.nodes[static_cast<size_t>(c)];
  if (!clamp_of(g, act, &lo, &hi) || !dq_of(g, act.inputs[0], &d)) return false;
  if (d.s != s || d.z != z || d.t != g.tensor(q.outputs[0]).dtype) return false;
  const int p = g.producer(d.x);
  float ps;
  int32_t pz;
  if (p >= 0 && clamps_output(g.nodes[static_cast<size_t>(p)]) && sole_consumer(g, d.x) == d.node &&
      sole_consumer(g, act.inputs[0]) == c) {
    Node& prod = g.nodes[static_cast<size_t>(p)];
    const bool int16 = prod.domain == "kiln";  // y_scale only, zero point 0
    const size_t ys = prod.op == "QLinearAveragePool" || prod.op == "QLinearGlobalAveragePool" ? 3
                      : prod.op == "QGemm"                                                    ? 7
                      : prod.op == "QAvgPool16"                                               ? 2
                      : int16                                                                 ? 4
                                                                                              : 6;
    Node as_q = q;  // read the producer's output parameters like a Q's
    as_q.inputs = {"", prod.inputs[ys], !int16 && ys + 1 < prod.inputs.size() ? prod.inputs[ys + 1] : ""};
    if (read_scalar_params(g, as_q, &ps, &pz) && ps == s && pz == z) {
      if (prod.has_attr("kiln_act")) {
        lo = std::max(lo, prod.attr_float("kiln_act_lo", lo));
        hi = std::min(hi, prod.attr_float("kiln_act_hi", hi));
      }
      prod.set_string("kiln_act", "Clip");
      prod.set_float("kiln_act_lo", lo);
      prod.set_float("kiln_act_hi", hi);
      const std::string y = q.outputs[0];
      g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
      replace_uses(g, y, d.x);
      g.tensors.erase(y);
      return true;
    }
  }
  if (g.opset < 11) return false;  // Clip takes integer bounds from opset 11 on
  Node fake;  // the clamp's integer bounds, as quant_output_range computes them
  fake.set_string("kiln_act", "Clip");
  fake.set_float("kiln_act_lo", lo);
  fake.set_float("kiln_act_hi", hi);
  int32_t qlo, qhi;
  quant_output_range(fake, d.t, s, z, &qlo, &qhi);
  Pending pd{g, {}};
  Node clip;
  clip.name = act.name;
  clip.op = "Clip";
  clip.inputs = {d.x, pd.ints(act.name + "_lo", d.t, {}, {qlo}), pd.ints(act.name + "_hi", d.t, {}, {qhi})};
  clip.outputs = {q.outputs[0]};
  for (Tensor& t : pd.tensors) g.tensors[t.name] = std::move(t);
  g.nodes[i] = clip;
  *st = infer_node(g, g.nodes[i]);
  return true;
}

}  // namespace

// Unary float ops a table can replace: elementwise, one float input (other inputs constant).
bool is_table_op(const Node& n) {
  static const char* const kOps[] = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish",
                                     "Elu", "Selu", "Celu", "Softplus", "Softsign", "Erf", "Exp", "Log", "Sqrt",
                                     "Neg", "Abs", "Reciprocal", "Gelu", "ThresholdedRelu", "Shrink", "Sin", "Cos",
                                     "Mish"};
  if (!n.domain.empty() || n.outputs.size() != 1) return false;
  for (const char* op : kOps)
    if (n.op == op) return true;
  return false;
}

// DQ -> f -> Q with f unary and per-tensor parameters  =>  kiln.QLinearLookup: the 256 outputs
// of DQ -> f -> Q, one per input value, computed by f's own reference evaluation.
bool lower_table(Graph& g, size_t i, Status* st) {
  float sy;
  int32_t zy;
  const Node q = g.nodes[i];
  if (!is_q(g, q, &sy, &zy) || q.inputs.size() < 3 || q.inputs[2].empty()) return false;
  const int p = g.producer(q.inputs[0]);
  if (p < 0 || sole_consumer(g, q.inputs[0]) != static_cast<int>(i)) return false;
  const Node f = g.nodes[static_cast<size_t>(p)];
  DqInfo a;
  if (!is_table_op(f) || f.has_attr("kiln_act") || !dq_of(g, f.inputs[0], &a)) return false;
  if (!is_quant_type(a.t) || !is_quant_type(g.tensor(q.outputs[0]).dtype)) return false;  // 256 entries: 8-bit only
  for (size_t k = 1; k < f.inputs.size(); ++k)
    if (!f.inputs[k].empty() && !g.tensor(f.inputs[k]).is_const) return false;
  // f on every input value, in a scratch graph holding f and its constant inputs.
  Graph s;
  s.opset = g.opset;
  Tensor x = const_tensor("x", DType::kFloat32, {256});
  const int32_t xlo = static_cast<int32_t>(dtype_min(a.t));
  for (int v = 0; v < 256; ++v) x.as_mut<float>()[v] = static_cast<float>(xlo + v - a.z) * a.s;
  s.tensors["x"] = x;
  Node fn = f;
  fn.inputs[0] = "x";
  for (size_t k = 1; k < f.inputs.size(); ++k)
    if (!f.inputs[k].empty()) s.tensors[f.inputs[k]] = g.tensor(f.inputs[k]);
  fn.outputs = {"y"};
  s.tensors["y"].name = "y";
  if (!infer_node(s, fn) || s.tensor("y").dtype != DType::kFloat32 || s.tensor("y").numel() != 256) return false;
  s.tensor("y").alloc();
  if (!eval_node(s, fn)) return false;
  const DType yt = g.tensor(q.outputs[0]).dtype;
  Pending pd{g, {}};
  Tensor table = const_tensor(pd.name(f.name + "_table"), yt, {256});
  const float lo = static_cast<float>(dtype_min(yt) - zy), hi = static_cast<float>(dtype_max(yt) - zy);
  for (int v = 0; v < 256; ++v) {
    const float fv = s.tensor("y").as<float>()[v];
    if (!std::isfinite(fv)) return false;  // Log(0), 1/0: leave the float op
    const float r = std::max(lo, std::min(hi, fv / sy));  // QuantizeLinear's float division and saturation
    const int32_t qv = static_cast<int32_t>(round_half_even(r)) + zy;
    if (yt == DType::kInt8) table.as_mut<int8_t>()[v] = static_cast<int8_t>(qv);
    else table.as_mut<uint8_t>()[v] = static_cast<uint8_t>(qv);
  }
  Node n;
  n.name = f.name;
  n.op = "QLinearLookup";
  n.domain = "kiln";
  n.inputs = {a.x, table.name};
  n.outputs = {q.outputs[0]};
  g.tensors[table.name] = table;
  g.nodes[i] = n;
  g.tensors.erase(f.outputs[0]);
  g.nodes.erase(g.nodes.begin() + p);
  *st = infer_node(g, g.nodes[i - 1]);
  return true;
}

PassResult run_fold_qdq(Graph& g, const PassContext&) {
  PassResult r;
  for (bool again = true; again;) {
    again = false;
    for (size_t i = 0; i < g.nodes.size() && !again; ++i) {
      Status st;
      const char* stat = nullptr;
      if (sink_dq(g, i, &st)) stat = "dq-sunk";
      else if (drop_dq_q(g, i)) stat = "dq-q-dropped";
      else if (hoist_q(g, i, &st)) stat = "q-hoisted";
      else if (lower(g, i, &st)) stat = "ops-lowered";
      else if (lower_clamp(g, i, &st)) stat = "clamps-lowered";
      else if (lower_table(g, i, &st)) stat = "tables-lowered";
      if (!stat) continue;
      if (!st) {
        r.status = st;
        return r;
      }
      ++r.stats[stat];
      r.changed = again = true;
    }
  }
  return r;
}

}  // namespace kiln
