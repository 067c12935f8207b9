// kiln.QLinearLookup and com.microsoft.QLinearSoftmax, as fold-qdq makes them from
// DequantizeLinear -> f -> QuantizeLinear: a table is exact, the integer Softmax within one step.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "compiler/ops/infer.h"
#include "passes/passes.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

Tensor& scalar(Graph& g, const std::string& name, DType t, double v) {
  Tensor& s = test::add_tensor(g, name, {}, t);
  s.is_const = true;
  s.alloc();
  if (t == DType::kFloat32) s.as_mut<float>()[0] = static_cast<float>(v);
  else s.as_mut<int8_t>()[0] = static_cast<int8_t>(v);
  return s;
}

// x (int8, given shape) -> DQ(sx, zx) -> op -> Q(sy, zy) -> y
Graph chain(const std::string& op, Shape shape, float sx, int zx, float sy, int zy) {
  Graph g;
  g.opset = 13;
  g.inputs.push_back("x");
  test::add_tensor(g, "x", shape, DType::kInt8);
  scalar(g, "sx", DType::kFloat32, sx);
  scalar(g, "zx", DType::kInt8, zx);
  scalar(g, "sy", DType::kFloat32, sy);
  scalar(g, "zy", DType::kInt8, zy);
  test::add_node(g, "DequantizeLinear", {"x", "sx", "zx"}, {"xf"});
  test::add_node(g, op, {"xf"}, {"yf"}, "f");
  test::add_node(g, "QuantizeLinear", {"yf", "sy", "zy"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  return g;
}

std::vector<int> run(Graph g, const std::vector<int8_t>& x) {
  Tensor& in = g.tensor("x");
  in.alloc();
  for (size_t i = 0; i < x.size(); ++i) in.as_mut<int8_t>()[i] = x[i];
  REQUIRE(eval_graph(g).is_ok());
  std::vector<int> y;
  for (int64_t i = 0; i < g.tensor("y").numel(); ++i) y.push_back(g.tensor("y").as<int8_t>()[i]);
  return y;
}

std::string lower(Graph& g) {
  PassContext ctx;
  REQUIRE(run_fold_qdq(g, ctx).status.is_ok());
  REQUIRE(run_dce(g, ctx).status.is_ok());
  REQUIRE(g.nodes.size() == 1);
  return g.nodes[0].op;
}

}  // namespace

TEST_CASE("DQ -> unary -> Q becomes a table that is exact on every input", "[ops][quant]") {
  std::vector<int8_t> all;
  for (int v = -128; v < 128; ++v) all.push_back(static_cast<int8_t>(v));
  for (const char* op : {"Sigmoid", "Tanh", "HardSwish", "Exp", "Elu"}) {
    INFO(op);
    Graph f = chain(op, {256}, 0.05f, 3, 0.02f, -20);
    Graph q = f;
    CHECK(lower(q) == "QLinearLookup");
    CHECK(run(f, all) == run(q, all));
  }
}

TEST_CASE("DQ -> Softmax -> Q becomes an integer Softmax within one step", "[ops][quant]") {
  std::srand(7);
  for (float sx : {0.01f, 0.1f, 0.4f}) {
    Graph f = chain("Softmax", {6, 10}, sx, -5, 1.0f / 256.0f, -128);
    Graph q = f;
    CHECK(lower(q) == "QLinearSoftmax");
    std::vector<int8_t> x(60);
    for (auto& v : x) v = static_cast<int8_t>(std::rand() % 256 - 128);
    const auto a = run(f, x), b = run(q, x);
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::abs(a[i] - b[i]) <= 1);
  }
}

TEST_CASE("DQ -> LogSoftmax -> Q becomes an integer LogSoftmax within one step", "[ops][quant]") {
  std::srand(11);
  for (float sx : {0.02f, 0.1f, 0.3f}) {
    for (float sy : {0.05f, 0.2f}) {
      Graph f = chain("LogSoftmax", {5, 12}, sx, 3, sy, 127);
      Graph q = f;
      CHECK(lower(q) == "QLinearLogSoftmax");
      std::vector<int8_t> x(60);
      for (auto& v : x) v = static_cast<int8_t>(std::rand() % 256 - 128);
      const auto a = run(f, x), b = run(q, x);
      for (size_t i = 0; i < a.size(); ++i) CHECK(std::abs(a[i] - b[i]) <= 1);
    }
  }
}
