#include "compiler/driver/quant_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "compiler/ops/infer.h"
#include "compiler/ops/quant_util.h"

namespace kiln {

namespace {

Status run_passes(Graph& g, const PassContext& ctx, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    PassResult r = find_pass(name)->run(g, ctx);
    if (!r.status) return r.status;
  }
  return Status::ok();
}

size_t argmax(const Tensor& t) {
  const float* v = t.as<float>();
  size_t best = 0;
  for (int64_t i = 1; i < t.numel(); ++i)
    if (v[i] > v[best]) best = static_cast<size_t>(i);
  return best;
}

// Running sums of signal and noise energy.
struct Energy {
  double sig = 0, noise = 0;
  void add(const float* ref, const std::vector<float>& approx) {
    for (size_t i = 0; i < approx.size(); ++i) {
      sig += static_cast<double>(ref[i]) * ref[i];
      const double d = static_cast<double>(ref[i]) - approx[i];
      noise += d * d;
    }
  }
  double db() const {
    if (noise == 0) return std::numeric_limits<double>::infinity();
    return sig == 0 ? -std::numeric_limits<double>::infinity() : 10.0 * std::log10(sig / noise);
  }
};

std::vector<float> dequantized(const Tensor& q, float scale, int32_t zp) {
  std::vector<float> v(static_cast<size_t>(q.numel()));
  for (int64_t i = 0; i < q.numel(); ++i)
    v[static_cast<size_t>(i)] = scale * static_cast<float>(q.int_at(i) - zp);
  return v;
}

std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.as<float>(), t.as<float>() + t.numel());
}

}  // namespace

Status quantized_graphs(const CompileOptions& opt, Graph* gf, Graph* gq, CalibrationSet* data, QuantizeReport* report) {
  auto imported = import_onnx_file(opt.model_path, opt.import);
  if (!imported) return imported.status();
  *gf = imported.take();
  PassContext ctx;
  if (opt.quantize.empty()) {
    // A pre-quantized model: its QDQ graph evaluated in float against its integer lowering.
    KILN_TRY(run_passes(*gf, ctx, {"fold-constants"}));
    for (const Node& n : gf->nodes) {
      if (n.op != "QuantizeLinear" || !n.domain.empty() || n.inputs.size() < 3) continue;
      const Tensor& s = gf->tensor(n.inputs[1]);
      const Tensor& z = gf->tensor(n.inputs[2]);
      if (!s.is_const || !z.is_const || s.numel() != 1 || gf->tensor(n.inputs[0]).is_const) continue;
      // Q -> DQ -> Relu|Clip -> Q: fold-qdq moves the clamp into the op before, so the integers
      // here hold the clamped values; the second Q is the point.
      bool clamped = false;
      for (size_t c : gf->consumers(n.outputs[0])) {
        const Node& dq = gf->nodes[c];
        if (dq.op != "DequantizeLinear") continue;
        for (size_t a : gf->consumers(dq.outputs[0]))
          clamped |= gf->nodes[a].op == "Relu" || gf->nodes[a].op == "Clip";
      }
      if (clamped) continue;
      // Compared where the QDQ graph itself quantizes: its float evaluation's integers there.
      report->points[n.outputs[0]] = {n.outputs[0], s.as<float>()[0], static_cast<int32_t>(z.int_at(0))};
    }
    if (report->points.empty())
      return error(ErrorCode::kBadOption, "the model is not quantized: nothing to compare",
                   "add --quantize int8 to quantize it");
    auto set = load_calibration(*gf, opt.calibration);
    if (!set) return set.status();
    *data = set.take();
    *gq = *gf;
    return run_passes(*gq, ctx, {"fold-qdq", "dce"});
  }
  KILN_TRY(run_passes(*gf, ctx, {"fold-constants", "fold-qdq", "dce", "fold-batchnorm"}));
  QuantizeRequest req;
  KILN_TRY(prepare_quantization(opt, *gf, data, &req));
  ctx.quantize = &req;
  ctx.quantize_report = report;
  *gq = *gf;
  return run_passes(*gq, ctx, {"quantize", "fold-qdq", "dce"});
}

Status integer_reference(const CompileOptions& opt, Graph* g) {
  auto imported = import_onnx_file(opt.model_path, opt.import);
  if (!imported) return imported.status();
  *g = imported.take();
  PassContext ctx;
  ctx.io_int8 = opt.io_int8;
  CalibrationSet data;
  QuantizeRequest req;
  if (!opt.quantize.empty()) {
    KILN_TRY(run_passes(*g, ctx, {"fold-constants", "fold-qdq", "dce", "fold-batchnorm"}));
    KILN_TRY(prepare_quantization(opt, *g, &data, &req));
    ctx.quantize = &req;
  }
  return run_passes(*g, ctx, {"fold-constants", "fold-qdq", "dce", "quantize", "io-int8", "fold-qdq", "dce"});
}

