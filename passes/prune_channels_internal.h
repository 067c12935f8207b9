// Internals of prune-channels (passes/prune_channels.cpp), shared by its two files: the
// channel bookkeeping types, the operand layouts of the ops it knows, and the Analysis that
// passes/prune_channels_analysis.cpp implements (which channels are constant, and which are tied
// into one class). Not an interface: only the pass includes it.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/ops/infer.h"
#include "compiler/ops/op.h"
#include "compiler/ops/quant_util.h"
#include "passes/pass.h"

namespace kiln::prune_detail {

enum class Role {
  kOpaque,     // unknown: its inputs' channels are pinned, its outputs have none we track
  kConv,       // Conv / QLinearConv, group 1: reduces input channels, produces output channels
  kDepthwise,  // Conv / QLinearConv with group = input channels = output channels
  kGemm,       // Gemm / QGemm (transA = 0), MatMul / QLinearMatMul with a constant 2-D B
  kUnary,      // one input, one output, channels one to one (activations, pools, BN)
  kView,       // Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity, Dropout
  kBinary,     // Add / QLinearAdd of two same-shape tensors
  kConcat,
};

// Where a node's operands sit (quantized ops carry scales and zero points between them).
struct Layout {
  size_t x = 0, w = 1, bias = 2;          // data input, weights, bias (kNone: no bias slot)
  size_t xs = kNone, xz = kNone, ws = kNone, wz = kNone, ys = kNone, yz = kNone;
  bool quant = false;
  static constexpr size_t kNone = static_cast<size_t>(-1);
};

inline bool is(const Node& n, const char* op, const char* domain = "") { return n.op == op && n.domain == domain; }

inline bool has_in(const Node& n, size_t i) { return i != Layout::kNone && i < n.inputs.size() && !n.inputs[i].empty(); }

inline bool const_in(const Graph& g, const Node& n, size_t i) { return !has_in(n, i) || g.tensor(n.inputs[i]).is_const; }

inline Layout layout_of(const Node& n) {
  Layout l;
  if (is(n, "QLinearConv")) {
    l = Layout{0, 3, 8, 1, 2, 4, 5, 6, 7, true};
  } else if (is(n, "QGemm", kMsDomain)) {
    l = Layout{0, 3, 6, 1, 2, 4, 5, 7, 8, true};
  } else if (is(n, "QLinearMatMul")) {
    l = Layout{0, 3, Layout::kNone, 1, 2, 4, 5, 6, 7, true};
  } else if (is(n, "MatMul")) {
    l.bias = Layout::kNone;
  }
  return l;
}

inline bool quant_params_const(const Graph& g, const Node& n, const Layout& l) {
  for (size_t i : {l.xs, l.xz, l.ws, l.wz, l.ys, l.yz, l.bias, l.w})
    if (!const_in(g, n, i)) return false;
  return has_in(n, l.xs) && has_in(n, l.ws) && has_in(n, l.ys) && has_in(n, l.yz);
}

inline bool no_padding(const Node& n) {
  const std::string ap = n.attr_string("auto_pad", "NOTSET");
  if (ap != "NOTSET" && ap != "VALID") return false;
  for (int64_t p : n.attr_ints("pads"))
    if (p != 0) return false;
  return true;
}

// Gemm-like geometry: y[M, N] = x[M, K] . B', B' = B or B^T (transB).
struct MatGeom {
  int64_t K = 0, N = 0;
  bool trans_b = false;
  int64_t b_index(int64_t k, int64_t n) const { return trans_b ? n * K + k : k * N + n; }
};

inline Role classify(const Graph& g, const Node& n, MatGeom* mg) {
  const bool conv = is(n, "Conv") || is(n, "QLinearConv");
  const Layout l = layout_of(n);
  if (n.outputs.size() != 1 || n.outputs[0].empty()) {
    if (!(is(n, "Dropout") || is(n, "MaxPool")) || n.outputs.empty() || n.outputs[0].empty()) return Role::kOpaque;
    for (size_t i = 1; i < n.outputs.size(); ++i)
      if (!n.outputs[i].empty()) return Role::kOpaque;
  }
  if (conv) {
    if (!has_in(n, l.w) || !g.tensor(n.inputs[l.w]).is_const || !const_in(g, n, l.bias)) return Role::kOpaque;
    if (l.quant && !quant_params_const(g, n, l)) return Role::kOpaque;
    if (!l.quant && g.tensor(n.inputs[0]).dtype != DType::kFloat32) return Role::kOpaque;
    const Shape& xs = g.tensor(n.inputs[l.x]).shape;
    const Shape& ws = g.tensor(n.inputs[l.w]).shape;
    if (xs.size() < 3 || ws.size() != xs.size()) return Role::kOpaque;
    const int64_t group = n.attr_int("group", 1);
    if (group == 1) return Role::kConv;
    if (group == xs[1] && ws[0] == xs[1] && ws[1] == 1) return Role::kDepthwise;
    return Role::kOpaque;
  }
  const bool gemm = is(n, "Gemm") || is(n, "QGemm", kMsDomain);
  const bool matmul = is(n, "MatMul") || is(n, "QLinearMatMul");
  if (gemm || matmul) {
    if (!has_in(n, l.w) || !g.tensor(n.inputs[l.w]).is_const || !const_in(g, n, l.bias)) return Role::kOpaque;
    if (l.quant && !quant_params_const(g, n, l)) return Role::kOpaque;
    if (!l.quant && g.tensor(n.inputs[0]).dtype != DType::kFloat32) return Role::kOpaque;
    const Shape& as = g.tensor(n.inputs[l.x]).shape;
    const Shape& bs = g.tensor(n.inputs[l.w]).shape;
    if (bs.size() != 2 || as.size() < 2 || (gemm && as.size() != 2)) return Role::kOpaque;
    if (n.attr_int("transA", 0) != 0) return Role::kOpaque;
    mg->trans_b = n.attr_int("transB", 0) != 0;
    mg->K = mg->trans_b ? bs[1] : bs[0];
    mg->N = mg->trans_b ? bs[0] : bs[1];
    if (is(n, "Gemm") && has_in(n, 2)) {
      // C: one value, [N] or [1, N]; one row per output row would make no column a constant
      const Shape& cs = g.tensor(n.inputs[2]).shape;
      if (shape_numel(cs) != 1 && (cs.back() != mg->N || shape_numel(cs) != mg->N)) return Role::kOpaque;
    }
    return Role::kGemm;
  }
  static const char* const kUnaryOps[] = {"Relu", "Clip", "LeakyRelu", "MaxPool", "AveragePool", "GlobalAveragePool",
                                          "GlobalMaxPool", "BatchNormalization"};
  for (const char* op : kUnaryOps)
    if (is(n, op)) {
      for (size_t i = 1; i < n.inputs.size(); ++i)
        if (!const_in(g, n, i)) return Role::kOpaque;
      return Role::kUnary;
    }
  if (is(n, "QLinearAveragePool", kMsDomain) || is(n, "QLinearGlobalAveragePool", kMsDomain)) {
    for (size_t i = 1; i < n.inputs.size(); ++i)
      if (!const_in(g, n, i)) return Role::kOpaque;
    return Role::kUnary;
  }
  static const char* const kViewOps[] = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity", "Dropout"};
  for (const char* op : kViewOps)
    if (is(n, op)) {
      for (size_t i = 1; i < n.inputs.size(); ++i)
        if (!const_in(g, n, i)) return Role::kOpaque;
      return Role::kView;
    }
  if (is(n, "Add") && n.inputs.size() == 2) return Role::kBinary;
  if (is(n, "QLinearAdd", kMsDomain) && n.inputs.size() == 8) {
    for (size_t i : {1, 2, 4, 5, 6, 7})
      if (!const_in(g, n, i)) return Role::kOpaque;
    return Role::kBinary;
  }
  if (is(n, "Concat")) return Role::kConcat;
  return Role::kOpaque;
}

// The channels of one tensor: dimension `axis` holds C channels of `block` consecutive indices.
struct Desc {
  int axis = 1;
  int64_t C = 0, block = 1;
  int base = 0;  // index of channel 0's pair
};

struct Val {
  bool known = false;
  double v = 0;  // float: the value; int8/uint8: the stored integer
};

// The value that means zero: 0 for float tensors, the zero point of int8/uint8 ones (NaN, equal
// to nothing, when a quantized tensor's parameters are unknown).
inline double zero_of(const Tensor& t) {
  if (!is_quant_type(t.dtype)) return 0.0;
  if (t.quant.zero_point.size() != 1) return std::numeric_limits<double>::quiet_NaN();
  return t.quant.zero_point[0];
}

// The zero point a quantized node reads input `x` with: the tensor's own (zero_of), or NaN when
// the node's x_zero_point input says otherwise, so that no value of the tensor counts as zero
// or folds.
double read_zero(const Graph& g, const Node& n, size_t xz, const Tensor& x);

inline double wval(const Tensor& w, int64_t i) { return is_quant_type(w.dtype) ? w.int_at(i) : w.float_at(i); }

// Element c of a zero-point tensor of 1 or C elements (0 when absent).
inline int32_t per_int(const Tensor* t, int64_t c) {
  if (!t) return 0;
  return static_cast<int32_t>(t->numel() == 1 ? t->int_at(0) : t->int_at(c));
}

inline const Tensor* opt_in(const Graph& g, const Node& n, size_t i) { return has_in(n, i) ? &g.tensor(n.inputs[i]) : nullptr; }

inline double read_zero(const Graph& g, const Node& n, size_t xz, const Tensor& x) {
  const double z = zero_of(x);
  if (!is_quant_type(x.dtype)) return z;
  const double node_z = per_int(opt_in(g, n, xz), 0);
  return node_z == z ? z : std::numeric_limits<double>::quiet_NaN();
}

// The multipliers the quantized op's kernel uses for all its channels (compiler/ops/qconv.cpp,
// qmatmul.cpp).
inline std::vector<double> multiplier_reals(const Graph& g, const Node& n, const Layout& l, int64_t M) {
  const Tensor& xs = g.tensor(n.inputs[l.xs]);
  const Tensor& ws = g.tensor(n.inputs[l.ws]);
  const Tensor& ys = g.tensor(n.inputs[l.ys]);
  std::vector<double> r;
  for (int64_t m = 0; m < M; ++m)
    r.push_back(static_cast<double>(xs.as<float>()[0]) * static_cast<double>(ws.as<float>()[ws.numel() == 1 ? 0 : m]) /
                static_cast<double>(ys.as<float>()[0]));
  return r;
}

// The output value of channel m of a quantized op whose accumulator is the constant acc.
inline double requant_const(const Graph& g, const Node& n, const Layout& l, int64_t M, int64_t m, int64_t acc) {
  std::vector<QuantMultiplier> mult = channel_multipliers(multiplier_reals(g, n, l, M), n.attr_ints("kiln_shift_hull"));
  const Tensor& y = g.tensor(n.outputs[0]);
  const int32_t zy = per_int(opt_in(g, n, l.yz), 0);
  int32_t lo, hi;
  quant_output_range(n, y.dtype, g.tensor(n.inputs[l.ys]).as<float>()[0], zy, &lo, &hi);
  int32_t v = zy + multiply_by_quantized_multiplier(static_cast<int32_t>(acc), mult[static_cast<size_t>(m)]);
  return std::max(lo, std::min(hi, v));
}

// A reading of channel c of a reducer's input: the bias delta it folds into output channel m.
struct Analysis {
  const Graph& g;
  std::map<std::string, Desc> desc;
  std::vector<int> parent;
  std::vector<char> pinned;  // per pair: the class stays
  std::vector<char> fixed;   // per pair: pinned by the graph's structure, not by a value
  std::vector<Val> val;
  std::vector<Role> role;
  std::vector<MatGeom> geom;
  const std::set<std::pair<std::string, int64_t>>& extra_pins;

