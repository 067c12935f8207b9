// prune-channels (passes/prune_channels.cpp): every rewrite is checked against kiln's reference
// evaluation of the graph before the pass.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>

#include "compiler/driver/compile.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/infer.h"
#include "compiler/ops/quant_util.h"
#include "passes/passes.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

std::vector<float> ramp(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = std::sin(0.37f * static_cast<float>(i)) * 2.0f;
  return v;
}

// Output bytes of the reference evaluation with input 0 filled from `x` (converted to its type).
std::vector<uint8_t> run(Graph g, const std::vector<float>& x) {
  Tensor& in = g.tensor(g.inputs[0]);
  in.alloc();
  for (int64_t i = 0; i < in.numel(); ++i) {
    const float v = x[static_cast<size_t>(i) % x.size()];
    if (in.dtype == DType::kInt8) in.as_mut<int8_t>()[i] = static_cast<int8_t>(std::lround(v * 60.0f));
    else in.as_mut<float>()[i] = v;
  }
  REQUIRE(eval_graph(g).is_ok());
  return g.tensor(g.outputs[0]).data;
}

std::vector<float> as_floats(const std::vector<uint8_t>& b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), v.size() * 4);
  return v;
}

// Runs prune-channels (then dce); checks that the outputs are unchanged: bit for bit unless a
// float constant was folded into a bias (a reassociated sum: within rounding).
PassResult prune(Graph& g, bool exact = true) {
  std::vector<float> x = ramp(g.tensor(g.inputs[0]).numel());
  const Shape out_shape = g.tensor(g.outputs[0]).shape;
  std::vector<uint8_t> before = run(g, x);
  PassResult r = run_prune_channels(g, PassContext{});
  REQUIRE(r.status.is_ok());
  REQUIRE(run_dce(g, PassContext{}).status.is_ok());
  CHECK(g.tensor(g.outputs[0]).shape == out_shape);
  std::vector<uint8_t> after = run(g, x);
  REQUIRE(after.size() == before.size());
  if (exact) {
    CHECK(after == before);
  } else {
    std::vector<float> a = as_floats(after), b = as_floats(before);
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-5));
  }
  return r;
}

const Shape& shape(const Graph& g, const std::string& node, size_t input) {
  for (const Node& n : g.nodes)
    if (n.name == node) return g.tensor(n.inputs[input]).shape;
  FAIL("no node " << node);
  static Shape none;
  return none;
}

const Node& node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  return g.nodes[0];
}

// A float convolution: weights from `w` (cycled), bias `b`, optional fused Relu.
void conv(Graph& g, const std::string& name, const std::string& x, const std::string& y, Shape wshape,
          std::vector<float> w, std::vector<float> b, int64_t group = 1, int64_t pad = 0, bool relu = true) {
  std::vector<float> wv(static_cast<size_t>(shape_numel(wshape)));
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = w[i % w.size()];
  test::add_const(g, name + "_W", wshape, wv);
  test::add_const(g, name + "_B", {wshape[0]}, b);
  Node& n = test::add_node(g, "Conv", {x, name + "_W", name + "_B"}, {y}, name);
  n.set_int("group", group);
  if (pad) n.set_ints("pads", {pad, pad, pad, pad});
  if (relu) {
    n.set_string("kiln_act", "Relu");
    n.set_float("kiln_act_lo", 0.0f);
    n.set_float("kiln_act_hi", std::numeric_limits<float>::infinity());
  }
}

// Zeroes output channel m of a float conv's weights.
void kill(Graph& g, const std::string& conv_name, int64_t m) {
  Tensor& w = g.tensor(conv_name + "_W");
  const int64_t per = w.numel() / w.shape[0];
  for (int64_t i = 0; i < per; ++i) w.as_mut<float>()[m * per + i] = 0.0f;
}

Graph finish(Graph& g, const std::string& out) {
  g.outputs = {out};
  g.opset = 13;
  REQUIRE(infer_graph(g, false).is_ok());
  return g;
}

const std::vector<float> kW = {0.5f, -0.25f, 0.75f, 0.3f, -0.6f, 0.2f, 0.9f, -0.4f, 0.1f, 0.35f, -0.15f};

}  // namespace

