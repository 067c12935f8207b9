//===- prune_channels.cpp - Remove channels that compute a constant -------===//
//
// An output channel of a Conv or Gemm whose weights are all zero computes a constant: its bias,
// after the fused activation (int8: the requantized bias, clamped). Trained-then-pruned models
// have many (MLPerf Tiny's VWW MobileNet: 971). This pass removes such channels exactly, never
// changing what the model computes:
//
// 1. Analyse, in schedule order. Every activation tensor with a channel dimension gets one
//    entry per channel (a "pair": tensor, channel), and each pair a constant value when it is
//    known to be one over all positions (int8 tensors: the stored integer; "zero" means the
//    tensor's zero point). Producers (Conv/QLinearConv with group 1, Gemm/QGemm, MatMul/
//    QLinearMatMul with a constant 2-D right operand) compute their channels' constants from
//    the weights: a channel is constant when every input channel it reads through a non-zero
//    weight is itself constant (and zero, or the window has no padding). Ops that carry
//    channels one to one link the input pair to the output pair (union-find): depthwise
//    convolutions (group = channels), BatchNormalization, Relu/Clip/LeakyRelu, the pools,
//    Identity/Dropout, the views (Reshape, Flatten, Squeeze, Unsqueeze, Transpose: the channel
//    axis is followed through, a Flatten of [N, C, H, W] makes each channel a block of H*W
//    columns), residual Add/QLinearAdd and Concat (along the channels: offsets; else like Add).
//    Linked pairs form a class that is removed as a whole, so the inputs of an Add or a
//    depthwise convolution keep equal channel sets.
// 2. Decide. A class is removed unless it is pinned: a pair is a graph input or output, is read
//    or produced by an op the pass does not know, or is read by a reducing op (a producer
//    above, as its input) while not constant, or constant but not zero where the reader cannot
//    fold it: a non-zero constant folds into the reader's bias exactly when the reader has (or
//    can get) a bias and no padding (int8: (q - zx) * sum(w - zw) is added to the int32 bias;
//    float: v * sum(w), a reassociation of the same sum). A tensor keeps at least one channel;
//    an int8 fold that would overflow the bias pins its channel instead.
// 3. Apply: slice weights, biases, per-channel scales and zero points (output channels of
//    producers, input channels of readers, both of depthwise convolutions), fold the non-zero
//    constants into biases, rewrite Reshape targets, and infer shapes again. Quantized
//    producers record the shift range of their multipliers before pruning (kiln_shift_hull,
//    see compiler/ops/quant_util.h) so the channels they keep requantize exactly as before.
//
// New constants get new names (weights may be shared); dce drops the old ones. Off with
// --no-prune (PassContext::prune).
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "compiler/ops/infer.h"
#include "compiler/ops/op.h"
#include "compiler/ops/quant_util.h"
#include "passes/passes.h"
#include "passes/prune_channels.h"

