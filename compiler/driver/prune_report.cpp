#include "compiler/driver/prune_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "compiler/ops/infer.h"
#include "compiler/ops/op.h"
#include "compiler/ops/quant_util.h"
#include "compiler/ops/sparse_util.h"

namespace kiln {

Status parse_prune_spec(const std::string& spec, LossyPruneOptions* o) {
  auto bad = [&](const std::string& why) {
    return error(ErrorCode::kBadOption, fmt::format("--prune '{}': {}", spec, why),
                 "e.g. --prune magnitude=0.5, --prune magnitude=0.5,scope=layer or --prune channels=0.25");
  };
  std::stringstream ss(spec);
  for (std::string field; std::getline(ss, field, ',');) {
    const size_t eq = field.find('=');
    if (eq == std::string::npos) return bad(fmt::format("'{}' is not KEY=VALUE", field));
    const std::string k = field.substr(0, eq), v = field.substr(eq + 1);
    if (k == "scope") {
      if (v != "layer" && v != "global") return bad("scope is global or layer");
      o->per_layer = v == "layer";
      continue;
    }
    double f = 0;
    try {
      size_t used = 0;
      f = std::stod(v, &used);
      if (used != v.size()) return bad(fmt::format("'{}' is not a number", v));
    } catch (const std::exception&) {
      return bad(fmt::format("'{}' is not a number", v));
    }
    if (!(f > 0 && f < 1)) return bad("the fraction must lie between 0 and 1");
    if (k == "magnitude") o->magnitude = f;
    else if (k == "channels") o->channels = f;
    else return bad(fmt::format("unknown kind '{}'", k));
  }
  return Status::ok();
}

Expected<int64_t> top1_correct(Graph g, const NpyArray& x, const NpyArray& y) {
  if (g.inputs.size() != 1) return error(ErrorCode::kBadOption, "--validation needs a model with one input");
  Tensor& in = g.tensor(g.inputs[0]);
  const int64_t per = in.numel();
  if (x.shape.empty() || per == 0 || static_cast<int64_t>(x.values.size()) != x.shape[0] * per)
    return error(ErrorCode::kBadOption,
                 fmt::format("the validation inputs are {}; samples of the model's input {} expected along the first dimension",
                             shape_str(x.shape), shape_str(in.shape)));
  if (static_cast<int64_t>(y.values.size()) != x.shape[0])
    return error(ErrorCode::kBadOption, fmt::format("{} inputs but {} labels", x.shape[0], y.values.size()));
  if (in.dtype != DType::kFloat32 && !is_quant_type(in.dtype))
    return error(ErrorCode::kBadOption, "--validation needs a float32, int8 or uint8 model input");
  int64_t correct = 0;
  for (int64_t s = 0; s < x.shape[0]; ++s) {
    in.alloc();
    for (int64_t i = 0; i < per; ++i) {
      const double v = x.values[static_cast<size_t>(s * per + i)];
      if (in.dtype == DType::kFloat32) in.as_mut<float>()[i] = static_cast<float>(v);
      else if (in.dtype == DType::kInt8) in.as_mut<int8_t>()[i] = static_cast<int8_t>(v);
      else in.as_mut<uint8_t>()[i] = static_cast<uint8_t>(v);
    }
    KILN_TRY(eval_graph(g));
    const Tensor& out = g.tensor(g.outputs[0]);
    int64_t best = 0;
    for (int64_t i = 1; i < out.numel(); ++i)
      if (out.float_at(i) > out.float_at(best)) best = i;
    correct += best == static_cast<int64_t>(y.values[static_cast<size_t>(s)]);
  }
  return correct;
}

namespace {

struct LayerStats {
  int64_t weights = 0, zeros = 0, params = 0, macs = 0, bytes = 0;
};

LayerStats layer_stats(Graph& g, Node& n, bool sparse) {
  LayerStats s;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i].empty()) continue;
    const Tensor& t = g.tensor(n.inputs[i]);
    if (!t.is_const) continue;
    s.params += t.numel();
    s.bytes += static_cast<int64_t>(t.bytes());
  }
  const size_t w = n.op == "QLinearConv" || n.op == "QGemm" || n.op == "QLinearMatMul" ? 3 : 1;
  if (w < n.inputs.size() && g.tensor(n.inputs[w]).is_const) {
    const Tensor& W = g.tensor(n.inputs[w]);
    // Weights the generated code keeps as CSR (compiler/ops/sparse_util.h): their flash.
    const bool conv = n.op == "Conv" || n.op == "QLinearConv";
    bool pointwise = conv && W.shape.size() == 4 && W.shape[2] == 1 && W.shape[3] == 1 && n.attr_int("group", 1) == 1;
    for (int64_t v : n.attr_ints("pads")) pointwise = pointwise && v == 0;
    for (int64_t v : n.attr_ints("strides")) pointwise = pointwise && v == 1;
    if (sparse && (pointwise || (!conv && W.shape.size() == 2))) {
      const bool rows_first = conv || n.attr_int("transB", 0) != 0;
      const int64_t csr = csr_bytes(W, rows_first ? W.shape[0] : W.shape[1]);
      if (csr >= 0) s.bytes += csr - static_cast<int64_t>(W.bytes());
    }
    const Tensor* zt = nullptr;
    if (w == 3 && n.inputs.size() > 5 && !n.inputs[5].empty()) zt = &g.tensor(n.inputs[5]);
    s.weights = W.numel();
    const bool tb = n.attr_int("transB", 0) != 0;
    for (int64_t i = 0; i < W.numel() && !W.shape.empty(); ++i) {
      double z = 0;
      if (zt && zt->numel() == 1) {
        z = static_cast<double>(zt->int_at(0));
      } else if (zt) {  // per output channel: W's rows (convolutions, transB) or columns
        const int64_t c = conv ? i / (W.numel() / W.shape[0]) : tb ? i / W.shape.back() : i % W.shape.back();
        z = static_cast<double>(zt->int_at(c));
      }
      s.zeros += (is_quant_type(W.dtype) ? static_cast<double>(W.int_at(i)) : W.float_at(i)) == z;
    }
  }
  const OpDef* def = find_op(n.op, n.domain);
  if (def && def->macs) {
    OpCtx ctx(g, n, g.opset);
    s.macs = def->macs(ctx);
  }
  return s;
}

}  // namespace

