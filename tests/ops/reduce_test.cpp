#include <catch2/catch.hpp>

#include <cmath>

#include "compiler/ops/infer.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

// One node over float input x (values 0, 1, 2, ...), inferred; returns the graph.
Graph single(const std::string& op, Shape xs, int opset, std::vector<std::string> outs = {"y"}) {
  Graph g;
  g.opset = opset;
  Tensor& x = test::add_input(g, "x", xs);
  x.alloc();
  for (int64_t i = 0; i < x.numel(); ++i) x.as_mut<float>()[i] = static_cast<float>(i);
  test::add_node(g, op, {"x"}, std::move(outs), "n");
  g.outputs = {"y"};
  return g;
}

Status infer(Graph& g) { return infer_node(g, g.nodes[0]); }

std::vector<float> eval(Graph& g) {
  REQUIRE(infer(g).is_ok());
  REQUIRE(eval_node(g, g.nodes[0]).is_ok());
  return test::values(g.tensor("y"));
}

void add_int64_const(Graph& g, const std::string& name, std::vector<int64_t> v) {
  Tensor& t = test::add_tensor(g, name, {static_cast<int64_t>(v.size())}, DType::kInt64);
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size(); ++i) t.as_mut<int64_t>()[i] = v[i];
}

}  // namespace

TEST_CASE("ReduceMean over non-adjacent axes keeps the others in order", "[ops][reduce]") {
  Graph g = single("ReduceMean", {2, 3, 2}, 13);
  g.nodes[0].set_ints("axes", {0, -1});
  g.nodes[0].set_int("keepdims", 0);
  std::vector<float> y = eval(g);
  CHECK(g.tensor("y").shape == Shape{3});
  // x[a, b, c] = 6a + 2b + c; the mean over a and c is 3 + 2b + 0.5.
  CHECK(y == std::vector<float>{3.5f, 5.5f, 7.5f});
}

TEST_CASE("Reduce with keepdims leaves a 1 in every reduced axis", "[ops][reduce]") {
  Graph g = single("ReduceMax", {2, 3, 4}, 13);
  g.nodes[0].set_ints("axes", {1});
  std::vector<float> y = eval(g);
  CHECK(g.tensor("y").shape == Shape{2, 1, 4});
  CHECK(y == std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23});
}

TEST_CASE("Reduce without axes reduces every axis", "[ops][reduce]") {
  Graph g = single("ReduceSum", {2, 3}, 11);
  g.nodes[0].set_int("keepdims", 0);
  CHECK(eval(g) == std::vector<float>{15});
  CHECK(g.tensor("y").shape.empty());
}

TEST_CASE("ReduceSum-13 reads constant axes from its second input", "[ops][reduce]") {
  Graph g = single("ReduceSum", {2, 3}, 13);
  add_int64_const(g, "axes", {1});
  g.nodes[0].inputs.push_back("axes");
  CHECK(eval(g) == std::vector<float>{3, 12});
  CHECK(g.tensor("y").shape == Shape{2, 1});
}

TEST_CASE("ReduceSum-13 with empty axes and noop_with_empty_axes is the identity", "[ops][reduce]") {
  Graph g = single("ReduceSum", {2, 2}, 13);
  add_int64_const(g, "axes", {});
  g.nodes[0].inputs.push_back("axes");
  g.nodes[0].set_int("noop_with_empty_axes", 1);
  CHECK(eval(g) == std::vector<float>{0, 1, 2, 3});
  CHECK(g.tensor("y").shape == Shape{2, 2});
}

TEST_CASE("ReduceSum-13 refuses axes that are not a compile-time constant", "[ops][reduce]") {
  Graph g = single("ReduceSum", {2, 3}, 13);
  test::add_input(g, "axes", {1}).dtype = DType::kInt64;
  g.nodes[0].inputs.push_back("axes");
  CHECK(infer(g).code() == ErrorCode::kNotConstant);
}

TEST_CASE("Reduce rejects repeated and out-of-range axes", "[ops][reduce]") {
  Graph g = single("ReduceL2", {2, 3}, 13);
  g.nodes[0].set_ints("axes", {1, -1});
  CHECK(infer(g).code() == ErrorCode::kInvalidNode);
  g.nodes[0].set_ints("axes", {2});
  CHECK(infer(g).code() == ErrorCode::kInvalidNode);
}

TEST_CASE("ReduceLogSumExp stays finite for large inputs", "[ops][reduce]") {
  Graph g = single("ReduceLogSumExp", {2}, 13);
  g.tensor("x").as_mut<float>()[0] = 1000.0f;
  g.tensor("x").as_mut<float>()[1] = 1000.0f;
  std::vector<float> y = eval(g);
  CHECK(y[0] == Approx(1000.0 + std::log(2.0)));
}