TEST_CASE("prune-channels removes dead channels through depthwise and pointwise chains", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 3, 5, 5});
  // pw1: channels 1 and 2 have zero weights; their biases are negative: Relu makes them 0.
  conv(g, "pw1", "x", "a", {4, 3, 1, 1}, kW, {0.1f, -0.5f, -1.0f, 0.2f});
  kill(g, "pw1", 1);
  kill(g, "pw1", 2);
  // dw: its channel 1 reads zeros and has a negative bias (dead again); channel 2 has a positive
  // bias, a constant 0.7 everywhere that pw2 folds into its bias.
  conv(g, "dw", "a", "b", {4, 1, 3, 3}, kW, {0.05f, -0.2f, 0.7f, 0.1f}, 4, 1);
  conv(g, "pw2", "b", "y", {2, 4, 1, 1}, kW, {0.3f, -0.1f}, 1, 0, false);
  finish(g, "y");
  PassResult r = prune(g, false);
  CHECK(r.stats["constants-folded"] == 1);
  CHECK(shape(g, "pw1", 1) == Shape{2, 3, 1, 1});
  CHECK(shape(g, "dw", 1) == Shape{2, 1, 3, 3});
  CHECK(node(g, "dw").attr_int("group", 0) == 2);
  CHECK(shape(g, "pw2", 1) == Shape{2, 2, 1, 1});
  CHECK(g.tensor("b").shape == Shape{1, 2, 5, 5});
}

TEST_CASE("prune-channels removes a depthwise channel whose weights are zero", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 3, 4, 4});
  conv(g, "pw1", "x", "a", {4, 3, 1, 1}, kW, {0.1f, 0.2f, 0.3f, 0.4f});
  conv(g, "dw", "a", "b", {4, 1, 3, 3}, kW, {0.05f, -0.2f, 0.7f, 0.1f}, 4, 1);
  kill(g, "dw", 1);  // bias -0.2 after Relu: zero, whatever pw1 computes
  conv(g, "pw2", "b", "y", {2, 4, 1, 1}, kW, {0.3f, -0.1f}, 1, 0, false);
  finish(g, "y");
  prune(g);
  // pw1's channel 1 is read by nothing else: it goes too.
  CHECK(shape(g, "pw1", 1) == Shape{3, 3, 1, 1});
  CHECK(shape(g, "dw", 1) == Shape{3, 1, 3, 3});
  CHECK(shape(g, "pw2", 1) == Shape{2, 3, 1, 1});
}

TEST_CASE("prune-channels keeps a non-zero constant that a padded convolution reads", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 4, 4});
  conv(g, "c1", "x", "a", {3, 2, 1, 1}, kW, {0.1f, 0.5f, 0.3f});
  kill(g, "c1", 1);  // constant 0.5: at the borders the 3x3 window sees padding instead
  conv(g, "c2", "a", "y", {2, 3, 3, 3}, kW, {0.0f, 0.1f}, 1, 1, false);
  finish(g, "y");
  PassResult r = prune(g);
  CHECK(!r.changed);
  CHECK(shape(g, "c2", 1) == Shape{2, 3, 3, 3});
}

TEST_CASE("prune-channels folds a constant into an unpadded 3x3 convolution's bias", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 5, 5});
  conv(g, "c1", "x", "a", {3, 2, 1, 1}, kW, {0.1f, 0.5f, -0.3f});
  kill(g, "c1", 1);  // constant 0.5, folded
  kill(g, "c1", 2);  // constant 0 (Relu of -0.3), dropped
  conv(g, "c2", "a", "y", {2, 3, 3, 3}, kW, {0.0f, 0.1f}, 1, 0, false);
  finish(g, "y");
  PassResult r = prune(g, false);
  CHECK(r.stats["constants-folded"] == 1);
  CHECK(shape(g, "c2", 1) == Shape{2, 1, 3, 3});
}

TEST_CASE("prune-channels removes a residual Add's channel only when it is dead in every input", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 3, 3});
  conv(g, "l", "x", "a", {4, 2, 1, 1}, kW, {-0.1f, -0.2f, -0.3f, 0.4f});
  conv(g, "r", "x", "b", {4, 2, 1, 1}, kW, {-0.5f, -0.6f, -0.7f, 0.8f});
  kill(g, "l", 0);
  kill(g, "r", 0);  // channel 0: dead in both inputs
  kill(g, "l", 1);  // channel 1: dead on the left only
  kill(g, "r", 2);  // channel 2: dead on the right only
  test::add_node(g, "Add", {"a", "b"}, {"s"}, "add");
  conv(g, "out", "s", "y", {2, 4, 1, 1}, kW, {0.0f, 0.0f}, 1, 0, false);
  finish(g, "y");
  PassResult r = prune(g);
  CHECK(r.stats["channels-removed"] == 2);  // channel 0 of l and of r
  CHECK(shape(g, "l", 1) == Shape{3, 2, 1, 1});
  CHECK(shape(g, "r", 1) == Shape{3, 2, 1, 1});
  CHECK(shape(g, "out", 1) == Shape{2, 3, 1, 1});
}

