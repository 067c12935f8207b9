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
// Below the liveness bound (TinyEngine's and MCUNet's tricks), a kernel whose input dies at its
// node writes its output over that input; the input's buffer then holds both, and plan-memory
// places buffers by extents (each tensor's bytes while it lives), so what the output does not
// cover is free again and what it adds is free until the node runs. Each rewrite names the view
// it set in `kiln_inplace_alias`; plan-memory undoes exactly those to compute the bound.
//
// 3. In-place depthwise convolution (Conv float, QLinearConv 8-bit with constant parameters;
//    group = C = M, batch 1, output no larger). Each output channel is computed into a
//    one-channel scratch buffer and copied down over the consumed input (kiln::depthwise2d_inplace,
//    kiln::qdepthwise2d_inplace). Off with --no-inplace-depthwise (or --no-inplace-conv).
//
// 4. In-place pointwise convolution (1x1, stride 1, unpadded, group 1, batch 1; same kernels'
//    precision). Output pixel p depends only on input pixel p. kiln lays activations out NCHW, so
//    a pixel's channels are P = H*W elements apart and channel planes line up: with y starting
//    K whole planes before x (x = y + K*P), element (m, p) of y shares its address with element
//    (c, q) of x only when m = c + K and p = q, i.e. writing output pixel p clobbers input pixel p
//    and nothing else. The kernel gathers a block of 4 pixels' C inputs into scratch before writing
//    their M outputs, so it never reads a clobbered value, for any C and M. With M <= C, y starts
//    at x (K = 0) and the rest of x's bytes die there. With M > C, y needs (M - C) * P more
//    elements: K in [0, M - C] is the largest that keeps y inside the bytes x's buffer already
//    spans (K = M - C puts x at y's end, the pixel-interleaved layout's only choice); the part of
//    y beyond x is free until the node runs. Peak: max(x, y) + C * 4 elements instead of x + y
//    (kiln::pointwise_inplace, kiln::qconv_pointwise_inplace). Off with --no-inplace-pointwise.
//
// 5. In-place QuantizeLinear, float -> 8-bit (the model's input boundary; the caller's input is
//    reused after its last read, as the planner reuses any input): y[i] (byte i) lands on the
//    bytes of x[i / 4], already read for i >= 1, and on x[0] itself after it was read for i = 0;
//    the quantize kernel reads x[i] before it writes y[i]. Off with --no-inplace-quantize.
//===----------------------------------------------------------------------===//
#include <set>

#include "compiler/ops/sparse_util.h"
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

// The last schedule step reading the bytes of `root` (graph outputs: the end), with graph inputs
// dying at their last reader as the planner already treats them: a below-the-bound rewrite may
// overwrite an input the caller handed in, exactly as any later tensor placed over it would.
int last_read(const Graph& g, const std::string& root) {
  int last = -1;
  for (size_t s = 0; s < g.nodes.size(); ++s)
    for (const auto& in : g.nodes[s].inputs)
      if (!in.empty() && !g.tensor(in).is_const && root_name(g, in) == root) last = static_cast<int>(s);
  for (const auto& o : g.outputs)
    if (root_name(g, o) == root) last = static_cast<int>(g.nodes.size());
  return last;
}

