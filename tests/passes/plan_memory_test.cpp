#include <catch2/catch.hpp>

#include "compiler/ir/verify.h"
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
    ctx.inplace_pointwise = false;  // the 1x1 Conv before it stays out of place here
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

// x[1,1,8,8] -> 3x3 Conv to C channels -> a -> pointwise Conv to M channels -> p -> GlobalAveragePool -> y.
static Graph pointwise_graph(int64_t c, int64_t m) {
  Graph g;
  g.opset = 13;
  test::add_input(g, "x", {1, 1, 8, 8});
  test::add_const(g, "Wa", {c, 1, 3, 3}, std::vector<float>(static_cast<size_t>(c * 9), 0.1f));
  test::add_const(g, "W", {m, c, 1, 1}, std::vector<float>(static_cast<size_t>(m * c), 0.5f));
  test::add_node(g, "Conv", {"x", "Wa"}, {"a"}).set_ints("pads", {1, 1, 1, 1});
  test::add_node(g, "Conv", {"a", "W"}, {"p"}, "pw");
  test::add_node(g, "GlobalAveragePool", {"p"}, {"y"});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  return g;
}

TEST_CASE("inplace writes a wider pointwise Conv's output over its input, the buffer's tail free until then",
          "[passes][memory]") {
  Graph g = pointwise_graph(2, 8);  // x 256 B, a 2 x 64 floats = 512 B, p 8 x 64 floats = 2048 B
  PassContext ctx;
  PassResult ir = run_inplace(g, ctx);
  CHECK(ir.stats["pointwise-in-place"] == 1);
  const Node& pw = g.nodes[1];
  CHECK(pw.attr_int("kiln_inplace_pw", 0) == 1);
  CHECK(pw.attr_string("kiln_inplace_alias", "") == "p");
  // a starts its buffer, so p starts where a does (k = 0 planes before it) and runs past its end.
  CHECK(g.tensor("p").alias_of == "a");
  CHECK(g.tensor("p").alias_offset == 0);
  std::vector<Buffer> bufs = analyse_buffers(g, 4);
  const Buffer* a = nullptr;
  for (const Buffer& b : bufs)
    if (b.name == "a") a = &b;
  REQUIRE(a);
  CHECK(a->size == 2048);  // the view widens its root
  CHECK(live_bytes(*a, 0) == 512);  // only a's bytes exist before the pointwise step
  CHECK(live_bytes(*a, 1) == 2048);
  PassResult r = run_plan_memory(g, ctx);
  REQUIRE(r.status.is_ok());
  CHECK(r.stats["liveness-bound"] == 512 + 2048);  // a and p both whole at the pointwise step
  CHECK(r.stats["arena-bytes"] == 2048 + 32);      // max(a, p) plus one block of 4 pixels x 2 channels
  CHECK(verify(g).is_ok());
}

TEST_CASE("a pointwise output placed before its input's root widens the buffer at the front", "[passes][memory]") {
  // What inplace does when a's buffer already reaches below a (k > 0): p at a - 3 planes.
  Graph g = pointwise_graph(2, 8);
  g.tensor("p").alias_of = "a";
  g.tensor("p").alias_offset = -3 * 256;
  g.nodes[1].set_int("kiln_inplace_pw", 1);
  g.nodes[1].set_string("kiln_inplace_alias", "p");
  CHECK(verify(g).is_ok());
  std::vector<Buffer> bufs = analyse_buffers(g, 4);
  for (const Buffer& b : bufs) {
    if (b.name != "a") continue;
    CHECK(b.size == 2048);
    CHECK(b.base == 768);
    CHECK(live_bytes(b, 0) == 512);
  }
  PassContext ctx;
  PassResult r = run_plan_memory(g, ctx);
  REQUIRE(r.status.is_ok());
  CHECK(r.stats["arena-bytes"] == 2048 + 32);
  CHECK(g.tensor("a").arena_offset % 4 == 0);
  // Without the in-place mark the same view is an overrun.
  g.nodes[1].attrs.erase("kiln_inplace_alias");
  CHECK_FALSE(verify(g).is_ok());
}

TEST_CASE("inplace writes a narrower pointwise Conv's output over its input's front", "[passes][memory]") {
  Graph g = pointwise_graph(8, 4);  // x 256 B, a 2048 B, p 1024 B
  PassContext ctx;
  run_inplace(g, ctx);
  CHECK(g.tensor("p").alias_of == "a");
  CHECK(g.tensor("p").alias_offset == 0);
  PassResult r = run_plan_memory(g, ctx);
  REQUIRE(r.status.is_ok());
  CHECK(r.stats["liveness-bound"] == 2048 + 1024);
  CHECK(r.stats["arena-bytes"] == 256 + 2048);  // now the first Conv's step (x and a) is the peak
  PassContext off;
  off.inplace_pointwise = false;
  Graph g2 = pointwise_graph(8, 4);
  run_inplace(g2, off);
  CHECK(g2.tensor("p").alias_of.empty());
  CHECK(run_plan_memory(g2, off).stats["arena-bytes"] == 2048 + 1024);
}

TEST_CASE("plan-memory places buffers by extent: a larger output's free head holds another buffer", "[passes][memory]") {
  // Buffer a: bytes [60, 100) during steps 0..1, then all of [0, 100) during 2..3. Buffer b
  // (60 B, steps -1..1) fits in a's head while the head is unused.
  Buffer a = buf("a", 100, 0, 3);
  a.extents = {Extent{0, 1, 60, 100}, Extent{2, 3, 0, 100}};
  std::vector<Buffer> bufs = {a, buf("b", 60, -1, 1)};
  CHECK(liveness_bound(bufs) == 100);
  MemoryPlan p = plan_best(bufs);
  CHECK(plan_is_valid(bufs, p));
  CHECK(p.arena == 100);
  // Moving b over a's live tail is caught.
  p.offsets = {0, 50};
  CHECK_FALSE(plan_is_valid(bufs, p));
}
