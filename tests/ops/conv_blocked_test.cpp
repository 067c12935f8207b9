// The register-blocked float kernels (runtime/kiln_conv_blocked.h, kiln_conv_blocked_dw.h) against the reference
// evaluation of Conv and Gemm, on shapes that leave every ragged edge of the 4 x 4 tiling, and the
// emitters' choice of them by target.
#include <catch2/catch.hpp>

#include <cmath>

#include "codegen/module.h"
#include "compiler/ops/infer.h"
#include "compiler/ops/nn_util.h"
#include "passes/passes.h"
#include "runtime/kiln_conv_blocked.h"
#include "runtime/kiln_conv_blocked_dw.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

// Deterministic values in [-1, 1).
std::vector<float> noise(int64_t n, uint32_t seed) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v.push_back(static_cast<float>(seed >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

// x [1, C, H, W] (noise), w [M, C/G, KH, KW], b [M]; one node "n" of `op` writing "y".
Node& conv_graph(Graph& g, Shape xs, Shape ws) {
  g.opset = 17;
  Tensor& x = test::add_input(g, "x", xs);
  x.alloc();
  std::vector<float> xv = noise(x.numel(), 1);
  std::copy(xv.begin(), xv.end(), x.as_mut<float>());
  int64_t wn = 1;
  for (int64_t d : ws) wn *= d;
  test::add_const(g, "w", ws, noise(wn, 2));
  test::add_const(g, "b", {ws[0]}, noise(ws[0], 3));
  g.outputs = {"y"};
  return test::add_node(g, "Conv", {"x", "w", "b"}, {"y"}, "n");
}

std::vector<float> reference(Graph& g) {
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  REQUIRE(eval_node(g, g.nodes[0]).is_ok());
  return test::values(g.tensor("y"));
}

void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-5));
}

std::vector<float> packed(Graph& g, const std::string& name, int64_t rows) {
  return test::values(pack_rows4(g.tensor(name), rows, name));
}

// conv2d_blocked (through its row buffer) and conv2d_blocked_direct on conv_graph g's node (its
// attributes set) against the reference; the template arguments are the kernels'.
template <int C, int H, int W, int M, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int DH, int DW,
          typename Act>
void check_conv2d_blocked(Graph& g, Act act) {
  std::vector<float> want = reference(g);
  REQUIRE(g.tensor("y").shape == Shape{1, M, OH, OW});
  constexpr int WP = (OW - 1) * SW + (KW - 1) * DW + 1;  // the row buffer: C * KH rows of WP floats
  std::vector<float> rows(C * KH * WP), got(want.size()), wp = packed(g, "w", M);
  kiln::conv2d_blocked<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(
      g.tensor("x").as<float>(), wp.data(), g.tensor("b").as<float>(), rows.data(), got.data(), act);
  check_close(got, want);
  std::vector<float> direct(want.size());
  kiln::conv2d_blocked_direct<C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, DH, DW>(
      g.tensor("x").as<float>(), wp.data(), g.tensor("b").as<float>(), direct.data(), act);
  check_close(direct, want);
}

// The node's emitted code for `target`, tensors at arena offset 0, scratch planned as the
// memory planner would.
std::string emit_for(Graph& g, const char* target) {
  REQUIRE(infer_node(g, g.nodes[0]).is_ok());
  for (auto& kv : g.tensors) kv.second.arena_offset = 0;
  const Target* t = find_target(target);
  REQUIRE(t != nullptr);
  const OpDef* def = find_op(g.nodes[0].op);
  OpCtx plan(g, g.nodes[0], g.opset);
  plan.set_codegen(nullptr, nullptr, t);
  if (def->scratch && def->scratch(plan) > 0) {
    g.nodes[0].set_int("kiln_scratch_bytes", def->scratch(plan));
    g.nodes[0].set_int("kiln_scratch_offset", 0);
  }
  CodegenState cg(g, *t);
  Emitter w;
  OpCtx ctx(g, g.nodes[0], g.opset);
  ctx.set_codegen(&cg, &w, t);
  REQUIRE(def->emit(ctx).is_ok());
  return w.text();
}

}  // namespace

