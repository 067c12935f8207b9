// Small builders for hand-made IR graphs in unit tests.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln::test {

inline Tensor& add_tensor(Graph& g, const std::string& name, Shape shape, DType t = DType::kFloat32) {
  Tensor x;
  x.name = name;
  x.dtype = t;
  x.shape = std::move(shape);
  x.shape_known = true;
  g.tensors[name] = x;
  return g.tensors[name];
}

inline Tensor& add_const(Graph& g, const std::string& name, Shape shape, const std::vector<float>& v) {
  Tensor& t = add_tensor(g, name, std::move(shape));
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size() && i < static_cast<size_t>(t.numel()); ++i) t.as_mut<float>()[i] = v[i];
  return t;
}

inline Tensor& add_input(Graph& g, const std::string& name, Shape shape) {
  g.inputs.push_back(name);
  return add_tensor(g, name, std::move(shape));
}

inline Node& add_node(Graph& g, const std::string& op, std::vector<std::string> ins,
                      std::vector<std::string> outs, const std::string& name = "") {
  Node n;
  n.op = op;
  n.name = name.empty() ? op + "_" + std::to_string(g.nodes.size()) : name;
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  for (const auto& o : n.outputs)
    if (!g.find(o)) {
      Tensor t;
      t.name = o;
      g.tensors[o] = t;
    }
  g.nodes.push_back(n);
  return g.nodes.back();
}

inline std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.as<float>(), t.as<float>() + t.numel());
}

// n floats uniform in [-1, 1), the same for the same seed.
inline std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

}  // namespace kiln::test
