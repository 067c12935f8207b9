// The contract every operator file implements.
//
// One ONNX op is one file under compiler/ops/ holding, in this order: its attribute schema and
// opset range, its shape/type rule (`infer`), its reference evaluation (`eval`: simplest correct
// code, used for constant folding, calibration and as the test oracle) and its emitter (`emit`: a
// call to a runtime/ kernel specialised with the node's constant shapes). The file ends with one
// `const OpDef kOp_<Name>` and is registered by one line in ops.def.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "codegen/emitter.h"
#include "compiler/ir/graph.h"
#include "compiler/support/status.h"
#include "targets/targets.h"

namespace kiln {

class CodegenState;  // codegen/module.h: symbols, includes, constants of the module being written
class OpCtx;

// A layer whose fast kernel can read its weights either widened to int16 pairs (faster) or as
// int8 (half the flash): the bytes of each and the instructions per inference int8 adds (the
// kernel's own estimate). The kernel policy (compiler/driver/kernel_policy.cpp) picks one per
// layer under --optimize and a flash budget.
struct WeightWidthChoice {
  int64_t wide_bytes = 0;
  int64_t narrow_bytes = 0;
  int64_t narrow_extra = 0;
};

struct OpDef {
  const char* name;
  int min_opset;  // lowest ai.onnx opset whose semantics this file implements
  int max_opset;  // highest
  Status (*infer)(OpCtx&);  // required: validate attributes, set output dtypes and shapes
  Status (*eval)(OpCtx&);   // optional: outputs are allocated; fill them from constant inputs
  Status (*emit)(OpCtx&);   // optional: nullptr means "must be folded" (Shape, Constant, ...)
  int64_t (*macs)(OpCtx&);  // optional: multiply-accumulates per inference (kiln inspect)
  // optional: bytes of arena scratch the emitted kernel needs while it runs (im2col rows, an
  // in-place kernel's temporary). Planned like a tensor alive during this node only.
  int64_t (*scratch)(OpCtx&) = nullptr;
  // optional: true and *c filled when this node's kernel (on the context's target) has a
  // weight-width choice (see WeightWidthChoice).
  bool (*weight_choice)(OpCtx&, WeightWidthChoice* c) = nullptr;
};

// Declarations of every op's definition (gives them external linkage in their own files).
#define KILN_OP(Name) extern const OpDef kOp_##Name;
#include "compiler/ops/ops.def"
#undef KILN_OP

// The lookup table built from ops.def.
const OpDef* find_op(const std::string& op_type, const std::string& domain = "");
std::vector<const OpDef*> all_ops();

// Everything an op's rules see: the node, its tensors, the model's opset and, when emitting,
// the code writer and the target's capabilities.
class OpCtx {
 public:
  OpCtx(Graph& graph, Node& node, int opset) : graph_(graph), node_(node), opset_(opset) {}

  Graph& graph() { return graph_; }
  const Node& node() const { return node_; }
  Node& node() { return node_; }
  int opset() const { return opset_; }

  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return i < node_.inputs.size() && !node_.inputs[i].empty(); }
  bool has_output(size_t i) const { return i < node_.outputs.size() && !node_.outputs[i].empty(); }
  const Tensor& in(size_t i) const { return graph_.tensor(node_.inputs.at(i)); }
  Tensor& out(size_t i) { return graph_.tensor(node_.outputs.at(i)); }
  const Tensor& out(size_t i) const { return graph_.tensor(node_.outputs.at(i)); }
  // A constant input's data; an error (E0207) when it is not constant.
  Status require_const(size_t i, const char* what) const;

  // Error factories naming this node.
  Status invalid(const std::string& message, std::string hint = {}) const;
  Status unsupported(const std::string& message, std::string hint = {}) const;
  Status unsupported_type(DType t) const;

  // --- emission (valid only inside emit) ---
  void set_codegen(CodegenState* cg, Emitter* w, const Target* target) {
    cg_ = cg;
    w_ = w;
    target_ = target;
  }
  Emitter& w() { return *w_; }
  const Target& target() const { return *target_; }
  // Set while emitting, and while planning memory when a target is known (kernel choice can
  // depend on the core, and with it the scratch a kernel needs).
  bool has_target() const { return target_ != nullptr; }
  // C expression for a typed pointer to a tensor's first element ("kiln::at<float>(a, 128)"
  // for arena tensors, the constant's symbol for weights).
  std::string ptr(const std::string& tensor);
  std::string in_ptr(size_t i) { return ptr(node_.inputs.at(i)); }
  std::string out_ptr(size_t i) { return ptr(node_.outputs.at(i)); }
  // Typed pointer to this node's planned scratch bytes (see OpDef::scratch).
  std::string scratch_ptr(DType t) const;
  // Makes a runtime/ header part of the generated sources and includes it.
  void include(const std::string& runtime_header);
  // Adds a derived constant (repacked weights, lookup tables); returns its C symbol.
  std::string add_const(const std::string& hint, const Tensor& t);
  // Whether sparse weights may be emitted as CSR (off with --dense-weights).
  bool sparse_weights() const;

 private:
  Graph& graph_;
  Node& node_;
  int opset_;
  CodegenState* cg_ = nullptr;
  Emitter* w_ = nullptr;
  const Target* target_ = nullptr;
};

// --- helpers shared by op files ---

// Numpy-style broadcast of two shapes; false if incompatible.
bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out);
// Normalises a possibly negative axis against `rank`; false if out of range.
bool normalize_axis(int64_t* axis, int64_t rank);
// Strides (in elements) of `in` seen through broadcasting to `out` (0 on broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);
// "{1, 2, 3}" for emitted initialiser lists.
std::string c_list(const std::vector<int64_t>& v);
// A float literal that round-trips exactly ("0.1f", "1.0f", "-2.5e-08f").
std::string c_float(float v);

// Fused activation attached by passes/fuse_activations: attributes "kiln_act" (Relu, Clip,
// LeakyRelu), "kiln_act_lo", "kiln_act_hi", "kiln_act_alpha". The reference applies it with
// apply_fused_act; emitters pass fused_act_expr() as the kernel's activation functor.
float apply_fused_act(const Node& n, float v);
std::string fused_act_expr(const Node& n);
std::string fused_act_str(const Node& n);  // for comments; "" when none

// Ops whose output is the same bytes as input 0 (Reshape, Flatten, Squeeze, ...): the reference
// copies the bytes; the emitter writes nothing when passes/alias_views made the output a view,
// else a copy.
Status eval_copy_bytes(OpCtx& ctx);
Status emit_view_or_copy(OpCtx& ctx);

}  // namespace kiln
