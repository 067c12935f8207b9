#include <catch2/catch.hpp>

#include "compiler/ops/infer.h"
#include "passes/memory_plan.h"
#include "passes/passes.h"
#include "tests/test_util.h"

using namespace kiln;

static Buffer buf(const char* name, int64_t size, int first, int last) {
  Buffer b;
  b.name = name;
  b.size = size;
  b.align = 1;
  b.first = first;
  b.last = last;
  return b;
}

TEST_CASE("plan-memory: a chain of producers and consumers needs two live buffers", "[passes][memory]") {
  // a -> b -> c -> d, each read only by the next step: at most two alive at once.
  std::vector<Buffer> bufs = {buf("a", 100, -1, 0), buf("b", 60, 0, 1), buf("c", 100, 1, 2), buf("d", 40, 2, 3)};
  CHECK(liveness_bound(bufs) == 160);
  MemoryPlan p = plan_greedy_by_size(bufs);
  CHECK(plan_is_valid(bufs, p));
  CHECK(p.arena == 160);
}

TEST_CASE("plan-memory: a long-lived skip connection keeps its slot", "[passes][memory]") {
  // Residual block: x lives until the add at step 3; two temporaries in between.
  std::vector<Buffer> bufs = {buf("x", 64, -1, 3), buf("t1", 64, 0, 1), buf("t2", 64, 1, 3), buf("y", 64, 3, 4)};
  CHECK(liveness_bound(bufs) == 192);
  MemoryPlan p = plan_greedy_by_size(bufs);
  CHECK(plan_is_valid(bufs, p));
  CHECK(p.arena == 192);
}

TEST_CASE("plan-memory: offsets respect alignment", "[passes][memory]") {
  std::vector<Buffer> bufs = {buf("a", 10, 0, 1), buf("b", 10, 0, 1), buf("c", 3, 0, 1)};
  for (auto& b : bufs) b.align = 8;
  MemoryPlan p = plan_greedy_by_size(bufs);
  CHECK(plan_is_valid(bufs, p));
  for (int64_t off : p.offsets) CHECK(off % 8 == 0);
  CHECK(p.arena == 35);  // a at 0, b at 16, c at 32
}

TEST_CASE("plan-memory: plan_is_valid catches overlapping live buffers", "[passes][memory]") {
  std::vector<Buffer> bufs = {buf("a", 10, 0, 2), buf("b", 10, 1, 3)};
  MemoryPlan p;
  p.offsets = {0, 5};
  CHECK_FALSE(plan_is_valid(bufs, p));
  p.offsets = {0, 10};
  CHECK(plan_is_valid(bufs, p));
}

TEST_CASE("plan-memory: views share their root's bytes and extend its life", "[passes][memory]") {
  Graph g;
  test::add_input(g, "x", {1, 8});
  test::add_const(g, "shape", {1}, {});
  g.tensors["shape"].dtype = DType::kInt64;
  g.tensors["shape"].alloc();
  g.tensors["shape"].as_mut<int64_t>()[0] = 8;
  test::add_node(g, "Relu", {"x"}, {"r"});
  test::add_node(g, "Reshape", {"r", "shape"}, {"v"});
  test::add_node(g, "Relu", {"v"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  PassContext ctx;
  REQUIRE(run_alias_views(g, ctx).changed);
  CHECK(g.tensor("v").alias_of == "r");
  std::vector<Buffer> bufs = analyse_buffers(g, 4);
  REQUIRE(bufs.size() == 3);  // x, r (with its view v), y
  for (const Buffer& b : bufs)
    if (b.name == "r") CHECK(b.last == 2);  // read through the view by the last Relu
}

TEST_CASE("inplace runs a depthwise Conv whose input dies over that input, with one channel of scratch",
          "[passes][memory]") {
  // x[1,1,8,8] -> 1x1 Conv to 4 channels -> r -> depthwise Conv (3x3, pad 1) -> d -> MaxPool 2x2 -> y:
  // the peak (r and d, 2 x 1024 B) is at the depthwise step.
  auto build = [] {
    Graph g;
    g.opset = 13;
    test::add_input(g, "x", {1, 1, 8, 8});
    test::add_const(g, "W1", {4, 1, 1, 1}, {1.0f, -1.0f, 0.5f, 2.0f});
    test::add_const(g, "W", {4, 1, 3, 3}, std::vector<float>(36, 0.1f));
    test::add_node(g, "Conv", {"x", "W1"}, {"r"});
    Node& c = test::add_node(g, "Conv", {"r", "W"}, {"d"}, "dw");
    c.set_int("group", 4);
    c.set_ints("pads", {1, 1, 1, 1});
    test::add_node(g, "MaxPool", {"d"}, {"y"}).set_ints("kernel_shape", {2, 2});
    g.nodes.back().set_ints("strides", {2, 2});
    g.outputs = {"y"};
    REQUIRE(infer_graph(g, false).is_ok());
    return g;
  };
  auto arena = [](Graph g, bool dw) {
    PassContext ctx;
    ctx.inplace_depthwise = dw;
    run_inplace(g, ctx);
    PassResult r = run_plan_memory(g, ctx);
    REQUIRE(r.status.is_ok());
    CHECK(r.stats["liveness-bound"] == 2 * 4 * 64 * 4);  // r and d at the depthwise step
    return std::make_pair(r.stats["arena-bytes"], g);
  };
  auto [with_dw, g] = arena(build(), true);
  auto [without_dw, g2] = arena(build(), false);
  CHECK(g.nodes[1].attr_int("kiln_inplace_dw", 0) == 1);
  CHECK(g.tensor("d").alias_of == "r");
  CHECK(g.nodes[1].attr_int("kiln_scratch_bytes", 0) == 64 * 4);  // one 8x8 channel
  CHECK(without_dw == 2048);
  CHECK(with_dw == 4 * 64 * 4 + 64 * 4);  // r/d shared, plus one channel of scratch
}