TEST_CASE("prune-channels maps Concat inputs' channels onto the output's", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 3, 3});
  conv(g, "l", "x", "a", {3, 2, 1, 1}, kW, {0.1f, -0.2f, 0.3f});
  conv(g, "r", "x", "b", {2, 2, 1, 1}, kW, {-0.5f, 0.6f});
  kill(g, "l", 1);
  kill(g, "r", 0);
  Node& c = test::add_node(g, "Concat", {"a", "b"}, {"cat"}, "cat");
  c.set_int("axis", 1);
  Tensor& w = test::add_const(g, "out_W", {2, 5, 1, 1}, kW);
  w.as_mut<float>()[1] = 5.0f;  // weights that read the dead channels (1 and 3 of cat)
  w.as_mut<float>()[3] = -7.0f;
  test::add_node(g, "Conv", {"cat", "out_W"}, {"y"}, "out");
  finish(g, "y");
  prune(g);
  CHECK(shape(g, "l", 1) == Shape{2, 2, 1, 1});
  CHECK(shape(g, "r", 1) == Shape{1, 2, 1, 1});
  CHECK(g.tensor("cat").shape == Shape{1, 3, 3, 3});
  const Tensor& ow = g.tensor(node(g, "out").inputs[1]);
  CHECK(test::values(ow) == std::vector<float>{kW[0], kW[2], kW[4], kW[5], kW[7], kW[9]});
}

TEST_CASE("prune-channels removes Gemm rows behind a flattened feature map", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 2, 2});
  conv(g, "c", "x", "a", {3, 2, 1, 1}, kW, {0.1f, -0.2f, 0.4f});
  kill(g, "c", 1);  // zero: its 4 columns of the flattened map go
  kill(g, "c", 2);  // 0.4: folded into the Gemm's bias
  test::add_node(g, "Flatten", {"a"}, {"f"}, "flat");
  std::vector<float> fc(12 * 3);
  for (size_t i = 0; i < fc.size(); ++i) fc[i] = kW[i % kW.size()] * static_cast<float>(1 + i % 3);
  test::add_const(g, "fc_W", {12, 3}, fc);
  test::add_const(g, "fc_C", {3}, {0.5f, -0.5f, 0.25f});
  test::add_node(g, "Gemm", {"f", "fc_W", "fc_C"}, {"y"}, "fc");
  finish(g, "y");
  PassResult r = prune(g, false);
  CHECK(r.stats["constants-folded"] == 1);
  CHECK(g.tensor("f").shape == Shape{1, 4});
  CHECK(shape(g, "fc", 1) == Shape{4, 3});
}

TEST_CASE("prune-channels follows channels through BatchNormalization, pooling and Reshape", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 4, 4});
  conv(g, "c", "x", "a", {3, 2, 1, 1}, kW, {0.1f, -0.2f, 0.4f}, 1, 0, false);
  kill(g, "c", 1);  // -0.2, normalised to exactly 0 below
  test::add_const(g, "bn_s", {3}, {1.5f, 2.0f, 0.5f});
  test::add_const(g, "bn_b", {3}, {0.1f, 0.0f, -0.2f});
  test::add_const(g, "bn_m", {3}, {0.0f, -0.2f, 0.1f});
  test::add_const(g, "bn_v", {3}, {1.0f, 1.0f, 2.0f});
  test::add_node(g, "BatchNormalization", {"a", "bn_s", "bn_b", "bn_m", "bn_v"}, {"n"}, "bn");
  test::add_node(g, "GlobalAveragePool", {"n"}, {"p"}, "gap");
  Tensor& s = test::add_tensor(g, "shape", {2}, DType::kInt64);
  s.is_const = true;
  s.alloc();
  s.as_mut<int64_t>()[0] = 1;
  s.as_mut<int64_t>()[1] = 3;
  test::add_node(g, "Reshape", {"p", "shape"}, {"f"}, "reshape");
  test::add_const(g, "fc_W", {3, 2}, kW);
  test::add_node(g, "MatMul", {"f", "fc_W"}, {"y"}, "fc");
  finish(g, "y");
  prune(g);
  CHECK(g.tensor("n").shape == Shape{1, 2, 4, 4});
  CHECK(g.tensor("f").shape == Shape{1, 2});
  CHECK(shape(g, "fc", 1) == Shape{2, 2});
}

