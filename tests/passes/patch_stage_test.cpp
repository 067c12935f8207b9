#include <catch2/catch.hpp>

#include "compiler/ir/verify.h"
#include "compiler/ops/infer.h"
#include "passes/passes.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

// x[1,3,23,19] -> 3x3 stride-2 Conv (pad 1) -> depthwise 3x3 dilation 2 (pad 2) -> 1x1 Conv ->
// 5x4 Conv (asymmetric pads) + Relu -> GlobalAveragePool: strides, dilations, odd sizes, uneven
// tiles and pads on one side only.
Graph stage_graph() {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 3, 23, 19});
  test::add_const(g, "W1", {4, 3, 3, 3}, test::random_floats(108, 1));
  test::add_const(g, "B1", {4}, test::random_floats(4, 2));
  test::add_const(g, "W2", {4, 1, 3, 3}, test::random_floats(36, 3));
  test::add_const(g, "W3", {6, 4, 1, 1}, test::random_floats(24, 4));
  test::add_const(g, "W4", {5, 6, 5, 4}, test::random_floats(600, 5));
  Node& c1 = test::add_node(g, "Conv", {"x", "W1", "B1"}, {"a"}, "c1");
  c1.set_ints("strides", {2, 2});
  c1.set_ints("pads", {1, 1, 1, 1});
  Node& c2 = test::add_node(g, "Conv", {"a", "W2"}, {"b"}, "dw");
  c2.set_int("group", 4);
  c2.set_ints("dilations", {2, 2});
  c2.set_ints("pads", {2, 2, 2, 2});
  test::add_node(g, "Conv", {"b", "W3"}, {"c"}, "pw");
  Node& c4 = test::add_node(g, "Conv", {"c", "W4"}, {"d"}, "c4");
  c4.set_ints("pads", {2, 0, 1, 3});
  c4.set_string("kiln_act", "Relu");
  test::add_node(g, "GlobalAveragePool", {"d"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  return g;
}

std::vector<float> run(Graph g, const std::vector<float>& x, const std::string& out) {
  Tensor& in = g.tensor("x");
  in.alloc();
  for (size_t i = 0; i < x.size(); ++i) in.as_mut<float>()[i] = x[i];
  REQUIRE(eval_graph(g).is_ok());
  return test::values(g.tensor(out));
}

}  // namespace

TEST_CASE("patch-stage computes every tile of the first convolutions exactly as the whole layers", "[passes][memory]") {
  const Graph plain = stage_graph();
  const std::vector<float> x = test::random_floats(3 * 23 * 19, 7);
  const std::vector<float> want_d = run(plain, x, "d");
  for (int n : {2, 3, 4}) {
    for (int layers : {1, 2, 4}) {
      Graph g = plain;
      PassContext ctx;
      ctx.patches = n;
      ctx.patch_layers = layers;
      PassResult r = run_patch_stage(g, ctx);
      REQUIRE(r.status.is_ok());
      REQUIRE(r.changed);
      CHECK(r.stats["patch-layers"] == layers);
      REQUIRE(verify(g).is_ok());
      int slices = 0, inserts = 0;
      for (const Node& node : g.nodes) {
        slices += node.op == "Slice";
        inserts += node.op == "PatchInsert" && node.domain == "kiln";
      }
      CHECK(slices == n * n);
      CHECK(inserts == n * n);
      CHECK(r.stats["stage-macs-patched"] >= r.stats["stage-macs"]);  // halos are computed again
      // The reference evaluation sums each output in the same order, tiled or not: equal bits.
      const std::vector<float> got_d = run(g, x, "d");
      if (layers == 4) CHECK(got_d == want_d);
      CHECK(run(g, x, "y") == run(plain, x, "y"));
    }
  }
}

TEST_CASE("patch-stage leaves the graph alone when no patched stage lowers the arena", "[passes][memory]") {
  // A 1x1 Conv on a tiny input: the whole output is needed anyway and tiles only add copies.
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 1, 4, 4});
  test::add_const(g, "W", {8, 1, 1, 1}, test::random_floats(8, 9));
  test::add_node(g, "Conv", {"x", "W"}, {"c"});
  test::add_node(g, "GlobalAveragePool", {"c"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  PassContext ctx;
  ctx.patches = 2;
  PassResult r = run_patch_stage(g, ctx);
  REQUIRE(r.status.is_ok());
  CHECK_FALSE(r.changed);
  CHECK(r.stats["patch-layers"] == 0);
  CHECK(g.nodes.size() == 2);
  ctx.patches = 0;  // off
  CHECK(run_patch_stage(g, ctx).stats.empty());
}