TEST_CASE("pack_rows4 interleaves blocks of four rows and keeps the last rows as stored", "[ops][nn][blocked]") {
  Graph g;
  std::vector<float> v;
  for (int i = 0; i < 6 * 2; ++i) v.push_back(static_cast<float>(i));
  test::add_const(g, "w", {6, 2}, v);  // rows r0..r5 of two: r_m = {2m, 2m + 1}
  CHECK(packed(g, "w", 6) == std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7, 8, 9, 10, 11});
}

TEST_CASE("conv2d_blocked matches the reference with stride 2, pads on every side and ragged tiles",
          "[ops][nn][blocked]") {
  Graph g;
  Node& n = conv_graph(g, {1, 5, 8, 11}, {7, 5, 3, 2});  // 7 outputs: a block of four and three rows
  n.set_ints("strides", {2, 2});
  n.set_ints("pads", {1, 0, 2, 1});  // top, left, bottom, right
  check_conv2d_blocked<5, 8, 11, 7, 3, 2, 5, 6, 2, 2, 1, 0, 1, 1>(g, kiln::ActNone{});
}

TEST_CASE("conv2d_blocked matches the reference with dilation, odd widths and a fused clamp", "[ops][nn][blocked]") {
  Graph g;
  Node& n = conv_graph(g, {1, 3, 9, 13}, {9, 3, 3, 3});
  n.set_ints("dilations", {2, 2});
  n.set_ints("pads", {2, 1, 1, 2});
  n.set_string("kiln_act", "Clip");
  n.set_float("kiln_act_lo", -0.5f);
  n.set_float("kiln_act_hi", 0.5f);
  check_conv2d_blocked<3, 9, 13, 9, 3, 3, 8, 12, 1, 1, 2, 1, 2, 2>(g, kiln::ActClamp{-0.5f, 0.5f});
}

TEST_CASE("pointwise_blocked matches the reference with channels and pixels off the tiling", "[ops][nn][blocked]") {
  Graph g;
  conv_graph(g, {1, 5, 3, 5}, {7, 5, 1, 1});
  std::vector<float> want = reference(g);
  std::vector<float> got(want.size()), wp = packed(g, "w", 7);
  kiln::pointwise_blocked<7, 5, 15>(g.tensor("x").as<float>(), wp.data(), g.tensor("b").as<float>(), got.data(),
                                    kiln::ActNone{});
  check_close(got, want);
}

TEST_CASE("pointwise_blocked_inplace equals pointwise_blocked bit for bit, over its own input", "[ops][nn][blocked]") {
  // 5 -> 7 channels (the output larger: x sits two planes into the buffer) and 3 -> 2 (smaller),
  // 15 pixels: ragged 4-pixel blocks.
  for (auto cm : {std::make_pair(5, 7), std::make_pair(3, 2)}) {
    const int C = cm.first, M = cm.second, P = 15;
    Graph g;
    conv_graph(g, {1, C, 3, 5}, {M, C, 1, 1});
    std::vector<float> wp = packed(g, "w", M), want(static_cast<size_t>(M * P));
    const float* x = g.tensor("x").as<float>();
    const float* b = g.tensor("b").as<float>();
    if (C == 5) kiln::pointwise_blocked<7, 5, 15>(x, wp.data(), b, want.data(), kiln::ActNone{});
    else kiln::pointwise_blocked<2, 3, 15>(x, wp.data(), b, want.data(), kiln::ActNone{});
    const int K = M > C ? M - C : 0;  // planes of y before x
    std::vector<float> buf(static_cast<size_t>(std::max(M, C + K) * P)), tmp(static_cast<size_t>(C * 4));
    std::copy(x, x + C * P, buf.begin() + K * P);
    if (C == 5) kiln::pointwise_blocked_inplace<7, 5, 15, 4>(buf.data() + K * P, wp.data(), b, buf.data(), tmp.data(), kiln::ActNone{});
    else kiln::pointwise_blocked_inplace<2, 3, 15, 4>(buf.data(), wp.data(), b, buf.data(), tmp.data(), kiln::ActNone{});
    for (int i = 0; i < M * P; ++i) CHECK(buf[static_cast<size_t>(i)] == want[static_cast<size_t>(i)]);
  }
}

