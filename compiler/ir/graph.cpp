#include "compiler/ir/graph.h"

#include <fmt/format.h>

#include <set>

namespace kiln {

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  if (s.empty()) return "scalar";
  return fmt::format("{}", fmt::join(s, "x"));
}

int64_t Tensor::int_at(int64_t i) const {
  int64_t v = 0;
  dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    v = static_cast<int64_t>(as<T>()[i]);
  });
  return v;
}

double Tensor::float_at(int64_t i) const {
  double v = 0;
  dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    v = static_cast<double>(as<T>()[i]);
  });
  return v;
}

std::vector<int64_t> Tensor::to_ints() const {
  std::vector<int64_t> v(static_cast<size_t>(numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = int_at(static_cast<int64_t>(i));
  return v;
}

int64_t Node::attr_int(const std::string& k, int64_t def) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? def : it->second.i;
}

float Node::attr_float(const std::string& k, float def) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? def : it->second.f;
}

std::string Node::attr_string(const std::string& k, const std::string& def) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? def : it->second.s;
}

std::vector<int64_t> Node::attr_ints(const std::string& k, std::vector<int64_t> def) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? def : it->second.ints;
}

std::vector<float> Node::attr_floats(const std::string& k, std::vector<float> def) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? def : it->second.floats;
}

void Node::set_int(const std::string& k, int64_t v) {
  Attr a;
  a.kind = Attr::Kind::kInt;
  a.i = v;
  attrs[k] = a;
}

void Node::set_float(const std::string& k, float v) {
  Attr a;
  a.kind = Attr::Kind::kFloat;
  a.f = v;
  attrs[k] = a;
}

void Node::set_string(const std::string& k, const std::string& v) {
  Attr a;
  a.kind = Attr::Kind::kString;
  a.s = v;
  attrs[k] = a;
}

void Node::set_ints(const std::string& k, std::vector<int64_t> v) {
  Attr a;
  a.kind = Attr::Kind::kInts;
  a.ints = std::move(v);
  attrs[k] = a;
}

Tensor* Graph::find(const std::string& n) {
  auto it = tensors.find(n);
  return it == tensors.end() ? nullptr : &it->second;
}

const Tensor* Graph::find(const std::string& n) const {
  auto it = tensors.find(n);
  return it == tensors.end() ? nullptr : &it->second;
}

Tensor& Graph::tensor(const std::string& n) { return tensors.at(n); }
const Tensor& Graph::tensor(const std::string& n) const { return tensors.at(n); }

bool Graph::is_graph_input(const std::string& n) const {
  for (const auto& i : inputs)
    if (i == n) return true;
  return false;
}

bool Graph::is_graph_output(const std::string& n) const {
  for (const auto& o : outputs)
    if (o == n) return true;
  return false;
}

std::string Graph::unique_name(const std::string& base) const {
  if (!tensors.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string n = fmt::format("{}_{}", base, i);
    if (!tensors.count(n)) return n;
  }
}

std::vector<size_t> Graph::consumers(const std::string& t) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& in : nodes[i].inputs)
      if (in == t) {
        out.push_back(i);
        break;
      }
  return out;
}

int Graph::producer(const std::string& t) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& o : nodes[i].outputs)
      if (o == t) return static_cast<int>(i);
  return -1;
}

size_t Graph::weight_bytes() const {
  std::set<std::string> used;
  for (const Node& n : nodes)
    for (const auto& in : n.inputs) used.insert(in);
  for (const auto& o : outputs) used.insert(o);
  size_t total = 0;
  for (const auto& kv : tensors)
    if (kv.second.is_const && used.count(kv.first)) total += kv.second.bytes();
  return total;
}

}  // namespace kiln
