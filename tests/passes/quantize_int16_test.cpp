// --quantize int8 --activations int16 (TFLite's 16x8 scheme): the quantize pass makes symmetric
// int16 points, fold-qdq lowers them to kiln.QConv16 / QGemm16 / QAdd16 / QAvgPool16, and each
// of those computes what DequantizeLinear -> float op -> QuantizeLinear computes, within a step
// or two of int16 (the 16-bit multipliers and TFLite's Add rescaling round once more).
#include <catch2/catch.hpp>

#include <cmath>

#include "compiler/ops/infer.h"
#include "passes/passes.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

std::vector<float> wave(size_t n, float f, float amp, float phase = 0) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = amp * std::sin(f * static_cast<float>(i) + phase);
  return v;
}

// Samples for every graph input: sines of growing amplitude (a wide dynamic range).
CalibrationSet samples(const Graph& g, int n) {
  CalibrationSet s;
  s.inputs = g.inputs;
  s.samples.resize(g.inputs.size());
  for (size_t i = 0; i < g.inputs.size(); ++i)
    for (int k = 0; k < n; ++k) {
      const size_t numel = static_cast<size_t>(g.tensor(g.inputs[i]).numel());
      s.samples[i].push_back(wave(numel, 0.37f + 0.11f * static_cast<float>(i), std::pow(3.0f, static_cast<float>(k % 4) - 1),
                                  0.9f * static_cast<float>(k)));
    }
  return s;
}

Status run(Graph& g, const QuantizeRequest& req, QuantizeReport* report,
           std::initializer_list<PassResult (*)(Graph&, const PassContext&)> passes) {
  PassContext ctx;
  ctx.quantize = &req;
  ctx.quantize_report = report;
  for (auto fn : passes) {
    PassResult r = fn(g, ctx);
    if (!r.status) return r.status;
  }
  return Status::ok();
}

size_t count_op(const Graph& g, const std::string& op) {
  size_t c = 0;
  for (const Node& n : g.nodes) c += n.op == op;
  return c;
}

// Quantizes the one-op graph `g` to int16 and returns the largest difference, in int16 steps,
// between the integer op's output `y` and the same op evaluated in float between the
// DequantizeLinear and QuantizeLinear of the QDQ graph. The graph must lower to `op16`.
int64_t steps_from_qdq(const Graph& g, const std::string& op16, int samples_n = 6) {
  const CalibrationSet data = samples(g, samples_n);
  QuantizeRequest req;
  req.data = &data;
  req.int16 = true;
  Graph qdq = g, q = g;
  QuantizeReport report;
  REQUIRE(run(qdq, req, &report, {run_quantize}).is_ok());
  REQUIRE(run(q, req, nullptr, {run_quantize, run_fold_qdq, run_dce}).is_ok());
  CHECK(count_op(q, op16) == 1);
  CHECK(count_op(q, "QuantizeLinear") == g.inputs.size());
  const std::string y = report.points.at(g.outputs[0]).q;
  CHECK(report.points.at(g.outputs[0]).zero_point == 0);
  int64_t worst = 0;
  for (size_t k = 0; k < data.count(); ++k) {
    REQUIRE(run_sample(qdq, data, k).is_ok());
    REQUIRE(run_sample(q, data, k).is_ok());
    const Tensor& a = qdq.tensor(y);
    const Tensor& b = q.tensor(y);
    REQUIRE(a.dtype == DType::kInt16);
    REQUIRE(b.dtype == DType::kInt16);
    for (int64_t i = 0; i < a.numel(); ++i) worst = std::max(worst, std::abs(a.int_at(i) - b.int_at(i)));
  }
  return worst;
}

