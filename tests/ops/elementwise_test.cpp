#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "compiler/ops/infer.h"
#include "runtime/kiln_elementwise.h"
#include "tests/test_util.h"

using namespace kiln;

namespace {

template <typename T>
Tensor& add_values(Graph& g, const std::string& name, Shape shape, const std::vector<T>& v) {
  Tensor& t = test::add_tensor(g, name, std::move(shape), DTypeOf<T>::value);
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size(); ++i) t.as_mut<T>()[i] = v[i];
  return t;
}

// A graph of one node `op` over the given constant inputs (named a, b, c...), output y.
struct OneNode {
  Graph g;
  explicit OneNode(int opset) { g.opset = opset; }
  template <typename T>
  OneNode& in(Shape shape, const std::vector<T>& v) {
    add_values(g, std::string(1, static_cast<char>('a' + names.size())), std::move(shape), v);
    names.push_back(std::string(1, static_cast<char>('a' + names.size())));
    return *this;
  }
  Node& node(const std::string& op) { return test::add_node(g, op, names, {"y"}, "n"); }
  Status run() {
    KILN_TRY(infer_node(g, g.nodes[0]));
    return eval_node(g, g.nodes[0]);
  }
  template <typename T>
  std::vector<T> y() {
    const Tensor& t = g.tensor("y");
    return std::vector<T>(t.as<T>(), t.as<T>() + t.numel());
  }
  std::vector<std::string> names;
};

}  // namespace

TEST_CASE("Mod takes the divisor's sign, or the dividend's with fmod=1", "[ops][elementwise]") {
  OneNode python(13);
  python.in<int32_t>({4}, {-4, 7, -7, 5}).in<int32_t>({4}, {3, -3, -3, 3});
  python.node("Mod");
  REQUIRE(python.run().is_ok());
  CHECK(python.y<int32_t>() == std::vector<int32_t>{2, -2, -1, 2});
  CHECK(OpMod{}(int32_t{-4}, int32_t{3}) == 2);
  CHECK(OpMod{}(int8_t{7}, int8_t{-3}) == -2);

  OneNode c(13);
  c.in<int32_t>({4}, {-4, 7, -7, 5}).in<int32_t>({4}, {3, -3, -3, 3});
  c.node("Mod").set_int("fmod", 1);
  REQUIRE(c.run().is_ok());
  CHECK(c.y<int32_t>() == std::vector<int32_t>{-1, 1, -1, 2});
  CHECK(OpFmod{}(-4.5f, 2.0f) == -0.5f);
}

TEST_CASE("Mod of floats needs fmod=1", "[ops][elementwise]") {
  OneNode m(13);
  m.in<float>({1}, {1.0f}).in<float>({1}, {2.0f});
  m.node("Mod");
  CHECK_FALSE(m.run().is_ok());
}

TEST_CASE("folding an integer division by zero is an error, not a crash", "[ops][elementwise]") {
  OneNode d(14);
  d.in<int32_t>({2}, {1, 2}).in<int32_t>({2}, {1, 0});
  d.node("Div");
  CHECK_FALSE(d.run().is_ok());
  OneNode m(14);
  m.in<int64_t>({1}, {std::numeric_limits<int64_t>::min()}).in<int64_t>({1}, {-1});
  m.node("Div");
  REQUIRE(m.run().is_ok());  // INT64_MIN / -1 wraps instead of trapping
  CHECK(m.y<int64_t>()[0] == std::numeric_limits<int64_t>::min());
}

TEST_CASE("Round sends halves to the even neighbour", "[ops][elementwise]") {
  OneNode r(11);
  r.in<float>({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f});
  r.node("Round");
  REQUIRE(r.run().is_ok());
  CHECK(r.y<float>() == std::vector<float>{0.0f, 2.0f, 2.0f, -0.0f, -2.0f, 2.0f});
  CHECK(OpRound{}(2.5f) == 2.0f);
  CHECK(OpRound{}(-3.5) == -4.0);
}