TEST_CASE("depthwise2d_blocked matches the reference at stride 1 and 2, with dilation, in place too",
          "[ops][nn][blocked]") {
  SECTION("stride 1, pad 1") {
    Graph g;
    Node& n = conv_graph(g, {1, 3, 7, 13}, {3, 1, 3, 3});
    n.set_int("group", 3);
    n.set_ints("pads", {1, 1, 1, 1});
    std::vector<float> want = reference(g);
    std::vector<float> got(want.size());
    kiln::depthwise2d_blocked<3, 7, 13, 3, 3, 7, 13, 1, 1, 1, 1, 1, 1>(
        g.tensor("x").as<float>(), g.tensor("w").as<float>(), g.tensor("b").as<float>(), got.data(), kiln::ActNone{});
    check_close(got, want);
    // In place: the output over the input, one channel of temporary.
    std::vector<float> xy = test::values(g.tensor("x")), tmp(7 * 13);
    kiln::depthwise2d_blocked_inplace<3, 7, 13, 3, 3, 7, 13, 1, 1, 1, 1, 1, 1>(
        xy.data(), g.tensor("w").as<float>(), g.tensor("b").as<float>(), tmp.data(), kiln::ActNone{});
    check_close(xy, want);
  }
  SECTION("stride 2, pads on every side, dilation 2 in height") {
    Graph g;
    Node& n = conv_graph(g, {1, 2, 12, 19}, {2, 1, 3, 3});
    n.set_int("group", 2);
    n.set_ints("strides", {2, 2});
    n.set_ints("dilations", {2, 1});
    n.set_ints("pads", {2, 0, 1, 1});
    std::vector<float> want = reference(g);
    REQUIRE(g.tensor("y").shape == Shape{1, 2, 6, 9});
    std::vector<float> got(want.size());
    kiln::depthwise2d_blocked<2, 12, 19, 3, 3, 6, 9, 2, 2, 2, 0, 2, 1>(
        g.tensor("x").as<float>(), g.tensor("w").as<float>(), g.tensor("b").as<float>(), got.data(), kiln::ActNone{});
    check_close(got, want);
  }
}

TEST_CASE("gemm_nt_blocked matches Gemm's reference with alpha, beta, a broadcast C and ragged columns",
          "[ops][nn][blocked]") {
  for (int trans_b = 0; trans_b < 2; ++trans_b) {
    Graph g;
    g.opset = 17;
    Tensor& a = test::add_input(g, "a", {3, 7});
    a.alloc();
    std::vector<float> av = noise(21, 4);
    std::copy(av.begin(), av.end(), a.as_mut<float>());
    test::add_const(g, "b", trans_b ? Shape{10, 7} : Shape{7, 10}, noise(70, 5));
    test::add_const(g, "c", {10}, noise(10, 6));
    g.outputs = {"y"};
    Node& n = test::add_node(g, "Gemm", {"a", "b", "c"}, {"y"}, "n");
    n.set_int("transB", trans_b);
    n.set_float("alpha", 0.5f);
    n.set_float("beta", 2.0f);
    n.set_string("kiln_act", "Relu");
    n.set_float("kiln_act_lo", 0.0f);
    std::vector<float> want = reference(g);
    Tensor bt = trans_b ? g.tensor("b") : transpose_last2(g.tensor("b"), "bt");
    std::vector<float> bp = test::values(pack_rows4(bt, 10, "bp")), got(want.size());
    kiln::gemm_nt_blocked<3, 10, 7, 7, 1, 0, 1>(a.as<float>(), bp.data(), g.tensor("c").as<float>(), 0.5f, 2.0f,
                                               got.data(), kiln::ActMin{0.0f});
    check_close(got, want);
    CHECK_THAT(emit_for(g, "cortex-m4"), Catch::Contains("kiln::gemm_nt_blocked<3, 10, 7, 7, 1, 0, 1>"));
    CHECK_THAT(emit_for(g, "cortex-m3"), !Catch::Contains("blocked"));
  }
}