Graph one_conv(Shape xs, Shape ws, int64_t group, std::vector<int64_t> pads, std::vector<int64_t> strides,
               std::vector<int64_t> dilations, bool bias, const char* act) {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", xs);
  int64_t wn = 1;
  for (int64_t d : ws) wn *= d;
  test::add_const(g, "W", ws, wave(static_cast<size_t>(wn), 1.3f, 0.4f));
  std::vector<std::string> ins = {"x", "W"};
  if (bias) {
    test::add_const(g, "B", {ws[0]}, wave(static_cast<size_t>(ws[0]), 0.7f, 0.3f, 0.5f));
    ins.push_back("B");
  }
  Node& c = test::add_node(g, "Conv", ins, {act ? "c" : "y"}, "conv");
  c.set_int("group", group);
  c.set_ints("pads", pads);
  c.set_ints("strides", strides);
  c.set_ints("dilations", dilations);
  if (act) test::add_node(g, act, {"c"}, {"y"}, "act");
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  return g;
}

}  // namespace

TEST_CASE("int16: a Conv (pads, bias, fused Relu) is kiln.QConv16 within one step of DQ-Conv-Q", "[passes][quant][int16]") {
  CHECK(steps_from_qdq(one_conv({1, 3, 7, 6}, {4, 3, 3, 3}, 1, {1, 1, 1, 1}, {1, 1}, {1, 1}, true, "Relu"), "QConv16") <= 1);
  CHECK(steps_from_qdq(one_conv({1, 3, 7, 6}, {4, 3, 3, 3}, 1, {1, 1, 1, 1}, {1, 1}, {1, 1}, true, nullptr), "QConv16") <= 1);
}

TEST_CASE("int16: depthwise, strided, dilated and asymmetrically padded convolutions", "[passes][quant][int16]") {
  CHECK(steps_from_qdq(one_conv({1, 4, 9, 8}, {4, 1, 3, 3}, 4, {0, 1, 1, 0}, {2, 2}, {1, 1}, true, nullptr), "QConv16") <= 1);
  CHECK(steps_from_qdq(one_conv({1, 4, 9, 8}, {6, 2, 3, 2}, 2, {2, 1, 2, 1}, {1, 2}, {2, 1}, false, nullptr), "QConv16") <= 1);
}

TEST_CASE("int16: Gemm with a long reduction and MatMul of batched rows are kiln.QGemm16", "[passes][quant][int16]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {2, 1500});
  test::add_const(g, "W", {7, 1500}, wave(7 * 1500, 0.91f, 0.05f));
  test::add_const(g, "B", {7}, wave(7, 0.7f, 0.3f, 0.2f));
  test::add_node(g, "Gemm", {"x", "W", "B"}, {"y"}, "fc").set_int("transB", 1);
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  CHECK(steps_from_qdq(g, "QGemm16") <= 2);

  Graph m;
  m.opset = 13;
  test::add_input(m, "x", {1, 5, 12});
  test::add_const(m, "W", {12, 9}, wave(12 * 9, 0.53f, 0.4f));
  test::add_node(m, "MatMul", {"x", "W"}, {"y"}, "proj");
  m.outputs = {"y"};
  REQUIRE(infer_graph(m, false).is_ok());
  CHECK(steps_from_qdq(m, "QGemm16") <= 1);
}

TEST_CASE("int16: Add of two activations with broadcasting is kiln.QAdd16", "[passes][quant][int16]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "a", {1, 4, 3, 5});
  test::add_input(g, "b", {1, 4, 1, 5});
  test::add_node(g, "Add", {"a", "b"}, {"y"}, "add");
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  CHECK(steps_from_qdq(g, "QAdd16") <= 1);
}

