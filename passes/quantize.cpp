//===- quantize.cpp - Post-training int8 quantization of a float graph ----===//
//
// `kiln compile --quantize int8 --calibration DATA` turns a float model into the QDQ form a
// pre-quantized model arrives in, and fold-qdq (which runs next) lowers that to integer ops.
// One lowering path serves both, so PTQ output is exactly as integer as an imported QDQ model.
//
// 1. Quantization points. Walking the schedule, every float activation an integer-capable op
//    reads or writes becomes a point, with three exceptions:
//      - a tensor read only by a Relu/Clip that fold-qdq fuses into its producer (Conv -> Relu:
//        only the Relu's output is quantized, the clamp lives in the integer op);
//      - outputs of data-movement ops (Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity,
//        MaxPool) of a point: fold-qdq moves the DequantizeLinear below them, so they run on the
//        integers with their input's parameters;
//      - nodes named in --keep-float and the tensors only they touch.
//    The inputs of a Concat share one scale and zero point (the union of their ranges), so the
//    Concat runs on the integers and its output is no point of its own.
//    Graph inputs read by an integer op are points (QuantizeLinear at the boundary); with
//    --io int8 every float graph input and output is one, so that the io-int8 pass can make the
//    graph's own tensors the int8 ones.
// 2. Ranges. compiler/quant/calibrate runs the float graph on the calibration samples and picks
//    [lo, hi] per point (--calibration-method minmax|percentile|mse). Outputs of Softmax and
//    Sigmoid use the fixed range [0, 1) (scale 1/256, zero point -128) and Tanh [-1, 1) (scale
//    1/128, zero point 0), as TFLite does.
// 3. Rewrite. Each point t gets t -> QuantizeLinear -> int8 -> DequantizeLinear -> readers, with
//    scale = (hi - lo) / 255 and zero point -128 - round(lo / scale) (asymmetric, per tensor).
//    Weights of Conv, Gemm and MatMul become symmetric int8 per output channel (scale max|w|/127,
//    zero point 0) and stay float constants holding the exact dequantized values with their
//    parameters in Tensor::quant, which is how fold-qdq reads an imported DQ(int8 weights).
//    Biases stay float: fold-qdq requantizes them to int32 at s_x * s_w.
// --activations int16 (TFLite's 16x8 scheme) changes three things: points are int16, symmetric
// (zero point 0, scale max(|lo|, |hi|) / 32767); only ops with an int16 kernel are points (Conv,
// Gemm and MatMul of constant weights, Add, the average pools, Relu/Clip): Softmax, the table
// ops and Concat stay float between a DQ and a Q; no fixed ranges. Weights stay int8; fold-qdq
// makes the biases int32, or int64 where int32 would overflow.
// The pass does nothing unless --quantize is given. The points and their parameters are
// reported (PassContext::quantize_report) for `kiln inspect --quantize`'s per-layer SQNR.
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "compiler/ops/infer.h"
#include "compiler/ops/quant_util.h"
#include "passes/passes.h"