namespace kiln {

namespace {

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

bool is(const Node& n, const char* op, const char* domain = "") { return n.op == op && n.domain == domain; }

bool has_in(const Node& n, size_t i) { return i != Layout::kNone && i < n.inputs.size() && !n.inputs[i].empty(); }

bool const_in(const Graph& g, const Node& n, size_t i) { return !has_in(n, i) || g.tensor(n.inputs[i]).is_const; }

Layout layout_of(const Node& n) {
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

bool quant_params_const(const Graph& g, const Node& n, const Layout& l) {
  for (size_t i : {l.xs, l.xz, l.ws, l.wz, l.ys, l.yz, l.bias, l.w})
    if (!const_in(g, n, i)) return false;
  return has_in(n, l.xs) && has_in(n, l.ws) && has_in(n, l.ys) && has_in(n, l.yz);
}

bool no_padding(const Node& n) {
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

Role classify(const Graph& g, const Node& n, MatGeom* mg) {
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
double zero_of(const Tensor& t) {
  if (!is_quant_type(t.dtype)) return 0.0;
  if (t.quant.zero_point.size() != 1) return std::numeric_limits<double>::quiet_NaN();
  return t.quant.zero_point[0];
}

// The zero point a quantized node reads input `x` with: the tensor's own (zero_of), or NaN when
// the node's x_zero_point input says otherwise, so that no value of the tensor counts as zero
// or folds.
double read_zero(const Graph& g, const Node& n, size_t xz, const Tensor& x);

double wval(const Tensor& w, int64_t i) { return is_quant_type(w.dtype) ? w.int_at(i) : w.float_at(i); }

// Element c of a zero-point tensor of 1 or C elements (0 when absent).
int32_t per_int(const Tensor* t, int64_t c) {
  if (!t) return 0;
  return static_cast<int32_t>(t->numel() == 1 ? t->int_at(0) : t->int_at(c));
}

const Tensor* opt_in(const Graph& g, const Node& n, size_t i) { return has_in(n, i) ? &g.tensor(n.inputs[i]) : nullptr; }

double read_zero(const Graph& g, const Node& n, size_t xz, const Tensor& x) {
  const double z = zero_of(x);
  if (!is_quant_type(x.dtype)) return z;
  const double node_z = per_int(opt_in(g, n, xz), 0);
  return node_z == z ? z : std::numeric_limits<double>::quiet_NaN();
}

// The multipliers the quantized op's kernel uses for all its channels (compiler/ops/qconv.cpp,
// qmatmul.cpp).
std::vector<double> multiplier_reals(const Graph& g, const Node& n, const Layout& l, int64_t M) {
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
double requant_const(const Graph& g, const Node& n, const Layout& l, int64_t M, int64_t m, int64_t acc) {
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

void Analysis::producer(const Node& n, Role r, const MatGeom& mg) {
  const Layout l = layout_of(n);
  const std::string& x = n.inputs[l.x];
  const Tensor& xt = g.tensor(x);
  const int axis = r == Role::kGemm ? static_cast<int>(xt.shape.size()) - 1 : 1;
  Desc in;
  const bool tracked = expect(x, axis, r == Role::kGemm ? std::numeric_limits<int64_t>::max() : 1, &in);
  Reader rd(g, n, r, mg);
  const std::string& y = n.outputs[0];
  const Tensor& yt = g.tensor(y);
  add(y, r == Role::kGemm ? static_cast<int>(yt.shape.size()) - 1 : 1, rd.M, 1);
  const double zx = read_zero(g, n, l.xz, xt);
  if (tracked && (in.C * in.block != rd.C || std::isnan(zx))) {
    pin_all(x);
    return;
  }
  const bool fold = rd.can_fold();
  // Input channels: removable when constant and zero, or foldable.
  if (tracked)
    for (int64_t c = 0; c < in.C; ++c) {
      const Val& v = val[static_cast<size_t>(pair(x, c))];
      if (!v.known || (v.v != zx && !fold)) pin(x, c, false);
    }
  // Output channels: constant when every input row read through a non-zero weight is.
  for (int64_t m = 0; m < rd.M; ++m) {
    double acc = rd.bias(m);
    bool known = true;
    for (int64_t k = 0; k < rd.C && known; ++k) {
      if (rd.all_zero(m, k)) continue;
      const int64_t c = tracked ? k / in.block : -1;
      const Val* v = tracked ? &val[static_cast<size_t>(pair(x, c))] : nullptr;
      if (!v || !v->known) {
        known = false;
      } else if (v->v != zx) {
        if (r == Role::kConv && !no_padding(n)) known = false;
        else acc += rd.alpha() * (v->v - zx) * rd.sum(m, k);
      }
    }
    if (!known) continue;
    Val& out = val[static_cast<size_t>(pair(y, m))];
    out.known = true;
    if (l.quant) {
      if (std::fabs(acc) > 2147483647.0) {
        out.known = false;
        continue;
      }
      out.v = requant_const(g, n, l, rd.M, m, static_cast<int64_t>(acc));
    } else {
      out.v = apply_fused_act(n, static_cast<float>(acc));
    }
  }
}

// A depthwise channel whose input is the constant dv (above the zero point) everywhere and
// whose window crosses padding: the output varies with the position unless the clamp makes it
// one value everywhere. Evaluates every position; true (and the value) when all agree. Float
// outputs must be clamped with a margin, so no rounding of the sum can change them.
bool padded_const(const Graph& g, const Node& n, const Reader& rd, int64_t c, double dv, double* out) {
  const Layout l = layout_of(n);
  const Shape& xs = g.tensor(n.inputs[l.x]).shape;
  const Shape& ys = g.tensor(n.outputs[0]).shape;
  if (n.attr_string("auto_pad", "NOTSET") != "NOTSET" || xs.size() != 4) return false;
  const Shape& ws = rd.w.shape;
  const auto st = n.attr_ints("strides", {1, 1}), dl = n.attr_ints("dilations", {1, 1});
  const auto pads = n.attr_ints("pads", {0, 0, 0, 0});
  if (st.size() != 2 || dl.size() != 2 || pads.size() != 4) return false;
  const int64_t H = xs[2], W = xs[3], KH = ws[2], KW = ws[3], OH = ys[2], OW = ys[3];
  const float lo = n.attr_float("kiln_act_lo", -std::numeric_limits<float>::infinity());
  const std::string act = n.attr_string("kiln_act", "");
  bool first = true;
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow) {
      double s = 0, mag = std::fabs(rd.bias(c));
      for (int64_t kh = 0; kh < KH; ++kh)
        for (int64_t kw = 0; kw < KW; ++kw) {
          const int64_t ih = oh * st[0] - pads[0] + kh * dl[0], iw = ow * st[1] - pads[1] + kw * dl[1];
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // padding: the zero point
          s += rd.at(c, 0, kh * KW + kw);
          mag += std::fabs(dv * rd.at(c, 0, kh * KW + kw));
        }
      const double acc = rd.bias(c) + dv * s;
      double v;
      if (l.quant) {
        if (std::fabs(acc) > 2147483647.0) return false;
        v = requant_const(g, n, l, rd.M, c, static_cast<int64_t>(acc));
      } else {
        if ((act != "Relu" && act != "Clip") || !(acc < lo - 1e-5 * mag)) return false;
        v = lo;
      }
      if (!first && v != *out) return false;
      *out = v;
      first = false;
    }
  return !first;
}

bool Analysis::depthwise(const Node& n, const MatGeom& mg) {
  const Layout l = layout_of(n);
  const std::string& x = n.inputs[l.x];
  Desc in;
  if (!expect(x, 1, 1, &in)) return false;
  Reader rd(g, n, Role::kConv, mg);
  const std::string& y = n.outputs[0];
  add(y, 1, in.C, 1);
  const double zx = read_zero(g, n, l.xz, g.tensor(x));
  for (int64_t c = 0; c < in.C; ++c) {
    unite(pair(x, c), pair(y, c));
    const Val& v = val[static_cast<size_t>(pair(x, c))];
    Val& o = val[static_cast<size_t>(pair(y, c))];
    double acc = rd.bias(c);
    const bool dead = rd.all_zero(c, 0);
    if (!dead && (!v.known || std::isnan(zx))) continue;
    if (!dead && v.v != zx) {
      if (!no_padding(n)) {
        double k = 0;
        if (padded_const(g, n, rd, c, v.v - zx, &k)) o = Val{true, k};
        continue;
      }
      acc += (v.v - zx) * rd.sum(c, 0);
    }
    if (l.quant) {
      if (std::fabs(acc) > 2147483647.0) continue;
      o = Val{true, requant_const(g, n, l, in.C, c, static_cast<int64_t>(acc))};
    } else {
      o = Val{true, apply_fused_act(n, static_cast<float>(acc))};
    }
  }
  return true;
}

void Analysis::unary(const Node& n) {
  Desc in;
  const std::string& x = n.inputs[0];
  if (!expect(x, 1, 1, &in)) {
    if (desc.count(x)) pin_all(x);
    return;
  }
  const std::string& y = n.outputs[0];
  const Tensor& xt = g.tensor(x);
  const Tensor& yt = g.tensor(y);
  if (yt.shape.size() < 2 || yt.shape[1] != in.C || (is(n, "Clip") && is_quant_type(xt.dtype) && zero_of(xt) != zero_of(yt))) {
    pin_all(x);
    return;
  }
  add(y, 1, in.C, 1);
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t c = 0; c < in.C; ++c) {
    unite(pair(x, c), pair(y, c));
    const Val& v = val[static_cast<size_t>(pair(x, c))];
    Val& o = val[static_cast<size_t>(pair(y, c))];
    if (!v.known) continue;
    const bool z = v.v == zero_of(xt);
    if (is(n, "Relu")) {
      o = Val{true, std::max(v.v, 0.0)};
    } else if (is(n, "LeakyRelu")) {
      o = Val{true, v.v < 0 ? static_cast<float>(v.v) * n.attr_float("alpha", 0.01f) : v.v};
    } else if (is(n, "Clip")) {
      double lo = n.attr_float("min", -inf), hi = n.attr_float("max", inf);
      if (has_in(n, 1)) lo = g.tensor(n.inputs[1]).float_at(0);
      if (has_in(n, 2)) hi = g.tensor(n.inputs[2]).float_at(0);
      o = Val{true, std::max(lo, std::min(hi, v.v))};
    } else if (is(n, "MaxPool") || is(n, "GlobalMaxPool")) {
      o = v;  // the maximum of a constant (padding never wins)
    } else if (is(n, "BatchNormalization")) {
      auto p = [&](size_t i) { return static_cast<double>(g.tensor(n.inputs[i]).as<float>()[c]); };
      double s = (static_cast<float>(v.v) - p(3)) / std::sqrt(p(4) + n.attr_float("epsilon", 1e-5f));
      o = Val{true, static_cast<float>(s * static_cast<float>(p(1)) + static_cast<float>(p(2)))};
    } else if (z && (!is_quant_type(xt.dtype) || (read_zero(g, n, 2, xt) == zero_of(xt) && read_zero(g, n, 4, yt) == zero_of(yt)))) {
      o = Val{true, zero_of(yt)};  // the average pools: zero stays zero (int8: the output zero point)
    }
  }
}

// Follows the channel axis through a view: the output axis j whose leading dims hold the same
// elements as the input's leading dims and whose extent holds the channels' blocks.
void Analysis::view(const Node& n) {
  const std::string& x = n.inputs[0];
  const std::string& y = n.outputs[0];
  auto it = desc.find(x);
  if (it == desc.end()) return;
  const Desc in = it->second;
  const Shape& xs = g.tensor(x).shape;
  const Shape& ys = g.tensor(y).shape;
  int axis = -1;
  int64_t block = 0;
  if (is(n, "Transpose")) {
    auto perm = n.attr_ints("perm");
    if (perm.empty())
      for (int64_t i = static_cast<int64_t>(xs.size()) - 1; i >= 0; --i) perm.push_back(i);
    for (size_t j = 0; j < perm.size(); ++j)
      if (perm[j] == in.axis) axis = static_cast<int>(j);
    block = in.block;
  } else {
    int64_t pre = 1, post = 1;
    for (int i = 0; i < static_cast<int>(xs.size()); ++i) (i < in.axis ? pre : post) *= i == in.axis ? 1 : xs[static_cast<size_t>(i)];
    int64_t lead = 1;
    for (size_t j = 0; j < ys.size() && axis < 0; ++j) {
      int64_t inner = 1;
      for (size_t k = j + 1; k < ys.size(); ++k) inner *= ys[k];
      if (lead == pre && ys[j] % in.C == 0 && (ys[j] / in.C) * inner == in.block * post && in.block * post % inner == 0 &&
          (ys[j] > 1 || in.C == 1)) {
        axis = static_cast<int>(j);
        block = ys[j] / in.C;
      }
      lead *= ys[j];
    }
  }
  if (axis < 0) {
    pin_all(x);
    return;
  }
  add(y, axis, in.C, block);
  for (int64_t c = 0; c < in.C; ++c) {
    unite(pair(x, c), pair(y, c));
    val[static_cast<size_t>(pair(y, c))] = val[static_cast<size_t>(pair(x, c))];
  }
}

void Analysis::binary(const Node& n) {
  const bool q = n.domain == kMsDomain;
  const std::string& a = n.inputs[0];
  const std::string& b = n.inputs[q ? 3 : 1];
  const std::string& y = n.outputs[0];
  const Shape& ys = g.tensor(y).shape;
  auto it = desc.find(a);
  if (it == desc.end()) it = desc.find(b);
  Desc da, db;
  if (it == desc.end() || g.tensor(a).shape != ys || g.tensor(b).shape != ys || !expect(a, it->second.axis, it->second.block, &da) ||
      !expect(b, it->second.axis, it->second.block, &db) || da.C != db.C || da.block != db.block) {
    pin_inputs(n);
    return;
  }
  add(y, da.axis, da.C, da.block);
  for (int64_t c = 0; c < da.C; ++c) {
    unite(pair(a, c), pair(y, c));
    unite(pair(b, c), pair(y, c));
    const bool zps = !q || (read_zero(g, n, 2, g.tensor(a)) == zero_of(g.tensor(a)) &&
                            read_zero(g, n, 5, g.tensor(b)) == zero_of(g.tensor(b)) &&
                            read_zero(g, n, 7, g.tensor(y)) == zero_of(g.tensor(y)));
    if (zps && zero(a, c) && zero(b, c)) val[static_cast<size_t>(pair(y, c))] = Val{true, zero_of(g.tensor(y))};
  }
}

void Analysis::concat(const Node& n) {
  const std::string& y = n.outputs[0];
  const Shape& ys = g.tensor(y).shape;
  int64_t axis = n.attr_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(ys.size());
  const Desc* first = nullptr;
  for (const auto& in : n.inputs)
    if (desc.count(in)) first = &desc.at(in);
  std::vector<Desc> ins;
  bool ok = first != nullptr;
  for (const auto& in : n.inputs) {
    Desc d;
    ok = ok && expect(in, first->axis, first->block, &d) && d.block == first->block;
    ins.push_back(d);
  }
  if (!ok) {
    pin_inputs(n);
    return;
  }
  const Desc f = *first;
  if (axis == f.axis) {
    int64_t C = 0;
    for (const Desc& d : ins) C += d.C;
    add(y, f.axis, C, f.block);
    int64_t at = 0;
    for (size_t i = 0; i < ins.size(); ++i)
      for (int64_t c = 0; c < ins[i].C; ++c, ++at) {
        unite(pair(n.inputs[i], c), pair(y, at));
        val[static_cast<size_t>(pair(y, at))] = val[static_cast<size_t>(pair(n.inputs[i], c))];
      }
    return;
  }
  for (const Desc& d : ins)
    if (d.C != f.C) {
      pin_inputs(n);
      return;
    }
  add(y, f.axis, f.C, f.block);
  for (int64_t c = 0; c < f.C; ++c) {
    bool all_zero = true;
    for (const auto& in : n.inputs) {
      unite(pair(in, c), pair(y, c));
      all_zero = all_zero && zero(in, c) && zero_of(g.tensor(in)) == zero_of(g.tensor(y));
    }
    if (all_zero) val[static_cast<size_t>(pair(y, c))] = Val{true, zero_of(g.tensor(y))};
  }
}

void Analysis::run() {
  for (const Node& n : g.nodes) {
    MatGeom mg;
    Role r = classify(g, n, &mg);
    role.push_back(r);
    geom.push_back(mg);
    switch (r) {
      case Role::kConv:
      case Role::kGemm: producer(n, r, mg); break;
      case Role::kDepthwise:
        if (!depthwise(n, mg)) role.back() = Role::kOpaque;
        break;
      case Role::kUnary: unary(n); break;
      case Role::kView: view(n); break;
      case Role::kBinary: binary(n); break;
      case Role::kConcat: concat(n); break;
      case Role::kOpaque: pin_inputs(n); break;
    }
  }
}

// ---- apply ----

// The smallest int32 accumulator that multiplier q requantizes to at least k (2^31: none).
int64_t threshold(QuantMultiplier q, int32_t zy, int32_t k) {
  int64_t lo = std::numeric_limits<int32_t>::min(), hi = int64_t(std::numeric_limits<int32_t>::max()) + 1;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<int64_t>(zy) + multiply_by_quantized_multiplier(static_cast<int32_t>(mid), q) >= k) hi = mid;
    else lo = mid;
    if (hi - lo == 1) {
      const bool at_lo = static_cast<int64_t>(zy) + multiply_by_quantized_multiplier(static_cast<int32_t>(lo), q) >= k;
      return at_lo ? lo : hi;
    }
  }
  return lo;
}

// Two encodings of one channel's multiplier give the same clamped output for every int32
// accumulator: requantization is monotonic, so it is enough that each output step in
// (lo, hi] begins at the same accumulator.
bool same_outputs(QuantMultiplier a, QuantMultiplier b, int32_t zy, int32_t lo, int32_t hi) {
  if (a.mult == b.mult && a.shift == b.shift) return true;
  for (int32_t k = lo + 1; k <= hi; ++k)
    if (threshold(a, zy, k) != threshold(b, zy, k)) return false;
  return true;
}

// Tensor t with only the `keep` indices of dimension `axis`.
Tensor slice(const Tensor& t, const std::string& name, int axis, const std::vector<int64_t>& keep) {
  Tensor r = t;
  r.name = name;
  const size_t es = dtype_size(t.dtype);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= t.shape[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < t.shape.size(); ++i) inner *= t.shape[i];
  const int64_t D = t.shape[static_cast<size_t>(axis)];
  r.shape[static_cast<size_t>(axis)] = static_cast<int64_t>(keep.size());
  r.data.clear();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : keep) {
      const uint8_t* p = t.data.data() + static_cast<size_t>((o * D + k) * inner) * es;
      r.data.insert(r.data.end(), p, p + static_cast<size_t>(inner) * es);
    }
  if (t.quant.axis == axis && t.quant.scale.size() == static_cast<size_t>(D)) {
    QuantParams q = t.quant;
    q.scale.clear();
    q.zero_point.clear();
    for (int64_t k : keep) {
      q.scale.push_back(t.quant.scale[static_cast<size_t>(k)]);
      if (!t.quant.zero_point.empty()) q.zero_point.push_back(t.quant.zero_point[static_cast<size_t>(k)]);
    }
    r.quant = q;
  }
  return r;
}

struct Rewriter {
  Graph& g;
  const Analysis& a;
  const std::vector<char>& removed;  // per root
  PassResult& res;
  std::set<std::pair<std::string, int64_t>>* pins;  // filled on an int32 overflow