  int find(int a) {
    while (parent[static_cast<size_t>(a)] != a) a = parent[static_cast<size_t>(a)] = parent[static_cast<size_t>(parent[static_cast<size_t>(a)])];
    return a;
  }
  void unite(int a, int b) { parent[static_cast<size_t>(find(a))] = find(b); }
  int pair(const std::string& t, int64_t c) const { return desc.at(t).base + static_cast<int>(c); }
  void pin(const std::string& t, int64_t c, bool structural = true) {
    pinned[static_cast<size_t>(pair(t, c))] = 1;
    if (structural) fixed[static_cast<size_t>(pair(t, c))] = 1;
  }
  void pin_all(const std::string& t) {
    auto it = desc.find(t);
    if (it == desc.end()) return;
    for (int64_t c = 0; c < it->second.C; ++c) pin(t, c);
  }
  bool zero(const std::string& t, int64_t c) {
    const Val& v = val[static_cast<size_t>(pair(t, c))];
    return v.known && v.v == zero_of(g.tensor(t));
  }

  Desc& add(const std::string& t, int axis, int64_t C, int64_t block) {
    Desc d;
    d.axis = axis;
    d.C = C;
    d.block = block;
    d.base = static_cast<int>(parent.size());
    for (int64_t c = 0; c < C; ++c) {
      parent.push_back(static_cast<int>(parent.size()));
      pinned.push_back(0);
      fixed.push_back(0);
      val.push_back(Val{});
    }
    desc[t] = d;
    if (g.is_graph_output(t) || g.is_graph_input(t)) pin_all(t);
    for (int64_t c = 0; c < C; ++c)
      if (extra_pins.count({t, c})) pin(t, c);
    return desc[t];
  }

