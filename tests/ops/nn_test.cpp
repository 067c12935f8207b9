#include <catch2/catch.hpp>

#include <cmath>

#include "codegen/module.h"
#include "compiler/ops/infer.h"
#include "compiler/ops/op.h"
#include "runtime/kiln_conv.h"
#include "runtime/kiln_pool.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

// A graph of one node `op` over `ins` (already added), output "y" (and more `outs`).
Node& single(Graph& g, const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs = {"y"},
             int opset = 17) {
  g.opset = opset;
  g.outputs = {outs[0]};
  return test::add_node(g, op, std::move(ins), std::move(outs), "n");
}

Tensor& input(Graph& g, const std::string& name, Shape s, const std::vector<float>& v = {}) {
  Tensor& t = test::add_input(g, name, std::move(s));
  t.alloc();
  for (int64_t i = 0; i < t.numel(); ++i)
    t.as_mut<float>()[i] = v.empty() ? static_cast<float>(i) : v[static_cast<size_t>(i)];
  return t;
}

std::vector<float> eval(Graph& g, const std::string& out = "y") {
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  REQUIRE(eval_node(g, g.nodes[0]).is_ok());
  return test::values(g.tensor(out));
}

// The node's emitted code, with every tensor placed at arena offset 0, for the host without its
// SIMD kernels (--no-simd-kernels: the blocked ones; tests/ops/simd_util_test.cpp has the others).
std::string emit(Graph& g) {
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  for (auto& kv : g.tensors) kv.second.arena_offset = 0;
  Target host = all_targets().front();
  host.simd_bytes = 0;
  CodegenState cg(g, host);
  Emitter w;
  OpCtx ctx(g, g.nodes[0], g.opset);
  ctx.set_codegen(&cg, &w, &host);
  REQUIRE(find_op(g.nodes[0].op)->emit(ctx).is_ok());
  return w.text();
}

// Deterministic values in [-1, 1) with no two equal (so a max has one winner).
std::vector<float> noise(int64_t n, uint32_t seed) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v.push_back(static_cast<float>(seed >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-5));
}

}  // namespace

TEST_CASE("Gemm's reference applies a fused clamp as Conv's does", "[ops][nn]") {
  Graph g;
  input(g, "a", {1, 2}, {1.0f, 2.0f});
  test::add_const(g, "b", {2, 3}, {1, -1, 3, 1, -1, 3});
  Node& n = single(g, "Gemm", {"a", "b"});
  n.set_string("kiln_act", "Clip");
  n.set_float("kiln_act_lo", 0.0f);
  n.set_float("kiln_act_hi", 6.0f);
  CHECK(eval(g) == std::vector<float>{3.0f, 0.0f, 6.0f});  // 3, -3, 9 clamped
}

TEST_CASE("Gemm with constant [K, N] weights emits the dot-product kernel on a repacked copy only", "[ops][nn]") {
  Graph g;
  input(g, "a", {2, 3});
  test::add_const(g, "b", {3, 4}, std::vector<float>(12, 0.5f));  // dense (all-zero weights would be CSR)
  test::add_const(g, "c", {4}, {});
  single(g, "Gemm", {"a", "b", "c"});
  std::string code = emit(g);  // the host has an FPU: the blocked kernel on [N, K] packed by four rows
  CHECK(code.find("kiln::gemm_nt_blocked<2, 4, 3, 3, 1, 0, 1>") != std::string::npos);
  CHECK(code.find("w_b_p4") != std::string::npos);
  CHECK(code.find("w_b,") == std::string::npos);
}

TEST_CASE("MatMul promotes 1-D operands and broadcasts the batch dims", "[ops][nn]") {
  Graph g;
  input(g, "a", {2, 1, 3, 5});
  input(g, "b", {5});
  input(g, "c", {4, 5, 6});
  test::add_node(g, "MatMul", {"a", "b"}, {"ab"}, "ab");
  test::add_node(g, "MatMul", {"a", "c"}, {"ac"}, "ac");
  g.opset = 13;
  REQUIRE(infer_graph(g, false).is_ok());
  CHECK(g.tensor("ab").shape == Shape{2, 1, 3});
  CHECK(g.tensor("ac").shape == Shape{2, 4, 3, 6});
}