Expected<QuantAccuracy> quantization_accuracy(const CompileOptions& opt, const std::string& val_x,
                                              const std::string& val_y) {
  CompileOptions o = opt;
  o.io_int8 = false;  // compare float with float at the boundary
  Graph gf, gq;
  CalibrationSet data;
  QuantizeReport report;
  KILN_TRY(quantized_graphs(o, &gf, &gq, &data, &report));

  QuantAccuracy acc;
  acc.samples = data.count();
  if (o.activations == "int16" && !o.quantize.empty()) acc.label = "int16";
  std::map<std::string, Energy> layer, out;
  for (size_t k = 0; k < data.count(); ++k) {
    KILN_TRY(run_sample(gf, data, k));
    KILN_TRY(run_sample(gq, data, k));
    for (const auto& kv : report.points) {
      const Tensor* q = gq.find(kv.second.q);
      const Tensor* f = gf.find(kv.first);
      if (!q || !f || q->numel() != f->numel()) continue;
      if (f->dtype == DType::kFloat32)
        layer[kv.first].add(f->as<float>(), dequantized(*q, kv.second.scale, kv.second.zero_point));
      else if (is_quant_type(f->dtype))
        layer[kv.first].add(dequantized(*f, kv.second.scale, kv.second.zero_point).data(),
                            dequantized(*q, kv.second.scale, kv.second.zero_point));
    }
    for (const auto& o_name : gf.outputs) {
      const Tensor& f = gf.tensor(o_name);
      const Tensor& q = gq.tensor(o_name);
      if (f.dtype == DType::kFloat32 && q.dtype == DType::kFloat32) out[o_name].add(f.as<float>(), values(q));
    }
    const Tensor& f0 = gf.tensor(gf.outputs[0]);
    if (f0.dtype == DType::kFloat32 && f0.numel() > 1) {
      ++acc.top1_total;
      acc.top1_agree += argmax(f0) == argmax(gq.tensor(gq.outputs[0]));
    }
  }
  for (const auto& kv : layer) {
    LayerSqnr l;
    l.tensor = kv.first;
    int p = gf.producer(kv.first);
    if (p >= 0 && gf.nodes[static_cast<size_t>(p)].op == "QuantizeLinear")
      p = gf.producer(gf.nodes[static_cast<size_t>(p)].inputs[0]);
    l.node = p >= 0 ? gf.nodes[static_cast<size_t>(p)].name : "(input)";
    l.op = p >= 0 ? gf.nodes[static_cast<size_t>(p)].op : "";
    l.sqnr_db = kv.second.db();
    l.scale = report.points[kv.first].scale;
    l.zero_point = report.points[kv.first].zero_point;
    acc.layers.push_back(l);
  }
  std::stable_sort(acc.layers.begin(), acc.layers.end(),
                   [](const LayerSqnr& a, const LayerSqnr& b) { return a.sqnr_db < b.sqnr_db; });
  for (const auto& kv : out) {
    LayerSqnr l;
    l.tensor = kv.first;
    l.sqnr_db = kv.second.db();
    acc.outputs.push_back(l);
  }

  if (!val_x.empty()) {
    CalibrationSpec spec = opt.calibration;
    spec.sources = {{gf.inputs.size() == 1 ? "" : gf.inputs[0], val_x}};
    auto x = load_calibration(gf, spec);
    if (!x) return x.status();
    auto y = read_npy(val_y);
    if (!y) return y.status();
    if (y->values.size() != x->count())
      return error(ErrorCode::kBadOption, fmt::format("--validation: {} samples but {} labels", x->count(), y->values.size()));
    acc.validated = true;
    for (size_t k = 0; k < x->count(); ++k) {
      KILN_TRY(run_sample(gf, *x, k));
      KILN_TRY(run_sample(gq, *x, k));
      const size_t label = static_cast<size_t>(y->values[k]);
      ++acc.val_total;
      acc.float_correct += argmax(gf.tensor(gf.outputs[0])) == label;
      acc.int8_correct += argmax(gq.tensor(gq.outputs[0])) == label;
    }
  }
  return acc;
}

std::string quant_accuracy_text(const QuantAccuracy& a) {
  std::string s = fmt::format("{} against float, measured on {} samples (worst layers first)\n", a.label, a.samples);
  s += fmt::format("{:>9}  {:<32} {:<20} {:>12} {:>5}\n", "SQNR dB", "tensor", "op", "scale", "zp");
  auto db = [](double v) { return std::isinf(v) ? std::string(v > 0 ? "exact" : "-inf") : fmt::format("{:.1f}", v); };
  auto db_unit = [&](double v) { return std::isinf(v) ? db(v) : db(v) + " dB"; };
  for (const auto& l : a.layers)
    s += fmt::format("{:>9}  {:<32} {:<20} {:>12.6g} {:>5}\n", db(l.sqnr_db), l.tensor.substr(0, 32), l.op, l.scale,
                     l.zero_point);
  for (const auto& o : a.outputs) s += fmt::format("output {}: SQNR {}\n", o.tensor, db_unit(o.sqnr_db));
  if (a.top1_total)
    s += fmt::format("top-1 agreement with float: {}/{} = {:.2f}%\n", a.top1_agree, a.top1_total,
                     100.0 * a.top1_agree / a.top1_total);
  if (a.validated)
    s += fmt::format("validation top-1: float {}/{} = {:.2f}%, {} {}/{} = {:.2f}%\n", a.float_correct, a.val_total,
                     100.0 * a.float_correct / a.val_total, a.label, a.int8_correct, a.val_total,
                     100.0 * a.int8_correct / a.val_total);
  return s;
}

}  // namespace kiln
