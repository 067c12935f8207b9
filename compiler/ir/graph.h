// kiln's own IR: a Graph of Nodes over named Tensors.
//
// Tensors live in one ordered map keyed by name (stable iteration keeps output deterministic).
// Nodes are kept in a topological order, which is also the execution schedule. Constant tensors
// carry their bytes; activations carry the placement decided by memory planning.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/dtype.h"

namespace kiln {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);  // "1x3x32x32", "scalar" for rank 0

struct Tensor;
struct Graph;

// An ONNX attribute value. A graph value is an If branch (compiler/ops/if.cpp): its nodes, its
// constants and its outputs; names it does not define refer to the enclosing graph. It exists
// only until shape inference inlines the If whose condition folds to a constant.
struct Attr {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor, kGraph };
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::shared_ptr<Tensor> t;
  std::shared_ptr<Graph> g;
};

// Optional per-tensor quantization (scale/zero point per tensor or per channel along `axis`).
struct QuantParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int axis = -1;
};

struct Tensor {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  bool shape_known = false;

  // Constant (initializer or folded): the bytes, little-endian, dense row-major.
  bool is_const = false;
  std::vector<uint8_t> data;

  QuantParams quant;

  // Placement (filled by memory planning). A view aliases another tensor's bytes.
  std::string alias_of;
  int64_t alias_offset = 0;  // byte offset inside the aliased tensor
  int64_t arena_offset = -1;

  int64_t numel() const { return shape_numel(shape); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }

  template <typename T>
  const T* as() const { return reinterpret_cast<const T*>(data.data()); }
  template <typename T>
  T* as_mut() { return reinterpret_cast<T*>(data.data()); }
  void alloc() { data.assign(bytes(), 0); }
  // Reads element i converted to int64 / double, whatever the dtype (for shape-like inputs).
  int64_t int_at(int64_t i) const;
  double float_at(int64_t i) const;
  std::vector<int64_t> to_ints() const;
};

struct Node {
  std::string name;
  std::string op;      // ONNX op type, or a kiln op ("kiln.Conv" ... no: fused info lives in attrs)
  std::string domain;  // "" for ai.onnx
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::map<std::string, Attr> attrs;

  bool has_attr(const std::string& k) const { return attrs.count(k) != 0; }
  int64_t attr_int(const std::string& k, int64_t def) const;
  float attr_float(const std::string& k, float def) const;
  std::string attr_string(const std::string& k, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& k, std::vector<int64_t> def = {}) const;
  std::vector<float> attr_floats(const std::string& k, std::vector<float> def = {}) const;
  void set_int(const std::string& k, int64_t v);
  void set_float(const std::string& k, float v);
  void set_string(const std::string& k, const std::string& v);
  void set_ints(const std::string& k, std::vector<int64_t> v);
};

struct Graph {
  std::string name;
  std::string model_path;
  std::string model_sha256;
  std::string producer_name;
  int opset = 0;
  std::map<std::string, Tensor> tensors;
  std::vector<Node> nodes;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;

  Tensor* find(const std::string& name);
  const Tensor* find(const std::string& name) const;
  Tensor& tensor(const std::string& name);  // must exist
  const Tensor& tensor(const std::string& name) const;
  bool is_graph_input(const std::string& name) const;
  bool is_graph_output(const std::string& name) const;
  // A name not yet used by any tensor, derived from `base`.
  std::string unique_name(const std::string& base) const;
  // Nodes that read `tensor`, as indices into `nodes`.
  std::vector<size_t> consumers(const std::string& tensor) const;
  // Index of the node producing `tensor`, or -1.
  int producer(const std::string& tensor) const;
  // Sum of bytes of constant tensors that some node (or a graph output) still uses.
  size_t weight_bytes() const;
};

}  // namespace kiln