TEST_CASE("Conv picks the blocked kernels on FPU targets and the plain ones without an FPU", "[ops][nn][blocked]") {
  SECTION("pointwise") {
    Graph g;
    conv_graph(g, {1, 5, 3, 5}, {7, 5, 1, 1});
    CHECK_THAT(emit_for(g, "cortex-m4"), Catch::Contains("kiln::pointwise_blocked<7, 5, 15>"));
    CHECK_THAT(emit_for(g, "cortex-m0plus"), Catch::Contains("kiln::gemm_nn<7, 15, 5"));
  }
  SECTION("general, with its row buffer as planned scratch") {
    Graph g;
    conv_graph(g, {1, 5, 8, 11}, {7, 5, 3, 2}).set_ints("pads", {1, 0, 2, 1});
    std::string m4 = emit_for(g, "cortex-m4");
    CHECK_THAT(m4, Catch::Contains("kiln::conv2d_blocked<5, 8, 11, 7, 3, 2, 9, 11, 1, 1, 1, 0, 1, 1>"));
    CHECK(g.nodes[0].attr_int("kiln_scratch_bytes", 0) == 5 * 3 * 12 * 4);
    Graph h;
    conv_graph(h, {1, 5, 8, 11}, {7, 5, 3, 2}).set_ints("pads", {1, 0, 2, 1});
    CHECK_THAT(emit_for(h, "cortex-m3"), Catch::Contains("kiln::conv2d<"));
    CHECK(h.nodes[0].attr_int("kiln_scratch_bytes", 0) == 0);
  }
  SECTION("depthwise") {
    Graph g;
    conv_graph(g, {1, 3, 7, 13}, {3, 1, 3, 3}).set_int("group", 3);
    CHECK_THAT(emit_for(g, "cortex-m7"), Catch::Contains("kiln::depthwise2d_blocked<3, 7, 13"));
  }
  SECTION("grouped convolutions keep the general kernel") {
    Graph g;
    conv_graph(g, {1, 4, 5, 5}, {6, 2, 3, 3}).set_int("group", 2);
    CHECK_THAT(emit_for(g, "cortex-m4"), Catch::Contains("kiln::conv2d<"));
  }
}

TEST_CASE("depthwise2d_padded matches the reference, in place too, at stride 1 and 2 with dilation",
          "[ops][nn][blocked]") {
  SECTION("25x5 (most outputs on the border), stride 1, pad 1, in place") {
    Graph g;
    Node& n = conv_graph(g, {1, 3, 25, 5}, {3, 1, 3, 3});
    n.set_int("group", 3);
    n.set_ints("pads", {1, 1, 1, 1});
    std::vector<float> want = reference(g);
    std::vector<float> got(want.size()), plane(27 * 7, 9.0f);  // stale values must not leak in
    kiln::depthwise2d_padded<3, 25, 5, 3, 3, 25, 5, 1, 1, 1, 1, 1, 1>(
        g.tensor("x").as<float>(), g.tensor("w").as<float>(), g.tensor("b").as<float>(), plane.data(), got.data(),
        kiln::ActNone{});
    check_close(got, want);
    std::vector<float> xy = test::values(g.tensor("x"));
    kiln::depthwise2d_padded<3, 25, 5, 3, 3, 25, 5, 1, 1, 1, 1, 1, 1>(
        xy.data(), g.tensor("w").as<float>(), g.tensor("b").as<float>(), plane.data(), xy.data(), kiln::ActNone{});
    check_close(xy, want);
  }
  SECTION("stride 2, asymmetric pads, dilation 2 in width, odd rows, in place") {
    Graph g;
    Node& n = conv_graph(g, {1, 5, 11, 10}, {5, 1, 3, 3});
    n.set_int("group", 5);
    n.set_ints("strides", {2, 2});
    n.set_ints("dilations", {1, 2});
    n.set_ints("pads", {0, 2, 1, 1});
    std::vector<float> want = reference(g);
    REQUIRE(g.tensor("y").shape == Shape{1, 5, 5, 5});
    // HP = 4 * 2 + 2 + 1 = 11, WP = 4 * 2 + 4 + 1 = 13.
    std::vector<float> xy = test::values(g.tensor("x")), plane(11 * 13);
    kiln::depthwise2d_padded<5, 11, 10, 3, 3, 5, 5, 2, 2, 0, 2, 1, 2>(
        xy.data(), g.tensor("w").as<float>(), g.tensor("b").as<float>(), plane.data(), xy.data(), kiln::ActNone{});
    xy.resize(want.size());
    check_close(xy, want);
  }
}