TEST_CASE("MatMul by one shared matrix runs as a single product over all rows", "[ops][nn]") {
  Graph g;
  input(g, "a", {2, 3, 4});
  input(g, "b", {4, 5});
  single(g, "MatMul", {"a", "b"});
  CHECK(emit(g).find("kiln::matmul_batched<1, 1, 0, 0, 0, 0, 6, 5, 4, false>") != std::string::npos);
}

TEST_CASE("MaxPool with ceil_mode drops a window that would start in the right padding", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 1, 4, 4});
  Node& n = single(g, "MaxPool", {"x"});
  n.set_ints("kernel_shape", {2, 2});
  n.set_ints("strides", {2, 2});
  n.set_ints("pads", {0, 0, 1, 1});
  n.set_int("ceil_mode", 1);
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  CHECK(g.tensor("y").shape == Shape{1, 1, 2, 2});  // a third window would start at index 4
}

TEST_CASE("AveragePool counts padding only with count_include_pad", "[ops][nn]") {
  for (int include : {0, 1}) {
    Graph g;
    input(g, "x", {1, 1, 2, 2}, {1, 2, 3, 4});
    Node& n = single(g, "AveragePool", {"x"});
    n.set_ints("kernel_shape", {2, 2});
    n.set_ints("pads", {1, 1, 0, 0});
    n.set_int("count_include_pad", include);
    std::vector<float> y = eval(g);
    REQUIRE(y.size() == 4);
    CHECK(y[0] == Approx(include ? 0.25f : 1.0f));  // the top-left window holds x[0, 0] only
    CHECK(y[3] == Approx(2.5f));
  }
}

TEST_CASE("BatchNormalization refuses training mode", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 2, 2});
  for (const char* p : {"s", "b", "m", "v"}) test::add_const(g, p, {2}, {1, 1});
  Node& n = single(g, "BatchNormalization", {"x", "s", "b", "m", "v"});
  n.set_int("training_mode", 1);
  Status st = infer_node(g, g.nodes[0]);
  CHECK(st.code() == ErrorCode::kUnsupportedAttr);
}

TEST_CASE("ConvTranspose with an output_shape beyond the full result extends it with the bias", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 1, 2}, {1, 2});
  test::add_const(g, "w", {1, 1, 2}, {1, 10});
  test::add_const(g, "b", {1}, {0.5f});
  Node& n = single(g, "ConvTranspose", {"x", "w", "b"});
  n.set_ints("output_shape", {4});
  // Full result [1, 12, 20]; one more output at the end holds the bias alone.
  CHECK(eval(g) == std::vector<float>{1.5f, 12.5f, 20.5f, 0.5f});
}

TEST_CASE("Einsum's implicit output lists the labels used once, alphabetically", "[ops][nn]") {
  Graph g;
  input(g, "a", {3, 2});
  input(g, "b", {2, 4});
  Node& n = single(g, "Einsum", {"a", "b"});
  n.set_string("equation", "ba,ac");
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  CHECK(g.tensor("y").shape == Shape{3, 4});
}

TEST_CASE("Einsum of three operands is refused as unsupported", "[ops][nn]") {
  Graph g;
  input(g, "a", {2});
  input(g, "b", {2});
  input(g, "c", {2});
  Node& n = single(g, "Einsum", {"a", "b", "c"});
  n.set_string("equation", "i,i,i->");
  CHECK(infer_node(g, g.nodes[0]).code() == ErrorCode::kUnsupportedAttr);
}