TEST_CASE("prune-channels keeps a graph output's channels and does nothing with prune off", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 3, 3});
  conv(g, "c", "x", "y", {3, 2, 1, 1}, kW, {0.1f, -0.2f, 0.4f});
  kill(g, "c", 1);
  finish(g, "y");
  CHECK(!prune(g).changed);
  conv(g, "c2", "y", "z", {2, 3, 1, 1}, kW, {0.0f, 0.0f}, 1, 0, false);
  finish(g, "z");
  PassContext off;
  off.prune = false;
  CHECK(!run_prune_channels(g, off).changed);
  CHECK(prune(g).changed);
}

// ---- int8 (the graphs passes/fold_qdq produces) ----

namespace {

Tensor& i8_const(Graph& g, const std::string& name, Shape s, const std::vector<int32_t>& v, DType t = DType::kInt8) {
  Tensor& x = test::add_tensor(g, name, std::move(s), t);
  x.is_const = true;
  x.alloc();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int32_t e = v[static_cast<size_t>(i) % v.size()];
    if (t == DType::kInt8) x.as_mut<int8_t>()[i] = static_cast<int8_t>(e);
    else x.as_mut<int32_t>()[i] = e;
  }
  return x;
}

// QLinearConv with per-channel weight scales `ws`; its output scale 0.05, zero point -128 (a
// Relu folded into the int8 range) and a Relu clamp as fold_qdq records it.
void qconv(Graph& g, const std::string& name, const std::string& x, const std::string& y, Shape wshape,
           const std::vector<int32_t>& w, const std::vector<int32_t>& b, const std::vector<float>& ws, int64_t group = 1,
           int64_t pad = 0) {
  const int64_t M = wshape[0];
  i8_const(g, name + "_W", wshape, w);
  test::add_const(g, name + "_ws", {M}, ws);
  i8_const(g, name + "_wz", {M}, {0});
  i8_const(g, name + "_B", {M}, b, DType::kInt32);
  test::add_const(g, name + "_ys", {}, {0.05f});
  i8_const(g, name + "_yz", {}, {-128});
  test::add_const(g, name + "_xs", {}, {0.04f});
  i8_const(g, name + "_xz", {}, {-128});
  Node& n = test::add_node(g, "QLinearConv",
                           {x, name + "_xs", name + "_xz", name + "_W", name + "_ws", name + "_wz", name + "_ys",
                            name + "_yz", name + "_B"},
                           {y}, name);
  n.set_int("group", group);
  if (pad) n.set_ints("pads", {pad, pad, pad, pad});
  n.set_string("kiln_act", "Clip");
  n.set_float("kiln_act_lo", 0.0f);
  n.set_float("kiln_act_hi", std::numeric_limits<float>::infinity());
}

void kill_q(Graph& g, const std::string& name, int64_t m) {
  Tensor& w = g.tensor(name + "_W");
  const int64_t per = w.numel() / w.shape[0];
  for (int64_t i = 0; i < per; ++i) w.as_mut<int8_t>()[m * per + i] = 0;
}

const std::vector<int32_t> kQ = {17, -40, 63, 5, -90, 33, 127, -8, 71, -128, 22};

}  // namespace