std::string prune_table(const CompileResult& before, const CompileResult& after, bool sparse) {
  Graph gb = before.graph, ga = after.graph;
  std::string out = fmt::format("{:<32} {:<12} {:>17} {:>17} {:>21} {:>17}\n", "layer", "op", "sparsity", "params",
                                "MACs", "flash B");
  LayerStats tb, ta;
  for (Node& n : gb.nodes) {
    if (n.op != "Conv" && n.op != "QLinearConv" && n.op != "Gemm" && n.op != "QGemm" && n.op != "MatMul" &&
        n.op != "QLinearMatMul")
      continue;
    LayerStats b = layer_stats(gb, n, sparse), a;
    for (Node& m : ga.nodes)
      if (m.name == n.name) a = layer_stats(ga, m, sparse);
    auto pct = [](const LayerStats& s) { return s.weights ? 100.0 * static_cast<double>(s.zeros) / static_cast<double>(s.weights) : 0.0; };
    out += fmt::format("{:<32} {:<12} {:>7.1f}% -> {:>5.1f}% {:>7} -> {:>6} {:>9} -> {:>8} {:>7} -> {:>6}\n",
                       n.name.substr(0, 32), n.op, pct(b), pct(a), b.params, a.params, b.macs, a.macs, b.bytes, a.bytes);
    for (auto p : {std::make_pair(&tb, &b), std::make_pair(&ta, &a)}) {
      p.first->weights += p.second->weights;
      p.first->zeros += p.second->zeros;
      p.first->params += p.second->params;
      p.first->macs += p.second->macs;
      p.first->bytes += p.second->bytes;
    }
  }
  const double sb = tb.weights ? 100.0 * static_cast<double>(tb.zeros) / static_cast<double>(tb.weights) : 0.0;
  const double sa = ta.weights ? 100.0 * static_cast<double>(ta.zeros) / static_cast<double>(ta.weights) : 0.0;
  out += fmt::format("{:<32} {:<12} {:>7.1f}% -> {:>5.1f}% {:>7} -> {:>6} {:>9} -> {:>8} {:>7} -> {:>6}\n", "total", "",
                     sb, sa, tb.params, ta.params, tb.macs, ta.macs, tb.bytes, ta.bytes);
  return out;
}

}  // namespace kiln