TEST_CASE("LayerNormalization writes Mean and InvStdDev per normalised row", "[ops][nn]") {
  Graph g;
  input(g, "x", {2, 2}, {1, 3, 10, 10});
  test::add_const(g, "s", {2}, {1, 1});
  Node& n = single(g, "LayerNormalization", {"x", "s"}, {"y", "mean", "inv_std"});
  n.set_float("epsilon", 1.0f);
  std::vector<float> y = eval(g);
  CHECK(g.tensor("mean").shape == Shape{2, 1});
  CHECK(test::values(g.tensor("mean")) == std::vector<float>{2.0f, 10.0f});
  CHECK(test::values(g.tensor("inv_std"))[0] == Approx(1.0 / std::sqrt(2.0)));
  CHECK(y[0] == Approx(-1.0 / std::sqrt(2.0)));
}

TEST_CASE("Conv with a 1x1 kernel emits a matrix product", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 3, 4, 4});
  test::add_const(g, "w", {8, 3, 1, 1}, std::vector<float>(24, 0.5f));  // dense (all-zero weights would be CSR)
  single(g, "Conv", {"x", "w"});
  CHECK(emit(g).find("kiln::pointwise_blocked<8, 3, 16>") != std::string::npos);  // W . X, W packed
}

TEST_CASE("3-D Conv with groups, strides, pads and dilations: the runtime kernel matches the reference", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 4, 4, 5, 6}, noise(4 * 4 * 5 * 6, 1));
  Tensor& w = test::add_const(g, "w", {10, 2, 2, 3, 2}, noise(10 * 2 * 2 * 3 * 2, 2));
  Tensor& b = test::add_const(g, "b", {10}, noise(10, 3));
  Node& n = single(g, "Conv", {"x", "w", "b"});
  n.set_int("group", 2);  // 5 output channels per group: one block of four and one left over
  n.set_ints("strides", {1, 2, 1});
  n.set_ints("pads", {1, 0, 1, 0, 1, 1});
  n.set_ints("dilations", {2, 1, 1});
  std::vector<float> want = eval(g);
  REQUIRE(g.tensor("y").shape == Shape{1, 10, 3, 2, 7});
  std::vector<float> got(want.size());
  kiln::conv3d<4, 4, 5, 6, 10, 2, 3, 2, 3, 2, 7, 1, 2, 1, 1, 0, 1, 2, 1, 1, 2>(
      g.tensor("x").as<float>(), w.as<float>(), b.as<float>(), got.data(), kiln::ActNone{});
  check_close(got, want);
  CHECK_THAT(emit(g), Catch::Contains("kiln::conv3d<4, 4, 5, 6, 10, 2, 3, 2, 3, 2, 7, 1, 2, 1, 1, 0, 1, 2, 1, 1, 2>"));
}

TEST_CASE("3-D depthwise Conv runs the general kernel and matches the reference", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 3, 3, 4, 4}, noise(3 * 3 * 4 * 4, 4));
  Tensor& w = test::add_const(g, "w", {3, 1, 3, 3, 3}, noise(81, 5));
  Node& n = single(g, "Conv", {"x", "w"});
  n.set_int("group", 3);
  n.set_ints("pads", {1, 1, 1, 1, 1, 1});
  std::vector<float> want = eval(g);
  REQUIRE(g.tensor("y").shape == Shape{1, 3, 3, 4, 4});
  std::vector<float> got(want.size());
  kiln::conv3d<3, 3, 4, 4, 3, 3, 3, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3>(
      g.tensor("x").as<float>(), w.as<float>(), nullptr, got.data(), kiln::ActNone{});
  check_close(got, want);
}

TEST_CASE("2-D Conv still emits a 2-D kernel call", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 2, 5, 5});
  test::add_const(g, "w", {4, 2, 3, 3}, {});
  single(g, "Conv", {"x", "w"}).set_ints("pads", {1, 1, 1, 1});
  // the host has an FPU; no row buffer was planned here, so the blocked kernel reads x directly
  CHECK_THAT(emit(g), Catch::Contains("kiln::conv2d_blocked_direct<2, 5, 5, 4, 3, 3, 5, 5, 1, 1, 1, 1, 1, 1>"));
}