TEST_CASE("Softmax before opset 13 normalises over the flattened tail", "[ops][softmax]") {
  Graph old_g = single("Softmax", {1, 2, 2}, 11);
  old_g.nodes[0].set_int("axis", 1);
  std::vector<float> y = eval(old_g);
  double s = std::exp(0.0) + std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  CHECK(y[3] == Approx(std::exp(3.0) / s));

  Graph new_g = single("Softmax", {1, 2, 2}, 13);
  new_g.nodes[0].set_int("axis", 1);
  y = eval(new_g);
  CHECK(y[3] == Approx(std::exp(3.0) / (std::exp(1.0) + std::exp(3.0))));
}

TEST_CASE("Softmax defaults to axis 1 before opset 13 and to the last axis after", "[ops][softmax]") {
  Graph old_g = single("LogSoftmax", {2, 2, 2}, 12);
  Graph new_g = single("LogSoftmax", {2, 2, 2}, 13);
  std::vector<float> a = eval(old_g), b = eval(new_g);
  CHECK(b[1] - b[0] == Approx(1.0));  // pairs along the last axis
  CHECK(a[3] - a[0] == Approx(3.0));  // groups of 4 after axis 1
  CHECK(a[0] != Approx(b[0]));
}

TEST_CASE("Hardmax marks only the first maximum", "[ops][softmax]") {
  Graph g = single("Hardmax", {4}, 13);
  float* x = g.tensor("x").as_mut<float>();
  x[0] = 1;
  x[1] = 3;
  x[2] = 3;
  x[3] = 0;
  CHECK(eval(g) == std::vector<float>{0, 1, 0, 0});
}

TEST_CASE("ArgMax select_last_index picks the last of equal maxima", "[ops][arg]") {
  for (int last : {0, 1}) {
    Graph g = single("ArgMax", {2, 3}, 13);
    float* x = g.tensor("x").as_mut<float>();
    for (int i = 0; i < 6; ++i) x[i] = i % 3 == 0 ? 1.0f : 5.0f;  // rows {1, 5, 5}
    g.nodes[0].set_int("axis", 1);
    g.nodes[0].set_int("keepdims", 0);
    g.nodes[0].set_int("select_last_index", last);
    REQUIRE(infer(g).is_ok());
    REQUIRE(eval_node(g, g.nodes[0]).is_ok());
    const Tensor& y = g.tensor("y");
    CHECK(y.dtype == DType::kInt64);
    CHECK(y.shape == Shape{2});
    CHECK(y.as<int64_t>()[0] == (last ? 2 : 1));
    CHECK(y.as<int64_t>()[1] == (last ? 2 : 1));
  }
}

namespace {

// x [S=3, B=1, I=2] -> op with hidden size 2 and all-zero weights of `gates` blocks.
Graph recurrent(const std::string& op, int gates) {
  Graph g;
  g.opset = 14;
  test::add_input(g, "x", {3, 1, 2});
  test::add_const(g, "W", {1, gates * 2, 2}, {});
  test::add_const(g, "R", {1, gates * 2, 2}, {});
  test::add_node(g, op, {"x", "W", "R"}, {"y", "y_h"}, "n");
  g.outputs = {"y"};
  return g;
}

}  // namespace

TEST_CASE("Recurrent ops give Y as [seq, directions, batch, hidden]", "[ops][rnn]") {
  Graph g = recurrent("GRU", 3);
  g.nodes[0].set_string("direction", "bidirectional");
  CHECK(infer(g).code() == ErrorCode::kInvalidNode);  // W has one direction only
  g.nodes[0].set_string("direction", "reverse");
  REQUIRE(infer(g).is_ok());
  CHECK(g.tensor("y").shape == Shape{3, 1, 1, 2});
  CHECK(g.tensor("y_h").shape == Shape{1, 1, 2});
}

TEST_CASE("Recurrent ops refuse what the kernels do not implement", "[ops][rnn]") {
  Graph a = recurrent("LSTM", 4);
  a.nodes[0].set_int("layout", 2);
  CHECK(infer(a).code() == ErrorCode::kInvalidNode);

  Graph b = recurrent("LSTM", 4);
  b.nodes[0].set_int("input_forget", 1);
  CHECK(infer(b).code() == ErrorCode::kUnsupportedAttr);

  Graph c = recurrent("RNN", 1);
  Attr acts;
  acts.kind = Attr::Kind::kStrings;
  acts.strings = {"Softsign"};
  c.nodes[0].attrs["activations"] = acts;
  CHECK(infer(c).code() == ErrorCode::kUnsupportedAttr);

  Graph d = recurrent("RNN", 1);
  Tensor& lens = test::add_tensor(d, "lens", {1}, DType::kInt32);
  lens.is_const = true;
  lens.alloc();
  lens.as_mut<int32_t>()[0] = 2;  // shorter than the sequence
  d.nodes[0].inputs = {"x", "W", "R", "", "lens"};
  CHECK(infer(d).code() == ErrorCode::kUnsupportedAttr);
  lens.as_mut<int32_t>()[0] = 3;
  CHECK(infer(d).is_ok());
}

