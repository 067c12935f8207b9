#include <catch2/catch.hpp>

#include "codegen/module.h"
#include "compiler/ops/infer.h"
#include "compiler/ops/op.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

// Input x of `xs` holding 0, 1, 2, ... and one node `op` reading it (plus `extra` inputs).
Graph single(const std::string& op, Shape xs, int opset, std::vector<std::string> extra = {},
             std::vector<std::string> outs = {"y"}) {
  Graph g;
  g.opset = opset;
  Tensor& x = test::add_input(g, "x", xs);
  x.alloc();
  for (int64_t i = 0; i < x.numel(); ++i) x.as_mut<float>()[i] = static_cast<float>(i);
  std::vector<std::string> ins = {"x"};
  ins.insert(ins.end(), extra.begin(), extra.end());
  test::add_node(g, op, ins, std::move(outs), "n");
  g.outputs = {"y"};
  return g;
}

void add_ints(Graph& g, const std::string& name, std::vector<int64_t> v) {
  Tensor& t = test::add_tensor(g, name, {static_cast<int64_t>(v.size())}, DType::kInt64);
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size(); ++i) t.as_mut<int64_t>()[i] = v[i];
}

std::vector<float> eval(Graph& g, const std::string& out = "y") {
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  REQUIRE(eval_node(g, g.nodes[0]).is_ok());
  return test::values(g.tensor(out));
}

// The node's emitted code, with every tensor placed at arena offset 0.
std::string emit(Graph& g) {
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  for (auto& kv : g.tensors) kv.second.arena_offset = 0;
  CodegenState cg(g, all_targets().front());
  Emitter w;
  OpCtx ctx(g, g.nodes[0], g.opset);
  ctx.set_codegen(&cg, &w, &all_targets().front());
  REQUIRE(find_op(g.nodes[0].op)->emit(ctx).is_ok());
  return w.text();
}

}  // namespace

TEST_CASE("Slice clamps out-of-range bounds and walks negative steps", "[ops][shape]") {
  Graph g = single("Slice", {2, 5}, 13, {"starts", "ends", "axes", "steps"});
  add_ints(g, "starts", {100, -1});
  add_ints(g, "ends", {-100, -1000});
  add_ints(g, "axes", {0, 1});
  add_ints(g, "steps", {-1, -2});
  // rows 1, 0; columns 4, 2, 0
  CHECK(eval(g) == std::vector<float>{9, 7, 5, 4, 2, 0});
  CHECK(g.tensor("y").shape == Shape{2, 3});
}

TEST_CASE("Transpose NCHW to NHWC is emitted as a 3-D strided copy", "[ops][shape]") {
  Graph g = single("Transpose", {1, 3, 4, 5}, 13);
  g.nodes[0].set_ints("perm", {0, 2, 3, 1});
  std::string code = emit(g);
  // H and W stay adjacent and merge into one dim of 20; N = 1 disappears.
  CHECK(code.find("kiln::strided_copy<float, 1, 1, 1, 1, 20, 3, 0, 0, 0, 0, 1, 20>") != std::string::npos);
}