  bool gone(const std::string& t, int64_t c) const {
    const Desc& d = a.desc.at(t);
    int p = d.base + static_cast<int>(c);
    while (a.parent[static_cast<size_t>(p)] != p) p = a.parent[static_cast<size_t>(p)];
    return removed[static_cast<size_t>(p)] != 0;
  }
  // Kept indices along a tensor's channel dimension (each channel is `block` indices).
  std::vector<int64_t> kept(const std::string& t) const {
    std::vector<int64_t> k;
    auto it = a.desc.find(t);
    if (it == a.desc.end()) return k;
    for (int64_t c = 0; c < it->second.C; ++c)
      if (!gone(t, c))
        for (int64_t b = 0; b < it->second.block; ++b) k.push_back(c * it->second.block + b);
    return k;
  }
  bool changed(const std::string& t) const {
    auto it = a.desc.find(t);
    return it != a.desc.end() && static_cast<int64_t>(kept(t).size()) != it->second.C * it->second.block;
  }
  // Replaces input i of node n by its slice along `axis`.
  void replace(Node& n, size_t i, int axis, const std::vector<int64_t>& keep) {
    if (!has_in(n, i)) return;
    const Tensor& t = g.tensor(n.inputs[i]);
    const int64_t D = t.shape.empty() ? 1 : t.shape[static_cast<size_t>(axis)];
    if (t.numel() == 1 || static_cast<int64_t>(keep.size()) == D) return;
    set_const(n, i, slice(t, g.unique_name(n.inputs[i] + "_pruned"), axis, keep));
  }
  void set_const(Node& n, size_t i, Tensor t) {
    std::string name = t.name;
    g.tensors[name] = std::move(t);
    n.inputs[i] = name;
  }
  // Keeps the multipliers of a quantized layer's remaining channels `keep` as they were. When the
  // multipliers the remaining channels would get on their own (often one shared shift: a faster
  // kernel) requantize every int32 accumulator to the same clamped output, they are free to;
  // otherwise the layer's shift range before pruning is recorded (kiln_shift_hull).
  void keep_shifts(Node& n, const Layout& l, int64_t M, const std::vector<int64_t>& keep) {
    if (!l.quant) return;
    std::vector<double> reals = multiplier_reals(g, n, l, M);
    std::vector<int64_t> hull = n.attr_ints("kiln_shift_hull");
    int64_t lo = hull.size() == 2 ? hull[0] : std::numeric_limits<int64_t>::max();
    int64_t hi = hull.size() == 2 ? hull[1] : std::numeric_limits<int64_t>::min();
    for (double r : reals) {
      QuantMultiplier q = quantize_multiplier(r);
      if (q.mult == 0) {  // a zero multiplier keeps every channel in TFLite's own-shift form
        lo = -1000;
        hi = 1000;
        break;
      }
      lo = std::min<int64_t>(lo, q.shift);
      hi = std::max<int64_t>(hi, q.shift);
    }
    std::vector<double> kept;
    for (int64_t k : keep) kept.push_back(reals[static_cast<size_t>(k)]);
    const std::vector<QuantMultiplier> was = channel_multipliers(kept, {lo, hi}), free = channel_multipliers(kept);
    const Tensor& y = g.tensor(n.outputs[0]);
    const int32_t zy = per_int(opt_in(g, n, l.yz), 0);
    int32_t ylo, yhi;
    quant_output_range(n, y.dtype, g.tensor(n.inputs[l.ys]).as<float>()[0], zy, &ylo, &yhi);
    bool same = true;
    for (size_t c = 0; c < kept.size() && same; ++c) same = same_outputs(was[c], free[c], zy, ylo, yhi);
    if (same) {
      n.attrs.erase("kiln_shift_hull");
      ++res.stats["multipliers-reencoded"];
    } else {
      n.set_ints("kiln_shift_hull", {lo, hi});
    }
  }

