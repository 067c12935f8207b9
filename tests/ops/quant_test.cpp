#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>

#include "compiler/import/onnx_import.h"
#include "compiler/ops/infer.h"
#include "compiler/ops/quant_util.h"
#include "passes/passes.h"
#include "runtime/kiln_int8.h"
#include "tests/test_util.h"

using namespace kiln;

TEST_CASE("quantize_multiplier keeps 31 bits of the real multiplier", "[ops][quant]") {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> e(-20.0, 3.0);
  for (int i = 0; i < 2000; ++i) {
    const double m = std::pow(2.0, e(rng));
    const QuantMultiplier q = quantize_multiplier(m);
    REQUIRE(q.mult >= (1 << 30));
    const double back = std::ldexp(static_cast<double>(q.mult), q.shift - 31);
    REQUIRE(std::fabs(back - m) <= m * std::ldexp(1.0, -30));
    int32_t rm, rs;
    kiln::quantize_multiplier(m, &rm, &rs);  // the run-time twin (runtime/kiln_int8.h)
    REQUIRE(rm == q.mult);
    REQUIRE(rs == q.shift);
  }
}

TEST_CASE("requantization rounds the exact product once, ties to even, as the runtime does", "[ops][quant]") {
  std::mt19937 rng(2);
  std::uniform_int_distribution<int32_t> acc(-(1 << 24), 1 << 24);
  std::uniform_real_distribution<double> e(-16.0, 2.0);
  for (int i = 0; i < 20000; ++i) {
    const QuantMultiplier q = quantize_multiplier(std::pow(2.0, e(rng)));
    const int32_t x = acc(rng);
    const long double exact = static_cast<long double>(x) * q.mult * std::ldexp(1.0L, q.shift - 31);
    const int32_t want = static_cast<int32_t>(std::nearbyint(exact));  // default mode: ties to even
    REQUIRE(multiply_by_quantized_multiplier(x, q) == want);
    REQUIRE(kiln::multiply_by_quantized_multiplier(x, q.mult, q.shift) == want);
  }
  // Exact ties: 3 * 0.5 = 1.5 -> 2, 5 * 0.5 = 2.5 -> 2, -3 * 0.5 -> -2.
  const QuantMultiplier half = quantize_multiplier(0.5);
  CHECK(multiply_by_quantized_multiplier(3, half) == 2);
  CHECK(multiply_by_quantized_multiplier(5, half) == 2);
  CHECK(multiply_by_quantized_multiplier(-3, half) == -2);
}

TEST_CASE("QuantizeLinear divides, rounds ties to even and saturates", "[ops][quant]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {6});
  test::add_const(g, "s", {}, {2.0f});
  Tensor& z = test::add_tensor(g, "z", {}, DType::kInt8);
  z.is_const = true;
  z.alloc();
  z.as_mut<int8_t>()[0] = 1;
  test::add_node(g, "QuantizeLinear", {"x", "s", "z"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  Tensor& x = g.tensor("x");
  x.alloc();
  const float xs[] = {1.0f, 3.0f, 5.0f, -1.0f, 1000.0f, -1000.0f};
  for (int i = 0; i < 6; ++i) x.as_mut<float>()[i] = xs[i];
  REQUIRE(eval_graph(g).is_ok());
  const int8_t want[] = {1, 3, 3, 1, 127, -128};  // 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0
  for (int i = 0; i < 6; ++i) CHECK(g.tensor("y").as<int8_t>()[i] == want[i]);
  CHECK(g.tensor("y").quant.scale == std::vector<float>{2.0f});
}

namespace {

std::set<std::string> ops_of(const Graph& g) {
  std::set<std::string> s;
  for (const Node& n : g.nodes) s.insert(n.op);
  return s;
}

}  // namespace

TEST_CASE("fold-qdq turns a QDQ graph into integer ops with the same results", "[passes][quant]") {
  auto imported = import_onnx_file(std::string(KILN_SOURCE_DIR) + "/tests/quant/models/qdq_int8/model.onnx", ImportOptions{});
  REQUIRE(imported);
  Graph lowered = *imported;
  PassContext ctx;
  PassResult r = run_fold_qdq(lowered, ctx);
  REQUIRE(r.status.is_ok());
  REQUIRE(run_dce(lowered, ctx).status.is_ok());
  CHECK(r.stats["ops-lowered"] == 8);
  CHECK(r.stats["clamps-lowered"] == 2);
  const std::set<std::string> want = {"QuantizeLinear", "QLinearConv", "MaxPool", "QLinearGlobalAveragePool", "Flatten",
                                      "QLinearMatMul", "QLinearAdd", "Clip", "QLinearMul", "QGemm", "DequantizeLinear",
                                      "Sigmoid"};
  CHECK(ops_of(lowered) == want);
  int clamped = 0;
  for (const Node& n : lowered.nodes) clamped += n.attr_string("kiln_act", "") == "Clip";
  CHECK(clamped == 3);  // two Conv activations and the Relu after the Add became output clamps

  // The float QDQ graph (reference evaluation) and the integer graph agree within one step of the
  // logits (0.04) seen through the Sigmoid.
  auto in = read_tensor_pb(std::string(KILN_SOURCE_DIR) + "/tests/quant/models/qdq_int8/test_data_set_0/input_0.pb");
  REQUIRE(in);
  Graph reference = *imported;
  reference.tensor(reference.inputs[0]).data = in->data;
  lowered.tensor(lowered.inputs[0]).data = in->data;
  REQUIRE(eval_graph(reference).is_ok());
  REQUIRE(eval_graph(lowered).is_ok());
  const Tensor& a = reference.tensor(reference.outputs[0]);
  const Tensor& b = lowered.tensor(lowered.outputs[0]);
  for (int64_t i = 0; i < a.numel(); ++i) CHECK(std::fabs(a.as<float>()[i] - b.as<float>()[i]) <= 0.0101f);
}

TEST_CASE("fold-qdq leaves a float op without a quantized form between its DQ and Q", "[passes][quant]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {4});
  test::add_const(g, "s", {}, {0.1f});
  Tensor& z = test::add_tensor(g, "z", {}, DType::kInt8);
  z.is_const = true;
  z.alloc();
  test::add_node(g, "QuantizeLinear", {"x", "s", "z"}, {"xq"});
  test::add_node(g, "DequantizeLinear", {"xq", "s", "z"}, {"xd"});
  test::add_node(g, "Floor", {"xd"}, {"t"});
  test::add_node(g, "QuantizeLinear", {"t", "s", "z"}, {"tq"});
  test::add_node(g, "DequantizeLinear", {"tq", "s", "z"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  PassResult r = run_fold_qdq(g, PassContext{});
  REQUIRE(r.status.is_ok());
  CHECK_FALSE(r.changed);
  CHECK(ops_of(g).count("Floor") == 1);
}