// x -> pw1 -> dw -> pw2 in int8. pw1's channels 1 and 2 are dead. Channel 1 has weight scale
// 1.0, as a QDQ exporter leaves dead channels; that spreads the layer's shifts apart (each channel
// its own shift). Its bias is negative (output = zero point); channel 2's is positive (a constant
// above it). dw reads pw1's zero channel 1 (pads 1: fine, the input equals the padding) and keeps
// the constant channel 2 (padded); its channel 3 has zero weights and a bias giving a non-zero
// constant that pw2 folds. `ws0` is pw1's channel 0 weight scale.
Graph int8_chain(float ws0) {
  Graph g;
  Tensor& x = test::add_input(g, "x", {1, 3, 5, 5});
  x.dtype = DType::kInt8;
  x.quant.scale = {0.04f};
  x.quant.zero_point = {-128};
  qconv(g, "pw1", "x", "a", {5, 3, 1, 1}, kQ, {300, -900, 700, -50, 120}, {ws0, 1.0f, 0.005f, 0.006f, 0.005f});
  kill_q(g, "pw1", 1);
  kill_q(g, "pw1", 2);
  qconv(g, "dw", "a", "b", {5, 1, 3, 3}, kQ, {100, 40, -30, 800, 10}, {0.005f, 0.006f, 0.004f, 0.007f, 0.003f}, 5, 1);
  kill_q(g, "dw", 3);
  qconv(g, "pw2", "b", "y", {4, 5, 1, 1}, kQ, {50, -60, 70, -80}, {0.003f, 0.005f, 0.004f, 0.006f});
  finish(g, "y");
  return g;
}

TEST_CASE("prune-channels removes int8 channels bit-exactly", "[passes][prune]") {
  Graph g = int8_chain(0.004f);
  PassResult r = prune(g);
  CHECK(r.stats["constants-folded"] == 1);
  CHECK(shape(g, "pw1", 3) == Shape{3, 3, 1, 1});  // 1 (zero) and 3 (read only by dw's channel 3)
  CHECK(shape(g, "dw", 3) == Shape{3, 1, 3, 3});
  CHECK(shape(g, "pw2", 3) == Shape{4, 3, 1, 1});
  // Without channel 1 the remaining channels of pw1 share a shift; with these scales that
  // requantizes every accumulator as before, so the layer gets the new encoding.
  CHECK(r.stats["multipliers-reencoded"] == 2);
  CHECK(!node(g, "pw1").has_attr("kiln_shift_hull"));
}

TEST_CASE("prune-channels keeps an int8 layer's multipliers where a new encoding would round differently",
          "[passes][prune]") {
  // Channel 0's multiplier 0.04 * ws0 / 0.05 loses its last bit in the shared-shift form, which
  // moves one output step's threshold.
  Graph g = int8_chain(0.004019369836896658f);
  PassResult r = prune(g);
  CHECK(shape(g, "pw1", 3) == Shape{3, 3, 1, 1});
  const std::vector<int64_t> hull = node(g, "pw1").attr_ints("kiln_shift_hull");
  REQUIRE(hull.size() == 2);
  CHECK(hull[1] - hull[0] > 6);  // channel 1's scale 1.0 still counts: each channel keeps its own shift
}

// The published MLPerf Tiny VWW model: 971 output channels with all-zero weights.
TEST_CASE("prune-channels halves VWW MobileNet's MACs without changing its outputs", "[.][prune-vww]") {
  const std::string model = std::string(KILN_SOURCE_DIR) + "/../shared/models/mlperf-tiny/vww_mobilenetv1_qdq.onnx";
  if (!std::filesystem::exists(model)) {
    WARN("KILN_SKIP: " << model << " is absent");
    return;
  }
  CompileOptions o;
  o.model_path = model;
  auto dense_o = o;
  dense_o.prune = false;
  auto pruned = compile_model(o);
  auto dense = compile_model(dense_o);
  REQUIRE(static_cast<bool>(pruned));
  REQUIRE(static_cast<bool>(dense));
  CHECK(dense->total_macs > 7400000);
  CHECK(pruned->total_macs <= 3800000);
  // int8 weight bytes of the convolutions and the Gemm (the int8 constants)
  auto int8_bytes = [](const Graph& g) {
    int64_t s = 0;
    for (const auto& kv : g.tensors)
      if (kv.second.is_const && kv.second.dtype == DType::kInt8 && kv.second.numel() > 1) s += kv.second.numel();
    return s;
  };
  CHECK(int8_bytes(pruned->graph) * 4 <= int8_bytes(dense->graph));
  // Outputs: the reference evaluation of both compiled graphs (what the generated code computes
  // bit for bit) on a few inputs.
  for (int k = 0; k < 3; ++k) {
    std::vector<uint8_t> outs[2];
    Graph* gs[2] = {&pruned->graph, &dense->graph};
    for (int i = 0; i < 2; ++i) {
      Graph& g = *gs[i];
      Tensor& in = g.tensor(g.inputs[0]);
      in.alloc();
      for (int64_t e = 0; e < in.numel(); ++e)
        in.as_mut<float>()[e] = std::fmod(std::fabs(std::sin(0.013f * static_cast<float>(e * (k + 1)) + static_cast<float>(k))) * 255.0f, 256.0f) / 255.0f;
      REQUIRE(eval_graph(g).is_ok());
      outs[i] = g.tensor(g.outputs[0]).data;
    }
    CHECK(outs[0] == outs[1]);
  }
}