namespace kiln {

namespace {

bool is_const(const Graph& g, const std::string& t) { return !t.empty() && g.tensor(t).is_const; }
bool is_float_act(const Graph& g, const std::string& t) {
  return !t.empty() && !g.tensor(t).is_const && g.tensor(t).dtype == DType::kFloat32;
}

bool is_data_movement(const Node& n) {
  static const std::set<std::string> kOps = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity",
                                             "MaxPool"};
  return n.domain.empty() && kOps.count(n.op) && n.outputs.size() == 1;
}

// Unary float ops fold-qdq turns into a 256-entry table (kiln.QLinearLookup).
bool is_table_op(const Node& n) {
  static const std::set<std::string> kOps = {
      "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Celu", "Softplus", "Softsign",
      "Erf", "Exp", "Gelu", "Relu", "Clip"};
  return n.domain.empty() && kOps.count(n.op);
}

// Ops with an integer form in fold-qdq, and which of their inputs are activations to quantize.
// With int16 activations only Conv, Gemm, MatMul of constant weights, Add, the average pools and
// the clamps have integer kernels (kiln.QConv16, ...); the rest stays float between a DQ and a Q.
std::vector<size_t> integer_inputs(const Graph& g, const Node& n, bool int16) {
  if (!n.domain.empty() || n.outputs.size() != 1) return {};
  const std::string& op = n.op;
  if (int16) {
    const size_t rank = g.tensor(n.inputs[0]).shape.size();
    if (op == "Conv" && (rank == 3 || rank == 4) && is_const(g, n.inputs[1])) return {0};  // 1-D and 2-D
    if ((op == "Gemm" || op == "MatMul") && is_const(g, n.inputs[1])) return {0};
    if (op == "Add" && n.inputs.size() == 2 && is_float_act(g, n.inputs[0]) && is_float_act(g, n.inputs[1]))
      return {0, 1};
    if (op == "AveragePool" || op == "GlobalAveragePool") return {0};
    if (op != "Relu" && op != "Clip") return {};
  }
  if (op == "Conv" && g.tensor(n.inputs[0]).shape.size() == 4 && is_const(g, n.inputs[1])) return {0};
  if (op == "Gemm" && is_const(g, n.inputs[1])) return {0};
  if (op == "MatMul") return is_const(g, n.inputs[1]) ? std::vector<size_t>{0} : std::vector<size_t>{0, 1};
  if ((op == "Add" || op == "Mul") && n.inputs.size() == 2 && is_float_act(g, n.inputs[0]) &&
      is_float_act(g, n.inputs[1]))
    return {0, 1};
  if (op == "AveragePool" || op == "GlobalAveragePool" || op == "Softmax" || op == "LogSoftmax") return {0};
  if (op == "Clip") {  // constant bounds only
    for (size_t i = 1; i < n.inputs.size(); ++i)
      if (!n.inputs[i].empty() && !is_const(g, n.inputs[i])) return {};
    return {0};
  }
  if (is_table_op(n)) return {0};
  return {};
}

// Ops whose output clamp absorbs a following Relu/Clip in fold-qdq.
bool absorbs_activation(const Node& n) {
  static const std::set<std::string> kOps = {"Conv", "Gemm", "MatMul", "Add", "Mul", "AveragePool",
                                             "GlobalAveragePool"};
  return n.domain.empty() && kOps.count(n.op);
}

struct Params {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

Params params_of(QuantRange r, bool int16) {
  Params p;
  const double lo = std::min(0.0f, r.lo), hi = std::max(0.0f, r.hi);
  if (hi - lo <= 0) return p;  // all zeros: any scale represents them
  if (int16) {  // symmetric, zero point 0 (TFLite's 16x8 scheme)
    p.scale = static_cast<float>(std::max(-lo, hi) / 32767.0);
    return p;
  }
  p.scale = static_cast<float>((hi - lo) / 255.0);
  p.zero_point = static_cast<int32_t>(std::max(-128.0, std::min(127.0, -128.0 - std::nearbyint(lo / p.scale))));
  return p;
}

// Fixed output ranges of the squashing functions (TFLite's int8 spec).
bool fixed_params(const Node& n, Params* p) {
  if (n.op == "Softmax" || n.op == "Sigmoid") {
    *p = {1.0f / 256.0f, -128};
    return true;
  }
  if (n.op == "Tanh") {
    *p = {1.0f / 128.0f, 0};
    return true;
  }
  return false;
}

// Symmetric int8 per channel along `axis`: the float constant keeps the dequantized values.
void quantize_weights(Tensor& w, int axis) {
  const int64_t C = w.shape[static_cast<size_t>(axis)];
  int64_t inner = 1;
  for (size_t i = static_cast<size_t>(axis) + 1; i < w.shape.size(); ++i) inner *= w.shape[i];
  std::vector<float> maxabs(static_cast<size_t>(C), 0.0f);
  float* v = w.as_mut<float>();
  auto chan = [&](int64_t i) { return static_cast<size_t>((i / inner) % C); };
  for (int64_t i = 0; i < w.numel(); ++i) maxabs[chan(i)] = std::max(maxabs[chan(i)], std::fabs(v[i]));
  w.quant = QuantParams{};
  w.quant.axis = axis;
  for (int64_t c = 0; c < C; ++c) {
    const float m = maxabs[static_cast<size_t>(c)];
    w.quant.scale.push_back(m > 0 ? m / 127.0f : 1.0f);
    w.quant.zero_point.push_back(0);
  }
  for (int64_t i = 0; i < w.numel(); ++i) {
    const float s = w.quant.scale[chan(i)];
    const double q = std::max(-127.0, std::min(127.0, round_half_even(static_cast<double>(v[i]) / s)));
    v[i] = static_cast<float>(static_cast<int32_t>(q)) * s;
  }
}

void replace_reads(Graph& g, const std::string& from, const std::string& to, const std::set<const Node*>& except) {
  for (Node& n : g.nodes) {
    if (except.count(&n)) continue;
    for (auto& in : n.inputs)
      if (in == from) in = to;
  }
}

}  // namespace

PassResult run_quantize(Graph& g, const PassContext& ctx) {
  PassResult r;
  if (!ctx.quantize) return r;
  const QuantizeRequest& req = *ctx.quantize;
  for (const auto& name : req.keep_float) {
    bool found = false;
    for (const Node& n : g.nodes) found |= n.name == name;
    if (!found) {
      r.status = error(ErrorCode::kBadOption, fmt::format("--keep-float: the model has no node '{}'", name),
                       "`kiln inspect MODEL` lists the node names");
      return r;
    }
  }
  auto kept = [&](const Node& n) { return req.keep_float.count(n.name) != 0; };
  const bool int16 = req.int16;
  const DType qt = int16 ? DType::kInt16 : DType::kInt8;

  // 1. Points, in schedule order.
  std::vector<std::string> points;
  std::set<std::string> is_point, fused;
  std::map<std::string, std::string> moved_from;  // data-movement output -> the point it carries
  std::map<std::string, Params> fixed;
  auto add_point = [&](const std::string& t) {
    if (is_point.insert(t).second) points.push_back(t);
  };
  for (const auto& in : g.inputs)
    if (req.io_int8 && is_float_act(g, in)) add_point(in);
  std::map<std::string, std::string> parent;  // Concat: points that must share parameters
  std::function<std::string(const std::string&)> root = [&](const std::string& t) {
    auto it = parent.find(t);
    return it == parent.end() || it->second == t ? t : (it->second = root(it->second));
  };
  for (const Node& n : g.nodes) {
    if (kept(n)) continue;
    if (n.op == "Concat" && n.domain.empty() && !int16 && is_float_act(g, n.outputs[0]) &&
        std::all_of(n.inputs.begin(), n.inputs.end(), [&](const std::string& x) { return is_float_act(g, x); })) {
      // Concat runs on the integers when all its inputs share one scale and zero point.
      std::vector<std::string> srcs;
      for (const auto& x : n.inputs) {
        if (!is_point.count(x) && !moved_from.count(x) && !fused.count(x)) add_point(x);
        srcs.push_back(is_point.count(x) ? x : moved_from.count(x) ? moved_from[x] : "");
      }
      if (std::find(srcs.begin(), srcs.end(), "") == srcs.end()) {
        for (const auto& src : srcs) parent[root(src)] = root(srcs[0]);
        moved_from[n.outputs[0]] = srcs[0];
        continue;
      }
    }
    if (is_data_movement(n)) {
      const std::string& x = n.inputs[0];
      if (is_point.count(x)) moved_from[n.outputs[0]] = x;
      else if (moved_from.count(x)) moved_from[n.outputs[0]] = moved_from[x];
      continue;
    }
    const auto ins = integer_inputs(g, n, int16);
    if (ins.empty()) continue;
    for (size_t i : ins) {
      const std::string& x = n.inputs[i];
      if (is_float_act(g, x) && !fused.count(x) && !moved_from.count(x)) add_point(x);
    }
    const std::string& y = n.outputs[0];
    if (!is_float_act(g, y)) continue;
    auto readers = g.consumers(y);
    if (absorbs_activation(n) && readers.size() == 1 && !g.is_graph_output(y)) {
      const Node& act = g.nodes[readers[0]];
      if ((act.op == "Relu" || act.op == "Clip") && !kept(act) && !integer_inputs(g, act, int16).empty()) {
        fused.insert(y);
        continue;
      }
    }
    Params p;
    if (!int16 && fixed_params(n, &p)) fixed[y] = p;
    add_point(y);
  }
  if (req.io_int8)
    for (const auto& out : g.outputs)
      if (is_float_act(g, out)) add_point(out);

  // 2. Ranges (points that carry another point's values through data movement reuse its).
  std::vector<std::string> to_calibrate;
  for (const auto& t : points)
    if ((!fixed.count(t) || parent.count(t)) && !moved_from.count(t)) to_calibrate.push_back(t);
  auto ranges = calibrate(g, to_calibrate, *req.data, req.method, req.percentile, req.progress);
  if (!ranges) {
    r.status = ranges.status();
    return r;
  }
  // Points joined by a Concat take the union of their ranges.
  std::map<std::string, QuantRange> group;
  for (const auto& t : points) {
    if (!parent.count(t) || !ranges->count(t)) continue;
    QuantRange range = ranges->at(t);
    if (fixed.count(t)) {
      const Params& f = fixed[t];
      range = {f.scale * static_cast<float>(-128 - f.zero_point), f.scale * static_cast<float>(127 - f.zero_point)};
    }
    auto it = group.find(root(t));
    if (it == group.end()) group[root(t)] = range;
    else it->second = {std::min(it->second.lo, range.lo), std::max(it->second.hi, range.hi)};
  }
  std::map<std::string, Params> params;
  for (const auto& t : points) {
    if (parent.count(t) && group.count(root(t))) params[t] = params_of(group[root(t)], int16);
    else if (fixed.count(t)) params[t] = fixed[t];
    else if (ranges->count(t)) params[t] = params_of(ranges->at(t), int16);
  }
  for (const auto& t : points)
    if (!params.count(t)) params[t] = params.at(moved_from.at(t));

  // 3. Weights.
  std::set<std::string> done;
  for (const Node& n : g.nodes) {
    if (kept(n) || integer_inputs(g, n, int16).empty() || n.inputs.size() < 2 || !is_const(g, n.inputs[1])) continue;
    Tensor& w = g.tensor(n.inputs[1]);
    if (w.dtype != DType::kFloat32 || !w.quant.scale.empty() || done.count(w.name)) continue;
    int axis = -1;
    if (n.op == "Conv") axis = 0;
    else if (n.op == "Gemm" && w.shape.size() == 2) axis = n.attr_int("transB", 0) ? 0 : 1;
    else if (n.op == "MatMul" && w.shape.size() == 2) axis = 1;
    if (axis < 0) continue;
    quantize_weights(w, axis);
    done.insert(w.name);
    ++r.stats["weights"];
  }

  // 4. Rewrite: QuantizeLinear -> DequantizeLinear after each point.
  std::vector<Node> before;                       // for graph inputs
  std::map<std::string, std::vector<Node>> after;  // producer output -> nodes to insert after it
  std::vector<std::pair<std::string, std::string>> renames;  // (from, to) reads to redirect
  for (const auto& t : points) {
    const Params p = params.at(t);
    const auto [sname, zname] = add_scale_zero_point(g, t, p.scale, p.zero_point, qt);

    auto make = [&](const char* op, const std::string& in, const std::string& out) {
      Node n;
      n.name = g.unique_name(fmt::format("{}/{}", t, op));
      n.op = op;
      n.inputs = {in, sname, zname};
      n.outputs = {out};
      return n;
    };
    auto new_tensor = [&](const std::string& name, DType d) {
      Tensor x;
      x.name = name;
      x.dtype = d;
      x.shape = g.tensor(t).shape;
      x.shape_known = true;
      g.tensors[name] = x;
    };
    QuantizeReport::Point rp{"", p.scale, p.zero_point};
    if (g.is_graph_input(t)) {
      const std::string q = g.unique_name(t + "_quantized"), dq = g.unique_name(t + "_dequantized");
      new_tensor(q, qt);
      new_tensor(dq, DType::kFloat32);
      before.push_back(make("QuantizeLinear", t, q));
      before.push_back(make("DequantizeLinear", q, dq));
      renames.push_back({t, dq});
      rp.q = q;
    } else {
      // The producer writes t_float; Q/DQ restore t for the readers.
      const std::string f = g.unique_name(t + "_float"), q = g.unique_name(t + "_quantized");
      Tensor moved = g.tensor(t);
      moved.name = f;
      g.tensors[f] = moved;
      for (Node& n : g.nodes)
        for (auto& o : n.outputs)
          if (o == t) o = f;
      new_tensor(q, qt);
      after[f] = {make("QuantizeLinear", f, q), make("DequantizeLinear", q, t)};
      rp.q = q;
    }
    if (ctx.quantize_report) ctx.quantize_report->points[t] = rp;
  }
  // Redirect reads before splicing, so the new Q/DQ nodes keep reading the originals.
  for (const auto& rn : renames) replace_reads(g, rn.first, rn.second, {});
  std::vector<Node> nodes = std::move(before);
  for (Node& n : g.nodes) {
    nodes.push_back(std::move(n));
    for (const auto& o : nodes.back().outputs) {
      auto it = after.find(o);
      if (it != after.end())
        for (Node& q : it->second) nodes.push_back(std::move(q));
    }
  }
  g.nodes = std::move(nodes);
  for (Node& n : g.nodes) {
    if (n.op != "QuantizeLinear" && n.op != "DequantizeLinear") continue;
    Status st = infer_node(g, n);
    if (!st) {
      r.status = st;
      return r;
    }
  }
  r.changed = !points.empty() || !done.empty();
  r.stats["points"] = static_cast<int64_t>(points.size());
  return r;
}

}  // namespace kiln