// last_read, with graph inputs kept intact to the end (the in-place rewrites at the peak).
int last_use(const Graph& g, const std::string& root) {
  for (const auto& i : g.inputs)
    if (root_name(g, i) == root) return static_cast<int>(g.nodes.size());
  return last_read(g, root);
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

// Byte offset of tensor t inside its root.
int64_t offset_in_root(const Graph& g, const std::string& t) {
  int64_t off = 0;
  for (const Tensor* r = &g.tensor(t); !r->alias_of.empty(); r = &g.tensor(r->alias_of)) off += r->alias_offset;
  return off;
}

// Node `step` writes its output y over its input x, whose bytes die there (the kernel only
// overwrites what it has consumed). y becomes a view inside x's root buffer: at x's address when
// y is no larger ("y over x"); when y is larger (a pointwise convolution with more output than
// input channels) y starts k * `shift` bytes before x for some k in [0, (bytes(y) - bytes(x)) /
// shift], the kernel's admissible offsets. k is the largest that keeps y's start inside the
// buffer's bytes so far (k at its maximum puts x at y's end: the input's producer then leaves
// y's head free until y is written); a y that still reaches past the buffer widens it (see
// plan-memory's extents). The view is recorded in `kiln_inplace_alias`, so plan-memory can undo
// exactly these aliases when it computes the liveness bound (they go below it).
bool share_inplace(Graph& g, Node& n, size_t step, int64_t shift) {
  const std::string& xn = n.inputs[0];
  Tensor& y = g.tensor(n.outputs[0]);
  const Tensor& x = g.tensor(xn);
  if (x.is_const || !y.alias_of.empty() || g.is_graph_output(y.name)) return false;
  const std::string root = root_name(g, xn);
  if (last_read(g, root) != static_cast<int>(step)) return false;
  for (const auto& kv : g.tensors)
    if (kv.second.alias_of == y.name) return false;  // something already lives inside y
  const int64_t grow = static_cast<int64_t>(y.bytes()) - static_cast<int64_t>(x.bytes());
  const int64_t x_at = offset_in_root(g, xn);
  int64_t k = 0;
  if (grow > 0) {
    if (shift <= 0 || grow % shift) return false;
    int64_t span_begin = 0;  // the lowest byte any tensor of the buffer uses, relative to the root
    for (const auto& kv : g.tensors)
      if (!kv.second.is_const && !kv.second.alias_of.empty() && root_name(g, kv.first) == root)
        span_begin = std::min(span_begin, offset_in_root(g, kv.first));
    k = std::min(grow / shift, (x_at - span_begin) / shift);
  }
  y.alias_of = root;
  y.alias_offset = x_at - k * shift;
  n.set_string("kiln_inplace_alias", y.name);
  return true;
}

// Every parameter input (weights, scales, zero points, bias) is a constant.
bool params_const(const Graph& g, const Node& n) {
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (!n.inputs[i].empty() && !g.tensor(n.inputs[i]).is_const) return false;
  return true;
}

enum class ConvKind { kOther, kDepthwise, kPointwise };

// A batch-1 2-D (or 1-D) Conv or QLinearConv with constant parameters whose kernels have
// in-place variants: depthwise (group = C = M) or pointwise (1x1, stride 1, unpadded, group 1).
ConvKind conv_kind(const Graph& g, const Node& n) {
  const bool fp = n.op == "Conv" && n.domain.empty();
  const bool q = n.op == "QLinearConv" && n.domain.empty();
  if ((!fp && !q) || n.outputs.size() != 1 || n.inputs.size() < (q ? 8 : 2)) return ConvKind::kOther;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[q ? 3 : 1]);
  const Tensor& y = g.tensor(n.outputs[0]);
  if (fp && x.dtype != DType::kFloat32) return ConvKind::kOther;
  if (q && (dtype_size(x.dtype) != 1 || dtype_size(y.dtype) != 1 || !params_const(g, n))) return ConvKind::kOther;
  if (fp && !w.is_const) return ConvKind::kOther;
  const size_t rank = x.shape.size();
  if ((rank != 3 && rank != 4) || x.shape[0] != 1 || w.shape.size() != rank || y.shape.size() != rank) return ConvKind::kOther;
  const int64_t c = x.shape[1], m = w.shape[0], group = n.attr_int("group", 1);
  if (group == c && m == c && w.shape[1] == 1) return ConvKind::kDepthwise;
  if (group != 1) return ConvKind::kOther;
  for (size_t d = 2; d < rank; ++d)
    if (w.shape[d] != 1 || x.shape[d] != y.shape[d]) return ConvKind::kOther;
  for (int64_t v : n.attr_ints("strides", {}))
    if (v != 1) return ConvKind::kOther;
  for (int64_t v : n.attr_ints("pads", {}))
    if (v != 0) return ConvKind::kOther;
  const std::string pad = n.attr_string("auto_pad", "NOTSET");
  if (pad != "NOTSET" && pad != "VALID") return ConvKind::kOther;
  return ConvKind::kPointwise;
}

// 3. / 4. In-place depthwise and pointwise convolution.
bool try_conv(Graph& g, size_t step, const PassContext& ctx) {
  Node& n = g.nodes[step];
  const ConvKind kind = conv_kind(g, n);
  if (kind == ConvKind::kDepthwise && ctx.inplace_depthwise) {
    if (g.tensor(n.outputs[0]).numel() > g.tensor(n.inputs[0]).numel()) return false;
    if (!share_inplace(g, n, step, 0)) return false;
    n.set_int("kiln_inplace_dw", 1);
    return true;
  }
  if (kind == ConvKind::kPointwise && ctx.inplace_pointwise) {
    // Weights the emitter will store as CSR run the sparse kernel, which is out of place: the
    // cost model already judged the layer worth its flash and time savings.
    const Tensor& w = g.tensor(n.inputs[n.op == "QLinearConv" ? 3 : 1]);
    if (ctx.sparse_weights && csr_bytes(w, w.shape[0]) >= 0) return false;
    // Offsets that are whole channel planes keep every clobbered input pixel the one being written.
    const Tensor& y = g.tensor(n.outputs[0]);
    const int64_t plane = y.numel() / y.shape[1] * static_cast<int64_t>(dtype_size(y.dtype));
    if (!share_inplace(g, n, step, plane)) return false;
    n.set_int("kiln_inplace_pw", 1);
    return true;
  }
  return false;
}

// 5. QuantizeLinear float -> 8-bit in place: y[i] (byte i) lands on bytes of x[i / 4], already
// read when i >= 1, and on x[0] itself after it was read when i = 0.
bool try_quantize(Graph& g, size_t step) {
  Node& n = g.nodes[step];
  if (n.op != "QuantizeLinear" || !n.domain.empty() || n.outputs.size() != 1) return false;
  if (g.tensor(n.inputs[0]).dtype != DType::kFloat32 || dtype_size(g.tensor(n.outputs[0]).dtype) != 1) return false;
  if (!share_inplace(g, n, step, 0)) return false;
  n.set_int("kiln_inplace_q", 1);
  return true;
}

}  // namespace

PassResult run_inplace(Graph& g, const PassContext& ctx) {
  PassResult r;
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    if (try_conv(g, s, ctx)) {
      r.changed = true;
      ++r.stats[g.nodes[s].has_attr("kiln_inplace_dw") ? "depthwise-in-place" : "pointwise-in-place"];
    } else if (ctx.inplace_quantize && try_quantize(g, s)) {
      r.changed = true;
      ++r.stats["quantize-in-place"];
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
