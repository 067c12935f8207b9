// passes/quantize + fold-qdq: a float graph becomes integer ops whose results stay close to float;
// --keep-float and --io int8 do what they say; calibration methods pick sensible ranges.
#include <catch2/catch.hpp>

#include <cmath>

#include "compiler/ops/infer.h"
#include "passes/passes.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

// x[1,2,4,4] -> Conv(2->3, 3x3, pad 1) -> Relu -> Flatten -> Gemm(48->5) -> Softmax -> y
Graph small_cnn() {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 2, 4, 4});
  std::vector<float> w(3 * 2 * 9), fc(5 * 48);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(1.3f * static_cast<float>(i)) * 0.5f;
  for (size_t i = 0; i < fc.size(); ++i) fc[i] = std::cos(0.7f * static_cast<float>(i)) * 0.2f;
  test::add_const(g, "W", {3, 2, 3, 3}, w);
  test::add_const(g, "B", {3}, {0.1f, -0.05f, 0.2f});
  test::add_const(g, "F", {5, 48}, fc);
  test::add_const(g, "C", {5}, {0.0f, 0.1f, -0.1f, 0.2f, 0.05f});
  Node& conv = test::add_node(g, "Conv", {"x", "W", "B"}, {"c"}, "conv");
  conv.set_ints("pads", {1, 1, 1, 1});
  test::add_node(g, "Relu", {"c"}, {"r"}, "relu");
  test::add_node(g, "Flatten", {"r"}, {"f"}, "flatten");
  Node& gemm = test::add_node(g, "Gemm", {"f", "F", "C"}, {"logits"}, "fc");
  gemm.set_int("transB", 1);
  test::add_node(g, "Softmax", {"logits"}, {"y"}, "softmax");
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  return g;
}

CalibrationSet samples(int n, size_t numel = 32) {
  CalibrationSet s;
  s.inputs = {"x"};
  s.samples.resize(1);
  for (int k = 0; k < n; ++k) {
    std::vector<float> v(numel);
    for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37f * static_cast<float>(i) + 0.9f * static_cast<float>(k));
    s.samples[0].push_back(v);
  }
  return s;
}

Status quantize(Graph& g, const QuantizeRequest& req, QuantizeReport* report = nullptr) {
  PassContext ctx;
  ctx.quantize = &req;
  ctx.quantize_report = report;
  ctx.io_int8 = req.io_int8;
  for (auto fn : {run_quantize, run_io_int8, run_fold_qdq, run_dce}) {
    PassResult r = fn(g, ctx);
    if (!r.status) return r.status;
  }
  return Status::ok();
}

std::vector<std::string> ops(const Graph& g) {
  std::vector<std::string> v;
  for (const Node& n : g.nodes) v.push_back(n.op);
  return v;
}

}  // namespace

TEST_CASE("quantize: a float CNN becomes integer ops close to float", "[passes][quant]") {
  Graph f = small_cnn(), q = small_cnn();
  const CalibrationSet data = samples(8);
  QuantizeRequest req;
  req.data = &data;
  QuantizeReport report;
  REQUIRE(quantize(q, req, &report).is_ok());
  CHECK(ops(q) == std::vector<std::string>{"QuantizeLinear", "QLinearConv", "Flatten", "QGemm", "QLinearSoftmax",
                                           "DequantizeLinear"});
  // The Relu is the convolution's clamp: its input is no quantization point.
  CHECK(report.points.count("c") == 0);
  CHECK(report.points.count("r") == 1);
  CHECK(report.points.at("y").scale == 1.0f / 256.0f);
  CHECK(report.points.at("y").zero_point == -128);
  for (size_t k = 0; k < data.count(); ++k) {
    REQUIRE(run_sample(f, data, k).is_ok());
    REQUIRE(run_sample(q, data, k).is_ok());
    const auto a = test::values(f.tensor("y")), b = test::values(q.tensor("y"));
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::fabs(a[i] - b[i]) <= 3.0f / 256.0f);
  }
}

TEST_CASE("quantize: weights are symmetric int8 per output channel", "[passes][quant]") {
  Graph q = small_cnn();
  const CalibrationSet data = samples(2);
  QuantizeRequest req;
  req.data = &data;
  PassContext ctx;
  ctx.quantize = &req;
  REQUIRE(run_quantize(q, ctx).status.is_ok());
  const Tensor& w = q.tensor("W");
  REQUIRE(w.quant.scale.size() == 3);
  CHECK(w.quant.axis == 0);
  for (int64_t i = 0; i < w.numel(); ++i) {
    const float s = w.quant.scale[static_cast<size_t>(i / 18)];
    const float k = w.as<float>()[i] / s;
    CHECK(std::fabs(k - std::nearbyint(k)) < 1e-3f);
    CHECK(std::fabs(k) <= 127.0f + 1e-3f);
  }
}