// ---- prune-lossy (opt-in) ----

namespace {

int64_t zeros(const Graph& g, const std::string& node_name, size_t input = 1) {
  const Tensor& w = g.tensor(node(g, node_name).inputs[input]);
  int64_t z = 0;
  for (int64_t i = 0; i < w.numel(); ++i) z += w.float_at(i) == 0.0;
  return z;
}

// x -> first -> mid1 -> mid2 -> last: four float convolutions, mid2's weights ten times mid1's.
Graph four_layers() {
  Graph g;
  test::add_input(g, "x", {1, 2, 4, 4});
  conv(g, "first", "x", "a", {4, 2, 1, 1}, kW, {0.1f, 0.2f, 0.3f, 0.4f});
  conv(g, "mid1", "a", "b", {4, 4, 1, 1}, kW, {0.1f, 0.2f, 0.3f, 0.4f});
  std::vector<float> big;
  for (float w : kW) big.push_back(10.0f * w);
  conv(g, "mid2", "b", "c", {4, 4, 1, 1}, big, {0.1f, 0.2f, 0.3f, 0.4f});
  conv(g, "last", "c", "y", {2, 4, 1, 1}, kW, {0.0f, 0.0f}, 1, 0, false);
  finish(g, "y");
  return g;
}

PassResult lossy(Graph& g, LossyPruneOptions o) {
  PassContext ctx;
  ctx.lossy = o;
  PassResult r = run_prune_lossy(g, ctx);
  REQUIRE(r.status.is_ok());
  return r;
}

}  // namespace

TEST_CASE("prune-lossy magnitude ranks all layers but the first and last together", "[passes][prune]") {
  Graph g = four_layers();
  LossyPruneOptions o;
  o.magnitude = 0.5;
  PassResult r = lossy(g, o);
  CHECK(r.stats["weights-zeroed"] == 16);  // half of mid1's and mid2's 32 weights
  // The small ones are all in mid1: its channels are constants now (Relu of the biases), folded
  // into mid2's bias by prune-channels; one channel stays (a tensor keeps one).
  CHECK(shape(g, "mid1", 1) == Shape{1, 4, 1, 1});
  CHECK(zeros(g, "mid1") == 4);
  CHECK(zeros(g, "mid2") == 0);
  CHECK(zeros(g, "first") == 0);
  CHECK(zeros(g, "last") == 0);
}

TEST_CASE("prune-lossy magnitude with scope=layer prunes each layer alike", "[passes][prune]") {
  Graph g = four_layers();
  LossyPruneOptions o;
  o.magnitude = 0.5;
  o.per_layer = true;
  lossy(g, o);
  CHECK(zeros(g, "mid1") == 8);
  CHECK(zeros(g, "mid2") == 8);
  // The smallest |w| went: every kept weight of mid1 is at least as large as every zeroed one.
  const Tensor& w = g.tensor(node(g, "mid1").inputs[1]);
  const Tensor& orig = g.tensor("mid1_W");
  float max_dropped = 0, min_kept = 1e9f;
  for (int64_t i = 0; i < w.numel(); ++i) {
    if (w.as<float>()[i] == 0.0f) max_dropped = std::max(max_dropped, std::fabs(orig.as<float>()[i]));
    else min_kept = std::min(min_kept, std::fabs(orig.as<float>()[i]));
  }
  CHECK(max_dropped <= min_kept);
}

TEST_CASE("prune-lossy leaves excluded layers alone and rejects unknown names", "[passes][prune]") {
  Graph g = four_layers();
  LossyPruneOptions o;
  o.magnitude = 0.5;
  o.exclude = {"mid1"};
  lossy(g, o);
  CHECK(zeros(g, "mid1") == 0);
  CHECK(zeros(g, "mid2") == 8);
  o.exclude = {"nope"};
  PassContext ctx;
  ctx.lossy = o;
  CHECK(run_prune_lossy(g, ctx).status.code() == ErrorCode::kBadOption);
}