TEST_CASE("3-D ConvTranspose with output_padding: the runtime kernel matches the reference", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 2, 2, 3, 2}, noise(24, 6));
  Tensor& w = test::add_const(g, "w", {2, 3, 2, 2, 3}, noise(72, 7));
  Tensor& b = test::add_const(g, "b", {3}, noise(3, 8));
  Node& n = single(g, "ConvTranspose", {"x", "w", "b"});
  n.set_ints("strides", {2, 1, 2});
  n.set_ints("pads", {1, 0, 0, 0, 1, 1});
  n.set_ints("output_padding", {1, 0, 0});
  n.set_ints("dilations", {1, 2, 1});
  std::vector<float> want = eval(g);
  REQUIRE(g.tensor("y").shape == Shape{1, 3, 4, 4, 4});
  std::vector<float> got(want.size());
  kiln::conv_transpose3d<2, 2, 3, 2, 3, 2, 2, 3, 4, 4, 4, 2, 1, 2, 1, 0, 0, 1, 2, 1, 1>(
      g.tensor("x").as<float>(), w.as<float>(), b.as<float>(), got.data(), kiln::ActNone{});
  check_close(got, want);
}

TEST_CASE("3-D MaxPool (values and indices) and AveragePool: the runtime kernels match the references", "[ops][nn]") {
  auto pool = [](const char* op, Graph& g) -> Node& {
    input(g, "x", {1, 2, 3, 4, 5}, noise(120, 9));
    Node& n = single(g, op, {"x"}, std::string(op) == "MaxPool" ? std::vector<std::string>{"y", "i"}
                                                                   : std::vector<std::string>{"y"});
    n.set_ints("kernel_shape", {2, 2, 3});
    n.set_ints("strides", {1, 2, 2});
    n.set_ints("pads", {0, 1, 1, 1, 0, 1});
    return n;
  };
  {
    Graph g;
    pool("MaxPool", g);
    std::vector<float> want = eval(g);
    REQUIRE(g.tensor("y").shape == Shape{1, 2, 3, 2, 3});
    std::vector<float> got(want.size());
    std::vector<int64_t> idx(want.size());
    kiln::maxpool3d_indices<float, 2, 3, 4, 5, 2, 2, 3, 3, 2, 3, 1, 2, 2, 0, 1, 1, 1, 1, 1, false>(
        g.tensor("x").as<float>(), got.data(), idx.data());
    CHECK(got == want);
    CHECK(idx == std::vector<int64_t>(g.tensor("i").as<int64_t>(), g.tensor("i").as<int64_t>() + idx.size()));
    std::vector<float> plain(want.size());
    kiln::maxpool3d<float, 2, 3, 4, 5, 2, 2, 3, 3, 2, 3, 1, 2, 2, 0, 1, 1, 1, 1, 1>(g.tensor("x").as<float>(),
                                                                                   plain.data());
    CHECK(plain == want);
  }
  for (bool include : {false, true}) {
    Graph g;
    pool("AveragePool", g).set_int("count_include_pad", include);
    std::vector<float> want = eval(g);
    std::vector<float> got(want.size());
    if (include)
      kiln::avgpool3d<float, 2, 3, 4, 5, 2, 2, 3, 3, 2, 3, 1, 2, 2, 0, 1, 1, 1, 0, 1, 1, 1, 1, true>(
          g.tensor("x").as<float>(), got.data());
    else
      kiln::avgpool3d<float, 2, 3, 4, 5, 2, 2, 3, 3, 2, 3, 1, 2, 2, 0, 1, 1, 1, 0, 1, 1, 1, 1, false>(
          g.tensor("x").as<float>(), got.data());
    check_close(got, want);
  }
}

TEST_CASE("Convolutions of 4 spatial dims are refused as unsupported", "[ops][nn]") {
  Graph g;
  input(g, "x", {1, 1, 2, 2, 2, 2});
  test::add_const(g, "w", {1, 1, 1, 1, 1, 1}, {1});
  single(g, "Conv", {"x", "w"});
  CHECK(infer_node(g, g.nodes[0]).code() == ErrorCode::kUnsupportedAttr);
}