TEST_CASE("int16: AveragePool (padding not counted) and GlobalAveragePool are kiln.QAvgPool16", "[passes][quant][int16]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 3, 7, 6});
  Node& p = test::add_node(g, "AveragePool", {"x"}, {"y"}, "pool");
  p.set_ints("kernel_shape", {3, 3});
  p.set_ints("strides", {2, 2});
  p.set_ints("pads", {1, 1, 1, 1});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  CHECK(steps_from_qdq(g, "QAvgPool16") <= 1);

  Graph h;
  h.opset = 13;
  test::add_input(h, "x", {1, 5, 49, 10});
  test::add_node(h, "GlobalAveragePool", {"x"}, {"y"}, "gap");
  h.outputs = {"y"};
  REQUIRE(infer_graph(h, false).is_ok());
  CHECK(steps_from_qdq(h, "QAvgPool16") <= 1);
}

TEST_CASE("int16: points are symmetric, Softmax stays float, a large bias becomes int64", "[passes][quant][int16]") {
  // x (tiny values) -> Gemm (bias far above x_scale * w_scale) -> Softmax
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 16});
  test::add_const(g, "W", {16, 4}, wave(64, 0.77f, 1.0f));
  test::add_const(g, "B", {4}, {1.0f, -2.0f, 0.5f, 3.0f});
  test::add_node(g, "Gemm", {"x", "W", "B"}, {"logits"}, "fc");
  test::add_node(g, "Softmax", {"logits"}, {"y"}, "softmax");
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  Graph f = g;
  CalibrationSet data = samples(g, 4);
  for (auto& s : data.samples[0])
    for (float& v : s) v *= 1e-4f;
  QuantizeRequest req;
  req.data = &data;
  req.int16 = true;
  QuantizeReport report;
  REQUIRE(run(g, req, &report, {run_quantize, run_fold_qdq, run_dce}).is_ok());
  CHECK(count_op(g, "QGemm16") == 1);
  CHECK(count_op(g, "Softmax") == 1);  // no int16 Softmax: float between DQ and Q
  CHECK(report.points.count("y") == 0);
  for (const auto& kv : report.points) CHECK(kv.second.zero_point == 0);
  for (const Node& n : g.nodes)
    if (n.op == "QGemm16") CHECK(g.tensor(n.inputs[5]).dtype == DType::kInt64);
  for (size_t k = 0; k < data.count(); ++k) {
    REQUIRE(run_sample(f, data, k).is_ok());
    REQUIRE(run_sample(g, data, k).is_ok());
    const auto a = test::values(f.tensor("y")), b = test::values(g.tensor("y"));
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::fabs(a[i] - b[i]) <= 1e-3f);
  }
}

TEST_CASE("int16: with exact int8 weights the output is ~48 dB closer to float than int8's", "[passes][quant][int16]") {
  Graph g = one_conv({1, 2, 8, 8}, {4, 2, 3, 3}, 1, {1, 1, 1, 1}, {1, 1}, {1, 1}, true, "Relu");
  // Weights on the int8 grid (each channel's largest |w| is 127 steps): only activations round.
  float* w = g.tensor("W").as_mut<float>();
  for (int64_t i = 0; i < 72; ++i) w[i] = 0.5f * std::nearbyint(127.0f * std::sin(1.3f * static_cast<float>(i))) / 127.0f;
  for (int64_t c = 0; c < 4; ++c) w[c * 18] = 0.5f;
  const CalibrationSet data = samples(g, 8);
  auto noise = [&](bool int16) {
    Graph f = g, q = g;
    QuantizeRequest req;
    req.data = &data;
    req.int16 = int16;
    REQUIRE(run(q, req, nullptr, {run_quantize, run_fold_qdq, run_dce}).is_ok());
    double n = 0;
    for (size_t k = 0; k < data.count(); ++k) {
      REQUIRE(run_sample(f, data, k).is_ok());
      REQUIRE(run_sample(q, data, k).is_ok());
      const auto a = test::values(f.tensor("y")), b = test::values(q.tensor("y"));
      for (size_t i = 0; i < a.size(); ++i) n += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return n;
  };
  // 8 more bits: 256^2 less noise energy in theory; the bias and multipliers keep some.
  CHECK(noise(true) * 10000 < noise(false));
}