TEST_CASE("the bit-pattern Relu and Clip(0, hi) agree with ActMin and ActClamp on numbers", "[ops][nn][blocked]") {
  const float values[] = {-1e30f, -6.5f, -1.0f, -1e-40f, -0.0f, 0.0f, 1e-40f, 1e-7f, 0.5f, 5.999999f, 6.0f,
                          6.000001f, 1e30f, __builtin_inff(), -__builtin_inff()};
  for (float v : values) {
    CHECK(kiln::ActReluBits{}(v) == kiln::ActMin{0.0f}(v));
    CHECK(kiln::ActClampBits{6.0f}(v) == kiln::ActClamp{0.0f, 6.0f}(v));
  }
  CHECK_FALSE(std::signbit(kiln::ActReluBits{}(-0.0f)));
}

TEST_CASE("Conv runs small depthwise images through the padded plane, with the plane as scratch",
          "[ops][nn][blocked]") {
  Graph g;
  Node& n = conv_graph(g, {1, 4, 6, 6}, {4, 1, 3, 3});
  n.set_int("group", 4);
  n.set_ints("pads", {1, 1, 1, 1});
  n.set_string("kiln_act", "Clip");
  n.set_float("kiln_act_lo", 0.0f);
  n.set_float("kiln_act_hi", 6.0f);
  std::string code = emit_for(g, "cortex-m4");
  CHECK_THAT(code, Catch::Contains("kiln::depthwise2d_padded<4, 6, 6, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1>"));
  CHECK_THAT(code, Catch::Contains("kiln::ActClampBits{6.0f}"));
  CHECK(g.nodes[0].attr_int("kiln_scratch_bytes", 0) == 8 * 8 * 4);
  Graph h;  // 24x24: nearly every output is inside, the border runs checked, no scratch
  conv_graph(h, {1, 4, 24, 24}, {4, 1, 3, 3}).set_int("group", 4);
  h.nodes[0].set_ints("pads", {1, 1, 1, 1});
  CHECK_THAT(emit_for(h, "cortex-m4"), Catch::Contains("kiln::depthwise2d_blocked<4, 24, 24"));
  CHECK(h.nodes[0].attr_int("kiln_scratch_bytes", 0) == 0);
}

TEST_CASE("a row buffer that fits below the arena's peak is kept, and the arena holds it", "[ops][nn][blocked][memory]") {
  // x [2x6x6] -> 3x3 conv -> t [4x6x6] -> 1x1 conv -> y [16x6x6]: the peak (t and y) is at the
  // pointwise step, so the first convolution's row buffer fits beside x and t.
  Graph g;
  g.opset = 17;
  test::add_input(g, "x", {1, 2, 6, 6});
  test::add_const(g, "w1", {4, 2, 3, 3}, noise(72, 7));
  test::add_const(g, "w2", {16, 4, 1, 1}, noise(64, 8));
  test::add_node(g, "Conv", {"x", "w1"}, {"t"}, "c1").set_ints("pads", {1, 1, 1, 1});
  test::add_node(g, "Conv", {"t", "w2"}, {"y"}, "c2");
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  PassContext ctx;
  ctx.target = find_target("cortex-m4");
  PassResult r = run_plan_memory(g, ctx);
  REQUIRE(r.status.is_ok());
  CHECK(r.stats["arena-bytes"] == r.stats["liveness-bound"]);
  const int64_t scratch = g.nodes[0].attr_int("kiln_scratch_bytes", 0);
  CHECK(scratch == 2 * 3 * 8 * 4);
  ModuleOptions opt;
  opt.name = "m";
  auto mod = write_module(g, *ctx.target, opt);
  REQUIRE(mod.has_value());
  CHECK(static_cast<int64_t>(mod->arena_bytes) >= g.nodes[0].attr_int("kiln_scratch_offset", -1) + scratch);
  CHECK_THAT(mod->files.at("m.cpp"), Catch::Contains("kiln::conv2d_blocked<2, 6, 6, 4, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1>"));
}

