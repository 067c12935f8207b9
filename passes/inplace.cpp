//===- inplace.cpp - Elementwise ops and Concat reuse their inputs' bytes --===//
//
// Two rewrites that lower the arena without changing any kernel's arithmetic:
//
// 1. In-place elementwise. A unary elementwise op (Relu, Sigmoid, Clip, ...) or a same-shape
//    binary op (Add, Sub, Mul, Div) may write its output over an input of the same type and
//    byte size when that input's bytes die at this node (no later reader of the input or of any
//    view of it, and it is not a graph input or output). The output becomes a view of the
//    input; the elementwise kernels read element i before writing element i, so this is safe.
//
// 2. Concat without copies. When Concat's inputs are contiguous slices of its output (every dim
//    before the axis is 1, e.g. NCHW channel concat with batch 1), each input that is produced
//    by a node in the graph, read by nothing but this Concat, not a graph output and not a view
//    is placed directly in its slice of the output (a view with a byte offset), so its producer
//    writes straight into the concatenated tensor and Concat emits no code.
//
// 3. In-place depthwise convolution (below the liveness bound, TinyEngine's trick). A depthwise
//    Conv (group = C = M, batch 1, float) whose input dies there and whose output is no larger
//    writes its output over its input: each output channel is computed into a one-channel
//    scratch buffer and copied down, so the arena holds one channel's temporary instead of a
//    second whole tensor (runtime kiln::depthwise2d_inplace). Off with --no-inplace-depthwise.
//===----------------------------------------------------------------------===//
#include <set>

#include "passes/passes.h"

namespace kiln {

namespace {

const std::set<std::string>& unary_ops() {
  static const std::set<std::string> kOps = {
      "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Celu",
      "Softplus", "Softsign", "Erf", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Floor", "Ceil",
      "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh",
      "Atanh", "ThresholdedRelu", "Shrink", "QLinearLookup"};
  return kOps;
}

const std::set<std::string>& binary_ops() {
  static const std::set<std::string> kOps = {"Add", "Sub", "Mul", "Div"};
  return kOps;
}

std::string root_name(const Graph& g, const std::string& t) {
  const Tensor* r = &g.tensor(t);
  while (!r->alias_of.empty()) r = &g.tensor(r->alias_of);
  return r->name;
}

// The last schedule step reading the bytes of `root` through any tensor (graph outputs: end).
int last_use(const Graph& g, const std::string& root) {
  int last = -1;
  for (size_t s = 0; s < g.nodes.size(); ++s)
    for (const auto& in : g.nodes[s].inputs)
      if (!in.empty() && !g.tensor(in).is_const && root_name(g, in) == root) last = static_cast<int>(s);
  for (const auto& o : g.outputs)
    if (root_name(g, o) == root) last = static_cast<int>(g.nodes.size());
  for (const auto& i : g.inputs)
    if (root_name(g, i) == root) last = static_cast<int>(g.nodes.size());  // inputs stay intact
  return last;
}

bool try_elementwise(Graph& g, size_t step) {
  const Node& n = g.nodes[step];
  bool unary = unary_ops().count(n.op) != 0;
  if (!unary && !binary_ops().count(n.op)) return false;
  if (n.outputs.size() != 1 || n.has_attr("kiln_act")) return false;
  Tensor& y = g.tensor(n.outputs[0]);
  if (!y.alias_of.empty() || g.is_graph_output(y.name)) return false;
  for (size_t k = 0; k < (unary ? 1 : n.inputs.size()); ++k) {
    const std::string& xn = n.inputs[k];
    if (xn.empty()) continue;
    const Tensor& x = g.tensor(xn);
    if (x.is_const || x.dtype != y.dtype || x.shape != y.shape) continue;
    if (x.alias_offset != 0 && !x.alias_of.empty()) continue;
    std::string root = root_name(g, xn);
    if (g.tensor(root).bytes() != y.bytes()) continue;
    if (last_use(g, root) != static_cast<int>(step)) continue;
    y.alias_of = xn;
    y.alias_offset = 0;
    return true;
  }
  return false;
}

bool try_concat(Graph& g, size_t step) {
  const Node& n = g.nodes[step];
  if (n.op != "Concat" || n.outputs.size() != 1) return false;
  const Tensor& y = g.tensor(n.outputs[0]);
  if (!y.alias_of.empty()) return false;
  int64_t axis = n.attr_int("axis", 0);
  int64_t rank = static_cast<int64_t>(y.shape.size());
  if (axis < 0) axis += rank;
  for (int64_t d = 0; d < axis; ++d)
    if (y.shape[static_cast<size_t>(d)] != 1) return false;
  // Every input must qualify, else Concat still has to copy and nothing is gained.
  std::set<std::string> seen;
  for (const auto& in : n.inputs) {
    const Tensor& x = g.tensor(in);
    if (x.is_const || !x.alias_of.empty() || g.is_graph_input(in) || g.is_graph_output(in)) return false;
    if (!seen.insert(in).second || g.consumers(in).size() != 1 || g.producer(in) < 0) return false;
    for (const auto& kv : g.tensors)
      if (kv.second.alias_of == in) return false;  // something else views this input
  }
  int64_t offset = 0;
  for (const auto& in : n.inputs) {
    Tensor& x = g.tensor(in);
    x.alias_of = y.name;
    x.alias_offset = offset;
    offset += static_cast<int64_t>(x.bytes());
  }
  return true;
}

bool try_depthwise(Graph& g, size_t step) {
  Node& n = g.nodes[step];
  if (n.op != "Conv" || n.outputs.size() != 1 || n.inputs.size() < 2) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  Tensor& y = g.tensor(n.outputs[0]);
  if (x.dtype != DType::kFloat32 || x.is_const || !w.is_const || (x.shape.size() != 3 && x.shape.size() != 4)) return false;
  if (x.shape[0] != 1 || w.shape.size() != x.shape.size() || w.shape[1] != 1) return false;
  const int64_t c = x.shape[1];
  if (n.attr_int("group", 1) != c || w.shape[0] != c || y.shape[1] != c) return false;
  if (y.numel() > x.numel() || !y.alias_of.empty() || !x.alias_of.empty()) return false;
  if (g.is_graph_output(y.name) || g.is_graph_input(x.name) || g.is_graph_output(x.name)) return false;
  if (last_use(g, x.name) != static_cast<int>(step)) return false;
  for (const auto& kv : g.tensors)
    if (kv.second.alias_of == x.name) return false;  // a view of x is read elsewhere
  y.alias_of = x.name;
  y.alias_offset = 0;
  n.set_int("kiln_inplace_dw", 1);
  return true;
}

}  // namespace

PassResult run_inplace(Graph& g, const PassContext& ctx) {
  PassResult r;
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    if (ctx.inplace_depthwise && try_depthwise(g, s)) {
      r.changed = true;
      ++r.stats["depthwise-in-place"];
    } else if (try_concat(g, s)) {
      r.changed = true;
      ++r.stats["concats-in-place"];
    } else if (try_elementwise(g, s)) {
      r.changed = true;
      ++r.stats["elementwise-in-place"];
    }
  }
  return r;
}

}  // namespace kiln