  Status node(size_t idx);
  Status reducer(Node& n, Role r, const MatGeom& mg);
};

// Folds removed non-zero input channels into the bias, then slices input and output channels.
Status Rewriter::reducer(Node& n, Role r, const MatGeom& mg) {
  const Layout l = layout_of(n);
  const std::string x = n.inputs[l.x], y = n.outputs[0];
  Reader rd(g, n, r, mg);
  const bool in_changed = changed(x), out_changed = changed(y);
  if (!in_changed && !out_changed) return Status::ok();
  // Bias deltas from removed non-zero input channels.
  std::vector<double> delta(static_cast<size_t>(rd.M), 0.0);
  bool fold = false;
  if (in_changed) {
    const Desc& d = a.desc.at(x);
    const double zx = zero_of(g.tensor(x));
    for (int64_t c = 0; c < d.C; ++c) {
      if (!gone(x, c)) continue;
      const Val& v = a.val[static_cast<size_t>(d.base + c)];
      if (v.v == zx) continue;
      fold = true;
      ++res.stats["constants-folded"];
      for (int64_t m = 0; m < rd.M; ++m)
        for (int64_t b = 0; b < d.block; ++b) delta[static_cast<size_t>(m)] += (v.v - zx) * rd.sum(m, c * d.block + b);
    }
  }
  if (fold) {
    const Tensor* b = opt_in(g, n, l.bias);
    Tensor nb;
    nb.name = g.unique_name((b ? n.inputs[l.bias] : n.name + "_B") + "_folded");
    nb.dtype = l.quant ? DType::kInt32 : DType::kFloat32;
    nb.shape = {rd.M};
    nb.shape_known = true;
    nb.is_const = true;
    nb.alloc();
    for (int64_t m = 0; m < rd.M; ++m) {
      const double base = b ? (b->numel() == 1 ? b->float_at(0) : b->float_at(m)) : 0.0;
      if (l.quant) {
        const double v = base + delta[static_cast<size_t>(m)];
        if (std::fabs(v) > 2147483647.0) {  // keep the channels that would overflow the bias
          const Desc& d = a.desc.at(x);
          for (int64_t c = 0; c < d.C; ++c)
            if (gone(x, c) && a.val[static_cast<size_t>(d.base + c)].v != zero_of(g.tensor(x))) pins->insert({x, c});
          return Status::ok();
        }
        nb.as_mut<int32_t>()[m] = static_cast<int32_t>(v);
      } else {
        nb.as_mut<float>()[m] = static_cast<float>(base + delta[static_cast<size_t>(m)]);
      }
    }
    if (!has_in(n, l.bias)) {
      if (n.inputs.size() <= l.bias) n.inputs.resize(l.bias + 1);
    }
    set_const(n, l.bias, nb);
  }
  const std::vector<int64_t> kin = kept(x), kout = kept(y);
  if (r == Role::kConv) {
    if (in_changed) replace(n, l.w, 1, kin);
    if (out_changed) {
      keep_shifts(n, l, rd.M, kout);
      replace(n, l.w, 0, kout);
      replace(n, l.bias, 0, kout);
      replace(n, l.ws, 0, kout);
      replace(n, l.wz, 0, kout);
    }
  } else {
    const int kaxis = mg.trans_b ? 1 : 0, naxis = mg.trans_b ? 0 : 1;
    if (in_changed) replace(n, l.w, kaxis, kin);
    if (out_changed) {
      keep_shifts(n, l, rd.M, kout);
      replace(n, l.w, naxis, kout);
      if (has_in(n, l.bias)) {
        const Tensor& b = g.tensor(n.inputs[l.bias]);
        if (!b.shape.empty()) replace(n, l.bias, static_cast<int>(b.shape.size()) - 1, kout);
      }
      replace(n, l.ws, 0, kout);
      replace(n, l.wz, 0, kout);
    }
  }
  return Status::ok();
}

Status Rewriter::node(size_t idx) {
  Node& n = g.nodes[idx];
  const Role r = a.role[idx];
  if (r == Role::kConv || r == Role::kGemm) return reducer(n, r, a.geom[idx]);
  const std::string& y = n.outputs.empty() ? std::string() : n.outputs[0];
  if (r == Role::kOpaque || !changed(y)) return Status::ok();
  const std::vector<int64_t> k = kept(y);
  if (r == Role::kDepthwise) {
    const Layout l = layout_of(n);
    keep_shifts(n, l, a.desc.at(y).C, k);
    replace(n, l.w, 0, k);
    replace(n, l.bias, 0, k);
    replace(n, l.ws, 0, k);
    replace(n, l.wz, 0, k);
    n.set_int("group", static_cast<int64_t>(k.size()));
  } else if (is(n, "BatchNormalization")) {
    for (size_t i = 1; i < 5; ++i) replace(n, i, 0, k);
  } else if (is(n, "Reshape")) {
    Shape s = g.tensor(y).shape;
    s[static_cast<size_t>(a.desc.at(y).axis)] = static_cast<int64_t>(k.size());
    Tensor t;
    t.name = g.unique_name(n.inputs[1] + "_pruned");
    t.dtype = DType::kInt64;
    t.shape = {static_cast<int64_t>(s.size())};
    t.shape_known = true;
    t.is_const = true;
    t.alloc();
    for (size_t i = 0; i < s.size(); ++i) t.as_mut<int64_t>()[i] = s[i];
    set_const(n, 1, t);
    n.attrs.erase("allowzero");
  }
  return Status::ok();
}

int64_t total_macs(Graph& g) {
  int64_t s = 0;
  for (Node& n : g.nodes) {
    const OpDef* def = find_op(n.op, n.domain);
    if (def && def->macs) {
      OpCtx ctx(g, n, g.opset);
      s += def->macs(ctx);
    }
  }
  return s;
}

int64_t total_params(const Graph& g) {
  int64_t s = 0;
  std::set<std::string> seen;
  for (const Node& n : g.nodes)
    for (const auto& in : n.inputs)
      if (!in.empty() && g.tensor(in).is_const && seen.insert(in).second) s += g.tensor(in).numel();
  return s;
}

}  // namespace

std::vector<ChannelClass> channel_classes(const Graph& g) {
  const std::set<std::pair<std::string, int64_t>> none;
  Analysis a{g, {}, {}, {}, {}, {}, {}, {}, none};
  a.run();
  std::map<int, ChannelClass> by_root;
  for (size_t p = 0; p < a.parent.size(); ++p)
    if (a.fixed[p]) by_root[a.find(static_cast<int>(p))].fixed = true;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Role r = a.role[i];
    if (r != Role::kConv && r != Role::kGemm && r != Role::kDepthwise) continue;
    const Desc& d = a.desc.at(g.nodes[i].outputs[0]);
    for (int64_t c = 0; c < d.C; ++c)
      by_root[a.find(d.base + static_cast<int>(c))].filters.push_back({i, c, r == Role::kDepthwise});
  }
  std::vector<ChannelClass> out;
  for (auto& kv : by_root)
    if (!kv.second.filters.empty()) out.push_back(std::move(kv.second));
  return out;
}