TEST_CASE("conv2d_blocked_direct (no row buffer) matches the reference on ragged shapes", "[ops][nn][blocked]") {
  // (Every check_conv2d_blocked runs it too.)
  SECTION("dilation 2, wide pads (rows with one kernel row inside), 9 outputs, fused clamp") {
    Graph g;
    Node& n = conv_graph(g, {1, 3, 9, 13}, {9, 3, 3, 3});
    n.set_ints("dilations", {2, 2});
    n.set_ints("pads", {3, 1, 3, 2});
    n.set_string("kiln_act", "Clip");
    n.set_float("kiln_act_lo", 0.0f);
    n.set_float("kiln_act_hi", 0.5f);
    check_conv2d_blocked<3, 9, 13, 9, 3, 3, 11, 12, 1, 1, 3, 1, 2, 2>(g, kiln::ActClampBits{0.5f});
  }
}

TEST_CASE("plan-memory drops a row buffer that would raise the arena and Conv runs the direct variant",
          "[ops][nn][blocked][memory]") {
  // x -> conv a (3x3, pad 1) -> conv b (3x3, pad 1) -> y: both steps hold two 8x12x12 tensors, the
  // liveness bound; every row buffer would add to it.
  Graph g;
  g.opset = 17;
  test::add_input(g, "x", {1, 8, 12, 12});
  test::add_const(g, "wa", {8, 8, 3, 3}, noise(576, 7));
  test::add_const(g, "wb", {8, 8, 3, 3}, noise(576, 8));
  test::add_node(g, "Conv", {"x", "wa"}, {"a"}, "ca").set_ints("pads", {1, 1, 1, 1});
  test::add_node(g, "Conv", {"a", "wb"}, {"y"}, "cb").set_ints("pads", {1, 1, 1, 1});
  g.outputs = {"y"};
  REQUIRE(infer_graph(g, false).is_ok());
  PassContext ctx;
  ctx.target = find_target("cortex-m4");
  PassResult r = run_plan_memory(g, ctx);
  REQUIRE(r.status.is_ok());
  CHECK(r.stats["arena-bytes"] == r.stats["liveness-bound"]);
  CHECK(r.stats["optional-scratch-dropped"] == 2);
  ModuleOptions opt;
  opt.name = "m";
  auto mod = write_module(g, *ctx.target, opt);
  REQUIRE(mod.has_value());
  CHECK_THAT(mod->files.at("m.cpp"), Catch::Contains("kiln::conv2d_blocked_direct<8, 12, 12, 8, 3, 3"));
}

namespace {

// y = act(alpha * (a . b) + beta * c) for a [M, K], b [K, N], c [N], in double.
std::vector<float> gemm_reference(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& c,
                                  int M, int N, int K, float alpha, float beta) {
  std::vector<float> y(static_cast<size_t>(M * N));
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double s = 0.0;
      for (int k = 0; k < K; ++k) s += static_cast<double>(a[m * K + k]) * b[k * N + n];
      y[m * N + n] = static_cast<float>(alpha * s + beta * c[n]);
    }
  return y;
}

