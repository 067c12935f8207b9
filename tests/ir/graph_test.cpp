#include <catch2/catch.hpp>

#include "compiler/ir/graph.h"
#include "compiler/ir/verify.h"

using namespace kiln;

TEST_CASE("shape helpers count elements and print dims", "[ir]") {
  CHECK(shape_numel({1, 3, 32, 32}) == 3072);
  CHECK(shape_numel({}) == 1);
  CHECK(shape_str({1, 3}) == "1x3");
  CHECK(shape_str({}) == "scalar");
}

TEST_CASE("verify rejects a node reading a tensor before it is produced", "[ir]") {
  Graph g;
  for (const char* n : {"x", "y", "z"}) {
    Tensor t;
    t.name = n;
    t.dtype = DType::kFloat32;
    t.shape = {4};
    t.shape_known = true;
    g.tensors[n] = t;
  }
  g.inputs = {"x"};
  g.outputs = {"z"};
  Node a{"a", "Relu", "", {"y"}, {"z"}, {}};
  Node b{"b", "Relu", "", {"x"}, {"y"}, {}};
  g.nodes = {a, b};
  CHECK_FALSE(verify(g).is_ok());
  std::swap(g.nodes[0], g.nodes[1]);
  CHECK(verify(g).is_ok());
}