TEST_CASE("Tile is a strided copy with zero strides on the repeat dims", "[ops][shape]") {
  Graph g = single("Tile", {2, 3}, 13, {"repeats"});
  add_ints(g, "repeats", {2, 1});
  CHECK(eval(g) == std::vector<float>{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
  CHECK(emit(g).find("kiln::strided_copy<float, 1, 1, 1, 1, 2, 6, 0, 0, 0, 0, 0, 1>") != std::string::npos);
}

TEST_CASE("Pad reflect mirrors without repeating the edge", "[ops][shape]") {
  Graph g = single("Pad", {1, 3}, 13, {"pads"});
  add_ints(g, "pads", {0, 2, 0, 1});
  g.nodes[0].set_string("mode", "reflect");
  CHECK(eval(g) == std::vector<float>{2, 1, 0, 1, 2, 1});
}

TEST_CASE("Pad refuses reflect pads as large as the dim", "[ops][shape]") {
  Graph g = single("Pad", {1, 3}, 13, {"pads"});
  add_ints(g, "pads", {0, 3, 0, 0});
  g.nodes[0].set_string("mode", "reflect");
  CHECK(infer_node(g, g.nodes[0]).code() == ErrorCode::kUnsupportedAttr);
}

TEST_CASE("TopK keeps the lower index first among equal values", "[ops][shape]") {
  Graph g = single("TopK", {1, 5}, 13, {"k"}, {"y", "i"});
  add_ints(g, "k", {3});
  for (int i = 0; i < 5; ++i) g.tensor("x").as_mut<float>()[i] = i == 2 ? 1.0f : 7.0f;  // 7 7 1 7 7
  CHECK(eval(g) == std::vector<float>{7, 7, 7});
  const Tensor& idx = g.tensor("i");
  CHECK(std::vector<int64_t>(idx.as<int64_t>(), idx.as<int64_t>() + 3) == std::vector<int64_t>{0, 1, 3});
}

TEST_CASE("Resize nearest with asymmetric/floor repeats pixels", "[ops][shape]") {
  Graph g = single("Resize", {1, 1, 1, 2}, 13, {"", "scales"});
  Tensor& s = test::add_const(g, "scales", {4}, {1, 1, 1, 3});
  (void)s;
  g.nodes[0].set_string("coordinate_transformation_mode", "asymmetric");
  g.nodes[0].set_string("nearest_mode", "floor");
  CHECK(eval(g) == std::vector<float>{0, 0, 0, 1, 1, 1});
}

TEST_CASE("Resize cubic with A = -0.5 reproduces a ramp away from the edges", "[ops][shape]") {
  // Keys' cubic kernel with A = -0.5 interpolates linear data exactly where all four taps are
  // inside the input.
  Graph g = single("Resize", {1, 1, 1, 8}, 13, {"", "scales"});
  test::add_const(g, "scales", {4}, {1, 1, 1, 2});
  g.nodes[0].set_string("mode", "cubic");
  g.nodes[0].set_float("cubic_coeff_a", -0.5f);
  std::vector<float> y = eval(g);
  REQUIRE(y.size() == 16);
  for (int o = 4; o < 12; ++o) CHECK(y[static_cast<size_t>(o)] == Approx((o + 0.5) / 2 - 0.5));  // half_pixel
  CHECK_THAT(emit(g), Catch::Contains("kiln::resize_taps<float, 1, 1, 8, 1, 16, 4>"));
}

TEST_CASE("Resize cubic with exclude_outside renormalises the weights inside the input", "[ops][shape]") {
  // Output 0 of a 2x upsample of [0, 1, 2, 3] samples x = -0.25: with exclude_outside the two
  // taps left of the input drop out and the two inside are rescaled to sum to 1.
  Graph g = single("Resize", {1, 1, 1, 4}, 13, {"", "scales"});
  test::add_const(g, "scales", {4}, {1, 1, 1, 2});
  g.nodes[0].set_string("mode", "cubic");
  g.nodes[0].set_int("exclude_outside", 1);
  g.nodes[0].set_float("cubic_coeff_a", -0.5f);
  std::vector<float> y = eval(g);
  // ratio 0.75: taps at -2, -1 (dropped), 0, 1 with weights near(0.25) and far(1.25) (A = -0.5).
  const double A = -0.5, t0 = 0.25, t1 = 1.25;
  const double w0 = ((A + 2) * t0 - (A + 3)) * t0 * t0 + 1, w1 = ((A * t1 - 5 * A) * t1 + 8 * A) * t1 - 4 * A;
  CHECK(y[0] == Approx((w0 * 0 + w1 * 1) / (w0 + w1)));
}

TEST_CASE("Squeeze-13 without axes drops every unit dim", "[ops][shape]") {
  Graph g = single("Squeeze", {1, 3, 1, 2}, 13);
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  CHECK(g.tensor("y").shape == Shape{3, 2});
}

TEST_CASE("Slice with a runtime starts input is a not-constant error", "[ops][shape]") {
  Graph g = single("Slice", {4}, 13, {"starts", "ends"});
  test::add_input(g, "starts", {1}).dtype = DType::kInt64;
  add_ints(g, "ends", {3});
  CHECK(infer_node(g, g.nodes[0]).code() == ErrorCode::kNotConstant);
}