  // The channels of tensor t as a reader expects them; a tensor no known op produced (a graph
  // input, an opaque op's output) gets pinned ones. False when t's channels lie elsewhere.
  bool expect(const std::string& t, int axis, int64_t block_max, Desc* out) {
    const Tensor& x = g.tensor(t);
    if (x.is_const || x.shape.size() <= static_cast<size_t>(axis)) return false;
    auto it = desc.find(t);
    if (it == desc.end()) {
      add(t, axis, x.shape[static_cast<size_t>(axis)], 1);
      pin_all(t);
      it = desc.find(t);
    }
    if (it->second.axis != axis || (block_max == 1 && it->second.block != 1)) {
      pin_all(t);
      return false;
    }
    *out = it->second;
    return true;
  }

  void pin_inputs(const Node& n) {
    for (const auto& in : n.inputs)
      if (!in.empty()) pin_all(in);
  }

  void run();
  void producer(const Node& n, Role r, const MatGeom& mg);
  bool depthwise(const Node& n, const MatGeom& mg);
  void unary(const Node& n);
  void view(const Node& n);
  void binary(const Node& n);
  void concat(const Node& n);
};

// Reducer input channel c read through weights w[m, c, ...] (conv) or rows [c*block, ...) (mat).
struct Reader {
  const Graph& g;
  const Node& n;
  Role role;
  MatGeom mg;
  Layout l;
  const Tensor& w;
  int64_t M, C, per_mc, block = 1;  // output channels, input channels, weights per (m, c)