// gemm_nt_blocked<M, N, K> on b [K, N] packed (transposed, rows by four) as the Gemm emitter does.
template <int M, int N, int K>
void check_gemm_blocked(uint32_t seed, float alpha, float beta) {
  std::vector<float> a = noise(M * K, seed), b = noise(K * N, seed + 1), c = noise(N, seed + 2);
  Graph g;
  test::add_const(g, "b", {K, N}, b);
  std::vector<float> bp = test::values(pack_rows4(transpose_last2(g.tensor("b"), "bt"), N, "bp")), got(M * N);
  kiln::gemm_nt_blocked<M, N, K, K, 1, 0, 1>(a.data(), bp.data(), c.data(), alpha, beta, got.data(), kiln::ActNone{});
  check_close(got, gemm_reference(a, b, c, M, N, K, alpha, beta));
}

}  // namespace

TEST_CASE("gemm_nt_blocked matches the reference on one row and several, any K mod 4 and N mod 8",
          "[ops][nn][blocked]") {
  check_gemm_blocked<1, 8, 1>(11, 1.0f, 1.0f);     // K < 4: the single steps only
  check_gemm_blocked<1, 9, 3>(12, 1.0f, 1.0f);     // one block of eight and a single row
  check_gemm_blocked<1, 17, 13>(13, 0.5f, 2.0f);   // two blocks and a row, K % 4 = 1
  check_gemm_blocked<1, 20, 6>(14, 1.0f, 0.0f);    // a block of four after the eights, K % 4 = 2
  check_gemm_blocked<3, 10, 8>(15, 1.0f, 1.0f);    // several rows of a, K % 4 = 0
  check_gemm_blocked<2, 16, 131>(16, 1.0f, 1.0f);  // long K, K % 4 = 3
}

TEST_CASE("conv2d_blocked matches the reference on rows of one to five taps at strides 1 and 2", "[ops][nn][blocked]") {
  SECTION("1x1 at stride 2, 9 outputs") {
    Graph g;
    conv_graph(g, {1, 5, 7, 9}, {9, 5, 1, 1}).set_ints("strides", {2, 2});
    check_conv2d_blocked<5, 7, 9, 9, 1, 1, 4, 5, 2, 2, 0, 0, 1, 1>(g, kiln::ActNone{});
  }
  SECTION("5x5 at stride 2, pads on every side, fused Relu") {
    Graph g;
    Node& n = conv_graph(g, {1, 3, 9, 11}, {6, 3, 5, 5});
    n.set_ints("strides", {2, 2});
    n.set_ints("pads", {2, 1, 2, 2});
    n.set_string("kiln_act", "Relu");
    n.set_float("kiln_act_lo", 0.0f);
    check_conv2d_blocked<3, 9, 11, 6, 5, 5, 5, 5, 2, 2, 2, 1, 1, 1>(g, kiln::ActReluBits{});
  }
  SECTION("2x4 dilated in width, 4 outputs, 7-pixel rows") {
    Graph g;
    Node& n = conv_graph(g, {1, 2, 6, 13}, {4, 2, 2, 4});
    n.set_ints("dilations", {1, 2});
    n.set_ints("pads", {0, 1, 1, 0});
    check_conv2d_blocked<2, 6, 13, 4, 2, 4, 6, 8, 1, 1, 0, 1, 1, 2>(g, kiln::ActNone{});
  }
}

TEST_CASE("pointwise_blocked matches the reference with one input channel and an odd count", "[ops][nn][blocked]") {
  for (int C : {1, 3}) {
    Graph g;
    conv_graph(g, {1, C, 4, 5}, {9, C, 1, 1});
    std::vector<float> want = reference(g);
    std::vector<float> got(want.size()), wp = packed(g, "w", 9);
    if (C == 1)
      kiln::pointwise_blocked<9, 1, 20>(g.tensor("x").as<float>(), wp.data(), g.tensor("b").as<float>(), got.data(),
                                        kiln::ActNone{});
    else
      kiln::pointwise_blocked<9, 3, 20>(g.tensor("x").as<float>(), wp.data(), g.tensor("b").as<float>(), got.data(),
                                        kiln::ActNone{});
    check_close(got, want);
  }
}