TEST_CASE("quantize: --keep-float leaves a node in float between DQ and Q", "[passes][quant]") {
  Graph q = small_cnn();
  const CalibrationSet data = samples(4);
  QuantizeRequest req;
  req.data = &data;
  req.keep_float = {"fc"};
  REQUIRE(quantize(q, req).is_ok());
  const auto o = ops(q);
  CHECK(std::count(o.begin(), o.end(), "Gemm") == 1);
  CHECK(std::count(o.begin(), o.end(), "QLinearConv") == 1);
  req.keep_float = {"no_such_node"};
  Graph bad = small_cnn();
  Status st = quantize(bad, req);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.str().find("no_such_node") != std::string::npos);
}

TEST_CASE("quantize: --io int8 makes the graph's own input and output int8", "[passes][quant]") {
  Graph q = small_cnn();
  const CalibrationSet data = samples(4);
  QuantizeRequest req;
  req.data = &data;
  req.io_int8 = true;
  QuantizeReport report;
  REQUIRE(quantize(q, req, &report).is_ok());
  CHECK(q.tensor("x").dtype == DType::kInt8);
  CHECK(q.tensor("y").dtype == DType::kInt8);
  const auto o = ops(q);
  CHECK(std::count(o.begin(), o.end(), "QuantizeLinear") == 0);
  CHECK(std::count(o.begin(), o.end(), "DequantizeLinear") == 0);
}

TEST_CASE("calibration methods: percentile and mse clip an outlier, minmax keeps it", "[quant]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 1000});
  test::add_node(g, "Relu", {"x"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  CalibrationSet data;
  data.inputs = {"x"};
  std::vector<float> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 100) / 100.0f;  // [0, 0.99]
  v[500] = 50.0f;                                                                      // one outlier
  data.samples = {{v}};
  auto range = [&](CalibrationMethod m) {
    auto r = calibrate(g, {"y"}, data, m, 99.0, nullptr);
    REQUIRE(r.has_value());
    return r->at("y");
  };
  CHECK(range(CalibrationMethod::kMinMax).hi == 50.0f);
  CHECK(range(CalibrationMethod::kMinMax).lo == 0.0f);
  CHECK(range(CalibrationMethod::kPercentile).hi < 2.0f);
  CHECK(range(CalibrationMethod::kPercentile).hi > 0.9f);
  CHECK(range(CalibrationMethod::kMse).hi <= 50.0f);
}

TEST_CASE("calibration method mse clips a heavy-tailed distribution's tails", "[quant]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 100000});
  test::add_node(g, "Identity", {"x"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  CalibrationSet data;
  data.inputs = {"x"};
  std::vector<float> v(100000);
  uint32_t state = 12345;
  for (auto& e : v) {  // Laplace(0, 1) by the inverse CDF of a fixed LCG's uniforms
    state = state * 1664525u + 1013904223u;
    const double u = (state + 0.5) / 4294967296.0 - 0.5;
    e = static_cast<float>(-(u < 0 ? -1 : 1) * std::log(1 - 2 * std::fabs(u)));
  }
  data.samples = {{v}};
  auto mm = calibrate(g, {"y"}, data, CalibrationMethod::kMinMax, 99.99, nullptr);
  auto mse = calibrate(g, {"y"}, data, CalibrationMethod::kMse, 99.99, nullptr);
  REQUIRE(mm.has_value());
  REQUIRE(mse.has_value());
  CHECK(mse->at("y").hi < 0.97f * mm->at("y").hi);
  CHECK(mse->at("y").hi > 0.6f * mm->at("y").hi);
}

TEST_CASE("quantize: a Concat's inputs share parameters and it runs on the integers", "[passes][quant]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 2, 3, 3});
  test::add_const(g, "Wa", {2, 2, 1, 1}, {0.5f, -1.0f, 2.0f, 0.25f});
  test::add_const(g, "Wb", {3, 2, 1, 1}, {3.0f, 1.0f, -2.0f, 0.5f, 0.1f, 0.7f});
  test::add_node(g, "Conv", {"x", "Wa"}, {"a"}, "conv_a");
  test::add_node(g, "Relu", {"a"}, {"ar"}, "relu_a");
  test::add_node(g, "Conv", {"x", "Wb"}, {"b"}, "conv_b");
  Node& cat = test::add_node(g, "Concat", {"ar", "b"}, {"c"}, "concat");
  cat.set_int("axis", 1);
  test::add_node(g, "Relu", {"c"}, {"y"}, "out");
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  Graph f = g;
  const CalibrationSet data = samples(6, 18);
  QuantizeRequest req;
  req.data = &data;
  QuantizeReport report;
  REQUIRE(quantize(g, req, &report).is_ok());
  for (const Node& n : g.nodes)
    if (n.op == "Concat") CHECK(g.tensor(n.outputs[0]).dtype == DType::kInt8);
  CHECK(report.points.at("ar").scale == report.points.at("b").scale);
  CHECK(report.points.at("ar").zero_point == report.points.at("b").zero_point);
  const auto o = ops(g);
  CHECK(std::count(o.begin(), o.end(), "DequantizeLinear") == 1);  // only at the output
  for (size_t k = 0; k < data.count(); ++k) {
    REQUIRE(run_sample(f, data, k).is_ok());
    REQUIRE(run_sample(g, data, k).is_ok());
    const auto a = test::values(f.tensor("y")), b = test::values(g.tensor("y"));
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::fabs(a[i] - b[i]) <= 2 * report.points.at("b").scale);
  }
}