TEST_CASE("prune-lossy channels removes the weakest filters, then prune-channels removes them", "[passes][prune]") {
  Graph g = four_layers();
  // mid1's filter 2 is the weakest
  Tensor& w = g.tensor("mid1_W");
  for (int64_t i = 8; i < 12; ++i) w.as_mut<float>()[i] *= 0.01f;
  LossyPruneOptions o;
  o.channels = 0.25;
  PassResult r = lossy(g, o);
  CHECK(r.stats["channels-zeroed"] == 2);  // one of mid1's 4, one of mid2's 4
  REQUIRE(run_prune_channels(g, PassContext{}).status.is_ok());
  CHECK(shape(g, "mid1", 1) == Shape{3, 4, 1, 1});
  CHECK(shape(g, "mid2", 1)[0] == 3);
  CHECK(shape(g, "mid2", 1)[1] == 3);  // mid1's channel 2 is gone from mid2's input
  const Tensor& w1 = g.tensor(node(g, "mid1").inputs[1]);
  for (int64_t i = 0; i < w1.numel(); ++i) CHECK(std::fabs(w1.as<float>()[i]) > 0.05f);  // filter 2 (x0.01) went
}

TEST_CASE("prune-lossy channels removes a residual Add's channel in every branch at once", "[passes][prune]") {
  Graph g;
  test::add_input(g, "x", {1, 2, 3, 3});
  conv(g, "first", "x", "x1", {2, 2, 1, 1}, kW, {0.1f, 0.2f});
  conv(g, "l", "x1", "a", {4, 2, 1, 1}, kW, {0.1f, 0.2f, 0.3f, 0.4f});
  conv(g, "r", "x1", "b", {4, 2, 1, 1}, kW, {0.5f, 0.6f, 0.7f, 0.8f});
  test::add_node(g, "Add", {"a", "b"}, {"s"}, "add");
  conv(g, "last", "s", "y", {2, 4, 1, 1}, kW, {0.0f, 0.0f}, 1, 0, false);
  finish(g, "y");
  LossyPruneOptions o;
  o.channels = 0.5;
  PassResult r = lossy(g, o);
  CHECK(r.stats["channels-zeroed"] == 2);  // classes {l_c, r_c}: 2 of 4
  REQUIRE(run_prune_channels(g, PassContext{}).status.is_ok());
  CHECK(shape(g, "l", 1) == Shape{2, 2, 1, 1});
  CHECK(shape(g, "r", 1) == Shape{2, 2, 1, 1});
  CHECK(g.tensor("s").shape == Shape{1, 2, 3, 3});
}

// ---- zero-aware weights (compiler/ops/sparse_util.h) ----

TEST_CASE("sparse pointwise convolutions are emitted as CSR, dense ones stay dense", "[passes][prune][sparse]") {
  const std::string dir = std::string(KILN_SOURCE_DIR);
  for (const char* m : {"sparse_float", "sparse_int8"}) {
    CompileOptions o;
    o.model_path = dir + "/tests/e2e/sparse/" + m + ".onnx";
    auto r = compile_model(o);
    REQUIRE(static_cast<bool>(r));
    const std::string& code = r->module.files.at(std::string(m) + ".cpp");
    const char* kernel = std::string(m) == "sparse_float" ? "kiln::conv_pointwise_csr<" : "kiln::qconv_pointwise_csr<";
    size_t uses = 0;
    for (size_t at = code.find(kernel); at != std::string::npos; at = code.find(kernel, at + 1)) ++uses;
    CHECK(uses == 2);  // both pointwise layers (25 % and 10 % dense); the 3x3 one is dense
    const char* fc = std::string(m) == "sparse_float" ? "kiln::gemm_csr<" : "kiln::qfully_connected_csr<";
    CHECK(code.find(fc) != std::string::npos);  // the Gemm, 20 % dense
    CHECK(r->module.files.count("kiln_sparse.h") == 1);
    o.sparse_weights = false;  // --dense-weights
    auto d = compile_model(o);
    REQUIRE(static_cast<bool>(d));
    CHECK(d->module.files.count("kiln_sparse.h") == 0);
    CHECK(d->module.weight_bytes > r->module.weight_bytes);
  }
  CompileOptions o;
  o.model_path = dir + "/examples/kws_dscnn/model.onnx";
  auto r = compile_model(o);
  REQUIRE(static_cast<bool>(r));
  CHECK(r->module.files.count("kiln_sparse.h") == 0);
}

// ---- random graphs: chains of pointwise, depthwise, 3x3, residual Add, Concat, pooling and a
// classifier, with dead channels and biases of both signs ----