TEST_CASE("Pow of integers is exact and mixes base and exponent types", "[ops][elementwise]") {
  OneNode p(15);
  p.in<int64_t>({4}, {3, -2, 2, 5}).in<int64_t>({4}, {39, 3, -1, 0});
  p.node("Pow");
  REQUIRE(p.run().is_ok());
  CHECK(p.y<int64_t>() == std::vector<int64_t>{4052555153018976267LL, -8, 0, 1});
  CHECK(OpPow{}(int64_t{3}, int64_t{39}) == 4052555153018976267LL);
  CHECK(OpPow{}(int32_t{-1}, int8_t{-3}) == -1);
  CHECK(OpPow{}(int32_t{2}, 0.5f) == 1);  // through double: 1.41 truncated
  CHECK(OpPow{}(2.0f, uint64_t{3}) == 8.0f);

  OneNode mixed(15);
  mixed.in<float>({2}, {2.0f, 9.0f}).in<int32_t>({1}, {2});
  mixed.node("Pow");
  REQUIRE(mixed.run().is_ok());
  CHECK(mixed.g.tensor("y").dtype == DType::kFloat32);
  CHECK(mixed.y<float>() == std::vector<float>{4.0f, 81.0f});
}

TEST_CASE("Clip with min above max gives max; absent bounds are unbounded", "[ops][elementwise]") {
  OneNode c(13);
  c.in<int8_t>({3}, {-128, 0, 127}).in<int8_t>({}, {9}).in<int8_t>({}, {3});
  c.node("Clip");
  REQUIRE(c.run().is_ok());
  CHECK(c.y<int8_t>() == std::vector<int8_t>{3, 3, 3});
  CHECK(OpClip<float>{9.0f, 3.0f}(-1.0f) == 3.0f);

  OneNode hi(13);
  hi.in<float>({3}, {-1e30f, 0.5f, 4.0f}).in<float>({}, {1.0f});
  Node& n = hi.node("Clip");
  n.inputs = {"a", "", "b"};
  REQUIRE(hi.run().is_ok());
  CHECK(hi.y<float>() == std::vector<float>{-1e30f, 0.5f, 1.0f});
}

TEST_CASE("Clip before opset 11 reads min and max attributes", "[ops][elementwise]") {
  OneNode c(6);
  c.in<float>({3}, {-5.0f, 0.5f, 5.0f});
  Node& n = c.node("Clip");
  n.set_float("min", -1.0f);
  n.set_float("max", 2.0f);
  REQUIRE(c.run().is_ok());
  CHECK(c.y<float>() == std::vector<float>{-1.0f, 0.5f, 2.0f});
}

TEST_CASE("Cast to bool is x != 0 and from bool is 0 or 1", "[ops][elementwise]") {
  OneNode c(13);
  c.in<float>({3}, {0.5f, 0.0f, -2.0f});
  c.node("Cast").set_int("to", 9);
  REQUIRE(c.run().is_ok());
  CHECK(c.g.tensor("y").dtype == DType::kBool);
  CHECK(c.y<bool>() == std::vector<bool>{true, false, true});
  CHECK(OpToBool{}(0.5f));
  CHECK(OpCast<int32_t>{}(true) == 1);

  OneNode unsupported(13);
  unsupported.in<float>({1}, {1.0f});
  unsupported.node("Cast").set_int("to", 10);  // float16
  CHECK_FALSE(unsupported.run().is_ok());
}

TEST_CASE("legacy broadcast places B's dims at axis", "[ops][elementwise]") {
  OneNode add(6);
  add.in<float>({2, 3}, {0, 1, 2, 3, 4, 5}).in<float>({2}, {10, 20});
  Node& n = add.node("Add");
  n.set_int("broadcast", 1);
  n.set_int("axis", 0);
  REQUIRE(add.run().is_ok());
  CHECK(add.y<float>() == std::vector<float>{10, 11, 12, 23, 24, 25});

  OneNode suffix(6);
  suffix.in<float>({2, 3}, {0, 1, 2, 3, 4, 5}).in<float>({3}, {10, 20, 30});
  suffix.node("Sub").set_int("broadcast", 1);
  REQUIRE(suffix.run().is_ok());
  CHECK(suffix.y<float>() == std::vector<float>{-10, -19, -28, -7, -16, -25});
}

TEST_CASE("PRelu before opset 7 applies a 1-D slope per channel", "[ops][elementwise]") {
  OneNode p(6);
  p.in<float>({1, 2, 1, 3}, {-1, -1, -1, -1, 1, -1}).in<float>({2}, {0.5f, 2.0f});
  p.node("PRelu");
  REQUIRE(p.run().is_ok());
  CHECK(p.y<float>() == std::vector<float>{-0.5f, -0.5f, -0.5f, -2.0f, 1.0f, -2.0f});
}