PassResult run_prune_channels(Graph& g, const PassContext& ctx) {
  PassResult res;
  if (!ctx.prune) return res;
  std::set<std::pair<std::string, int64_t>> pins;
  for (int round = 0; round < 64; ++round) {
    Analysis a{g, {}, {}, {}, {}, {}, {}, {}, pins};
    a.run();
    // Decide: a class goes unless one of its pairs is pinned; every tensor keeps a channel.
    std::vector<char> removed(a.parent.size(), 1);
    for (size_t p = 0; p < a.parent.size(); ++p)
      if (a.pinned[p]) removed[static_cast<size_t>(a.find(static_cast<int>(p)))] = 0;
    for (bool again = true; again;) {
      again = false;
      for (const auto& kv : a.desc) {
        bool any = false;
        for (int64_t c = 0; c < kv.second.C && !any; ++c) any = !removed[static_cast<size_t>(a.find(kv.second.base + static_cast<int>(c)))];
        if (!any && kv.second.C > 0) {
          removed[static_cast<size_t>(a.find(kv.second.base))] = 0;
          again = true;
        }
      }
    }
    for (size_t p = 0; p < a.parent.size(); ++p) removed[p] = removed[static_cast<size_t>(a.find(static_cast<int>(p)))];
    bool any_removed = false;
    for (char c : removed) any_removed |= c != 0;
    if (!any_removed) return res;

    Graph work = g;
    PassResult r;
    Rewriter rw{work, a, removed, r, &pins};
    const size_t pins_before = pins.size();
    for (size_t i = 0; i < work.nodes.size(); ++i) {
      r.status = rw.node(i);
      if (!r.status) return r;
    }
    if (pins.size() != pins_before) continue;  // an int8 bias would overflow: keep those channels
    for (const auto& kv : a.desc) {
      if (work.producer(kv.first) < 0) continue;
      const Node& p = work.nodes[static_cast<size_t>(work.producer(kv.first))];
      if (p.op != "Conv" && p.op != "QLinearConv" && p.op != "Gemm" && p.op != "QGemm" && p.op != "MatMul" &&
          p.op != "QLinearMatMul")
        continue;
      r.stats["channels-removed"] += kv.second.C - static_cast<int64_t>(rw.kept(kv.first).size()) / kv.second.block;
    }
    r.stats["macs-before"] = total_macs(g);
    r.stats["params-before"] = total_params(g);
    r.status = infer_graph(work, false);
    if (!r.status) return r;
    r.stats["macs-after"] = total_macs(work);
    r.stats["params-after"] = total_params(work);
    r.changed = true;
    g = std::move(work);
    return r;
  }
  res.status = KILN_ICE("prune-channels did not settle");
  return res;
}

}  // namespace kiln