namespace {

struct Rng {
  uint32_t s;
  uint32_t next() { return s = s * 1664525u + 1013904223u; }
  int below(int n) { return static_cast<int>((next() >> 8) % static_cast<uint32_t>(n)); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(next() >> 8) / 16777216.0f; }
};

// A conv with random weights, some output channels dead (zero weights), biases of both signs.
void random_conv(Graph& g, Rng& r, const std::string& name, const std::string& x, const std::string& y, int64_t C,
                 int64_t M, int64_t k, int64_t group, int64_t pad, bool relu) {
  std::vector<float> w(static_cast<size_t>(M * (C / group) * k * k)), b(static_cast<size_t>(M));
  for (float& v : w) v = r.uniform(-1.0f, 1.0f);
  for (float& v : b) v = r.uniform(-0.5f, 0.5f);
  conv(g, name, x, y, {M, C / group, k, k}, w, b, group, pad, relu);
  for (int64_t m = 0; m < M; ++m)
    if (r.below(100) < 40) kill(g, name, m);
}

Graph random_graph(uint32_t seed) {
  Rng r{seed};
  Graph g;
  test::add_input(g, "x", {1, 3, 6, 6});
  int64_t C = 4 + r.below(5);
  random_conv(g, r, "c0", "x", "t0", 3, C, 1 + 2 * r.below(2), 1, r.below(2), true);
  std::string cur = "t0";
  const int steps = 3 + r.below(4);
  for (int s = 1; s <= steps; ++s) {
    const std::string nm = "s" + std::to_string(s), out = "t" + std::to_string(s);
    switch (r.below(6)) {
      case 0:  // depthwise, padded or not
        random_conv(g, r, nm, cur, out, C, C, 3, C, r.below(2), r.below(3) != 0);
        break;
      case 1: {  // pointwise to a new width
        const int64_t M = 3 + r.below(6);
        random_conv(g, r, nm, cur, out, C, M, 1, 1, 0, r.below(3) != 0);
        C = M;
        break;
      }
      case 2:  // residual: two pointwise branches added
        random_conv(g, r, nm + "a", cur, out + "a", C, C, 1, 1, 0, true);
        random_conv(g, r, nm + "b", cur, out + "b", C, C, 1, 1, 0, r.below(2) != 0);
        test::add_node(g, "Add", {out + "a", out + "b"}, {out}, nm);
        break;
      case 3: {  // two pointwise branches concatenated
        const int64_t A = 2 + r.below(3), B = 2 + r.below(3);
        random_conv(g, r, nm + "a", cur, out + "a", C, A, 1, 1, 0, true);
        random_conv(g, r, nm + "b", cur, out + "b", C, B, 1, 1, 0, true);
        test::add_node(g, "Concat", {out + "a", out + "b"}, {out}, nm).set_int("axis", 1);
        C = A + B;
        break;
      }
      case 4: {  // 3x3, padded or not
        const int64_t M = 3 + r.below(4);
        random_conv(g, r, nm, cur, out, C, M, 3, 1, 1, true);
        C = M;
        break;
      }
      default: {  // max pooling that keeps the size
        Node& p = test::add_node(g, "MaxPool", {cur}, {out}, nm);
        p.set_ints("kernel_shape", {3, 3});
        p.set_ints("pads", {1, 1, 1, 1});
        break;
      }
    }
    cur = out;
  }
  test::add_node(g, "GlobalAveragePool", {cur}, {"gap"}, "gap");
  test::add_node(g, "Flatten", {"gap"}, {"flat"}, "flat");
  std::vector<float> fc(static_cast<size_t>(C * 3));
  for (float& v : fc) v = r.uniform(-1.0f, 1.0f);
  test::add_const(g, "fc_W", {C, 3}, fc);
  test::add_const(g, "fc_C", {3}, {0.1f, -0.2f, 0.3f});
  test::add_node(g, "Gemm", {"flat", "fc_W", "fc_C"}, {"y"}, "fc");
  finish(g, "y");
  return g;
}

}  // namespace

TEST_CASE("prune-channels keeps random graphs' results", "[passes][prune]") {
  int changed = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    INFO("seed " << seed);
    Graph g = random_graph(seed);
    changed += prune(g, false).changed;
    REQUIRE(verify(g).is_ok());
  }
  CHECK(changed > 40);  // most graphs have something to remove
}
