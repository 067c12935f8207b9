#include <catch2/catch.hpp>

#include <cmath>

#include "compiler/ops/infer.h"
#include "passes/passes.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

// Runs the graph with the reference evaluation on input x; returns output 0.
std::vector<float> run(Graph g, const std::vector<float>& x) {
  Tensor& in = g.tensor(g.inputs[0]);
  in.alloc();
  for (size_t i = 0; i < x.size(); ++i) in.as_mut<float>()[i] = x[i];
  REQUIRE(eval_graph(g).is_ok());
  return test::values(g.tensor(g.outputs[0]));
}

// x[1,2,3,3] -> Conv(2->2, 1x1) -> c -> BatchNormalization -> b -> Relu -> y
Graph conv_bn_relu() {
  Graph g;
  test::add_input(g, "x", {1, 2, 3, 3});
  test::add_const(g, "W", {2, 2, 1, 1}, {0.5f, -1.0f, 2.0f, 0.25f});
  test::add_const(g, "B", {2}, {0.1f, -0.2f});
  test::add_const(g, "scale", {2}, {1.5f, 0.5f});
  test::add_const(g, "beta", {2}, {0.3f, -0.1f});
  test::add_const(g, "mean", {2}, {0.2f, 0.4f});
  test::add_const(g, "var", {2}, {0.9f, 2.0f});
  test::add_node(g, "Conv", {"x", "W", "B"}, {"c"}, "conv");
  test::add_node(g, "BatchNormalization", {"c", "scale", "beta", "mean", "var"}, {"b"}, "bn");
  test::add_node(g, "Relu", {"b"}, {"y"}, "relu");
  g.outputs = {"y"};
  g.opset = 13;
  REQUIRE(infer_graph(g, false).is_ok());
  return g;
}

std::vector<float> ramp(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = std::sin(0.7f * static_cast<float>(i)) * 2.0f;
  return v;
}

}  // namespace

TEST_CASE("fold-constants folds Add of two initializers", "[passes]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {2});
  test::add_const(g, "a", {2}, {1.0f, 2.0f});
  test::add_const(g, "b", {2}, {10.0f, 20.0f});
  test::add_node(g, "Add", {"a", "b"}, {"ab"});
  test::add_node(g, "Add", {"x", "ab"}, {"y"});
  g.outputs = {"y"};
  PassContext ctx;
  PassResult r = run_fold_constants(g, ctx);
  REQUIRE(r.status.is_ok());
  CHECK(r.stats["nodes-folded"] == 1);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.tensor("ab").is_const);
  CHECK(test::values(g.tensor("ab")) == std::vector<float>{11.0f, 22.0f});
}

TEST_CASE("dce drops nodes no output depends on", "[passes]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {2});
  test::add_node(g, "Relu", {"x"}, {"dead"});
  test::add_node(g, "Relu", {"x"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  PassResult r = run_dce(g, PassContext{});
  CHECK(r.stats["nodes-removed"] == 1);
  CHECK(g.nodes.size() == 1);
  CHECK(g.find("dead") == nullptr);
}

TEST_CASE("fold-batchnorm pushes BatchNormalization into the Conv before it", "[passes]") {
  Graph g = conv_bn_relu();
  std::vector<float> x = ramp(18);
  std::vector<float> before = run(g, x);
  PassResult r = run_fold_batchnorm(g, PassContext{});
  CHECK(r.stats["batchnorms-folded"] == 1);
  REQUIRE(g.nodes.size() == 2);
  CHECK(g.nodes[0].op == "Conv");
  CHECK(g.nodes[0].outputs[0] == "b");
  std::vector<float> after = run(g, x);
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) CHECK(after[i] == Approx(before[i]).margin(1e-6));
}

TEST_CASE("fuse-activations applies a Relu inside the Conv and keeps results", "[passes]") {
  Graph g = conv_bn_relu();
  std::vector<float> x = ramp(18);
  std::vector<float> before = run(g, x);
  run_fold_batchnorm(g, PassContext{});
  PassResult r = run_fuse_activations(g, PassContext{});
  CHECK(r.stats["activations-fused"] == 1);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.nodes[0].attr_string("kiln_act", "") == "Relu");
  std::vector<float> after = run(g, x);
  for (size_t i = 0; i < after.size(); ++i) CHECK(after[i] == Approx(before[i]).margin(1e-6));
}

TEST_CASE("fuse-activations leaves a Conv output with two readers alone", "[passes]") {
  Graph g = conv_bn_relu();
  test::add_node(g, "Relu", {"b"}, {"z"});
  g.outputs.push_back("z");
  REQUIRE(infer_graph(g, false).is_ok());
  PassResult r = run_fuse_activations(g, PassContext{});
  CHECK(r.stats["activations-fused"] == 0);
}

TEST_CASE("materialize-outputs copies a constant graph output into the arena", "[passes]") {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {2});
  test::add_const(g, "k", {2}, {3.0f, 4.0f});
  test::add_node(g, "Relu", {"x"}, {"y"});
  g.outputs = {"y", "k"};
  REQUIRE(infer_graph(g, false).is_ok());
  PassResult r = run_materialize_outputs(g, PassContext{});
  CHECK(r.stats["outputs-materialized"] == 1);
  CHECK_FALSE(g.tensor("k").is_const);
  CHECK(g.nodes.back().op == "Identity");
}