TEST_CASE("Where broadcasts condition, X and Y", "[ops][elementwise]") {
  OneNode w(16);
  w.in<bool>({2, 1}, {true, false}).in<int64_t>({1, 3}, {1, 2, 3}).in<int64_t>({1}, {-1});
  w.node("Where");
  REQUIRE(w.run().is_ok());
  CHECK(w.g.tensor("y").shape == Shape{2, 3});
  CHECK(w.y<int64_t>() == std::vector<int64_t>{1, 2, 3, -1, -1, -1});
}

TEST_CASE("Sum, Max and Mean fold any number of broadcast inputs", "[ops][elementwise]") {
  OneNode s(13);
  s.in<float>({2, 1}, {1, 2}).in<float>({3}, {10, 20, 30}).in<float>({1}, {100});
  s.node("Sum");
  REQUIRE(s.run().is_ok());
  CHECK(s.y<float>() == std::vector<float>{111, 121, 131, 112, 122, 132});

  OneNode m(13);
  m.in<float>({2}, {1, NAN}).in<float>({2}, {NAN, 2}).in<float>({2}, {0, 0});
  m.node("Max");
  REQUIRE(m.run().is_ok());
  CHECK(std::isnan(m.y<float>()[0]));
  CHECK(std::isnan(m.y<float>()[1]));
  CHECK(std::isnan(OpMax{}(1.0f, NAN)));
  CHECK(std::isnan(OpMax{}(NAN, 1.0f)));

  OneNode mean(13);
  mean.in<double>({2}, {1, 2}).in<double>({2}, {3, 5});
  mean.node("Mean");
  REQUIRE(mean.run().is_ok());
  CHECK(mean.y<double>() == std::vector<double>{2, 3.5});
}

TEST_CASE("BitShift past the width gives 0", "[ops][elementwise]") {
  OneNode s(11);
  s.in<uint8_t>({3}, {0x81, 0x81, 0x81}).in<uint8_t>({3}, {1, 7, 9});
  s.node("BitShift").set_string("direction", "LEFT");
  REQUIRE(s.run().is_ok());
  CHECK(s.y<uint8_t>() == std::vector<uint8_t>{0x02, 0x80, 0x00});
  CHECK(OpShiftRight{}(uint32_t{0x80000000u}, uint32_t{31}) == 1u);
  CHECK(OpShiftRight{}(uint32_t{0x80000000u}, uint32_t{32}) == 0u);
}

TEST_CASE("comparisons output bool and reject mixed input types", "[ops][elementwise]") {
  OneNode g(13);
  g.in<uint8_t>({3}, {0, 5, 255}).in<uint8_t>({1}, {5});
  g.node("Greater");
  REQUIRE(g.run().is_ok());
  CHECK(g.g.tensor("y").dtype == DType::kBool);
  CHECK(g.y<bool>() == std::vector<bool>{false, false, true});

  OneNode mixed(13);
  mixed.in<float>({1}, {1.0f}).in<double>({1}, {1.0});
  mixed.node("Equal");
  CHECK_FALSE(mixed.run().is_ok());
}

TEST_CASE("IsInf honours detect_negative and detect_positive", "[ops][elementwise]") {
  const float inf = std::numeric_limits<float>::infinity();
  OneNode i(10);
  i.in<float>({3}, {-inf, inf, 1.0f});
  i.node("IsInf").set_int("detect_negative", 0);
  REQUIRE(i.run().is_ok());
  CHECK(i.y<bool>() == std::vector<bool>{false, true, false});
  CHECK(OpIsInf{true, false}(-inf));
  CHECK_FALSE(OpIsInf{true, false}(inf));
}

TEST_CASE("unsigned types get a sign-free Abs, Sign and PRelu", "[ops][elementwise]") {
  OneNode a(13);
  a.in<uint16_t>({3}, {0, 1, 65535});
  a.node("Sign");
  REQUIRE(a.run().is_ok());
  CHECK(a.y<uint16_t>() == std::vector<uint16_t>{0, 1, 1});
  CHECK(OpAbs{}(int8_t{-5}) == 5);
  CHECK(OpAbs{}(uint64_t{7}) == 7u);
  CHECK(OpSign{}(-0.0f) == 0.0f);
  CHECK(OpPRelu{}(uint32_t{3}, uint32_t{2}) == 3u);
}