TEST_CASE("LSTM reference: zero weights with a bias give the closed form", "[ops][rnn]") {
  Graph g;
  g.opset = 14;
  test::add_input(g, "x", {2, 1, 1});
  test::add_const(g, "W", {1, 4, 1}, {});
  test::add_const(g, "R", {1, 4, 1}, {});
  // Wb + Rb per gate i, o, f, c: i = o = f = sigmoid(0) = 0.5, c~ = tanh(1).
  test::add_const(g, "B", {1, 8}, {0, 0, 0, 1, 0, 0, 0, 0});
  test::add_node(g, "LSTM", {"x", "W", "R", "B"}, {"y", "", "y_c"}, "n");
  g.tensor("x").alloc();
  REQUIRE(infer(g).is_ok());
  REQUIRE(eval_node(g, g.nodes[0]).is_ok());
  const double c1 = 0.5 * std::tanh(1.0), c2 = 0.5 * c1 + c1;
  CHECK(g.tensor("y_c").as<float>()[0] == Approx(c2));
  CHECK(g.tensor("y").as<float>()[0] == Approx(0.5 * std::tanh(c1)));
  CHECK(g.tensor("y").as<float>()[1] == Approx(0.5 * std::tanh(c2)));
}

TEST_CASE("Recurrent ops with layout=1 compute the batch-first transpose of layout 0", "[ops][rnn]") {
  // S=3, B=2, I=2, H=3, bidirectional, with initial_h: layout 1 reads and writes the same values
  // with batch and sequence (and, for the states, batch and direction) swapped.
  const int64_t S = 3, B = 2, I = 2, H = 3;
  auto noise = [](int64_t n, int seed) {
    std::vector<float> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(std::sin(0.37 * static_cast<double>(i * seed + 1))));
    return v;
  };
  for (const char* op : {"RNN", "GRU", "LSTM"}) {
    const int gates = std::string(op) == "RNN" ? 1 : std::string(op) == "GRU" ? 3 : 4;
    std::vector<float> x = noise(S * B * I, 3), h0 = noise(2 * B * H, 5);
    auto run = [&](bool batch_first) {
      Graph g;
      g.opset = 14;
      Tensor& xt = test::add_input(g, "x", batch_first ? Shape{B, S, I} : Shape{S, B, I});
      xt.alloc();
      Tensor& ht = test::add_input(g, "h0", batch_first ? Shape{B, 2, H} : Shape{2, B, H});
      ht.alloc();
      for (int64_t s = 0; s < S; ++s)
        for (int64_t b = 0; b < B; ++b)
          for (int64_t i = 0; i < I; ++i)
            xt.as_mut<float>()[batch_first ? (b * S + s) * I + i : (s * B + b) * I + i] = x[static_cast<size_t>((s * B + b) * I + i)];
      for (int64_t d = 0; d < 2; ++d)
        for (int64_t b = 0; b < B; ++b)
          for (int64_t j = 0; j < H; ++j)
            ht.as_mut<float>()[batch_first ? (b * 2 + d) * H + j : (d * B + b) * H + j] = h0[static_cast<size_t>((d * B + b) * H + j)];
      test::add_const(g, "W", {2, gates * H, I}, noise(2 * gates * H * I, 7));
      test::add_const(g, "R", {2, gates * H, H}, noise(2 * gates * H * H, 11));
      Node& n = test::add_node(g, op, {"x", "W", "R", "", "", "h0"}, {"y", "y_h"}, "n");
      n.set_string("direction", "bidirectional");
      n.set_int("layout", batch_first ? 1 : 0);
      REQUIRE(infer(g).is_ok());
      REQUIRE(eval_node(g, g.nodes[0]).is_ok());
      CHECK(g.tensor("y").shape == (batch_first ? Shape{B, S, 2, H} : Shape{S, 2, B, H}));
      CHECK(g.tensor("y_h").shape == (batch_first ? Shape{B, 2, H} : Shape{2, B, H}));
      return g;
    };
    Graph seq = run(false), bat = run(true);
    for (int64_t s = 0; s < S; ++s)
      for (int64_t d = 0; d < 2; ++d)
        for (int64_t b = 0; b < B; ++b)
          for (int64_t j = 0; j < H; ++j)
            CHECK(bat.tensor("y").as<float>()[((b * S + s) * 2 + d) * H + j] ==
                  seq.tensor("y").as<float>()[((s * 2 + d) * B + b) * H + j]);
    for (int64_t d = 0; d < 2; ++d)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < H; ++j)
          CHECK(bat.tensor("y_h").as<float>()[(b * 2 + d) * H + j] == seq.tensor("y_h").as<float>()[(d * B + b) * H + j]);
  }
}