  Reader(const Graph& g_, const Node& n_, Role r, const MatGeom& m)
      : g(g_), n(n_), role(r), mg(m), l(layout_of(n_)), w(g_.tensor(n_.inputs[l.w])) {
    if (role == Role::kGemm) {
      M = mg.N;
      C = mg.K;
      per_mc = 1;
    } else {
      M = w.shape[0];
      C = w.shape[1];
      per_mc = shape_numel(Shape(w.shape.begin() + 2, w.shape.end()));
    }
  }
  int32_t wz(int64_t m) const { return per_int(opt_in(g, n, l.wz), m); }
  // Weight k of (m, c) minus the weight zero point.
  double at(int64_t m, int64_t c, int64_t k) const {
    const int64_t i = role == Role::kGemm ? mg.b_index(c, m) : (m * C + c) * per_mc + k;
    return wval(w, i) - (l.quant ? wz(m) : 0);
  }
  // Sum over the weights output m reads input row/channel c through.
  double sum(int64_t m, int64_t c) const {
    double s = 0;
    for (int64_t k = 0; k < per_mc; ++k) s += at(m, c, k);
    return s;
  }
  bool all_zero(int64_t m, int64_t c) const {
    for (int64_t k = 0; k < per_mc; ++k)
      if (at(m, c, k) != 0) return false;
    return true;
  }
  // A non-zero constant input folds into a bias: no padding, a bias slot, scale 1.
  bool can_fold() const {
    if (role == Role::kConv) return no_padding(n);
    if (is(n, "Gemm")) {
      const Tensor* c = opt_in(g, n, 2);
      return n.attr_float("alpha", 1.0f) == 1.0f && n.attr_float("beta", 1.0f) == 1.0f &&
             (!c || c->shape.size() < 2 || c->shape[0] == 1);
    }
    return is(n, "QGemm", kMsDomain);
  }
  // Gemm's alpha: the factor of the product (the bias below includes beta).
  double alpha() const { return is(n, "Gemm") ? n.attr_float("alpha", 1.0f) : 1.0; }
  double bias(int64_t m) const {
    const Tensor* b = opt_in(g, n, l.bias);
    if (!b) return 0;
    if (is(n, "Gemm")) return n.attr_float("beta", 1.0f) * b->float_at(b->numel() == 1 ? 0 : m);
    return b->numel() == 1 ? wval(*b, 0) : wval(*b, m);
  }
};

}  // namespace kiln::prune_detail
