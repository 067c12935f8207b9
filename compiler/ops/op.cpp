#include "compiler/ops/op.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "codegen/module.h"

namespace kiln {

Status OpCtx::require_const(size_t i, const char* what) const {
  if (!has_input(i))
    return invalid(fmt::format("input {} ({}) is required", i, what));
  if (!in(i).is_const)
    return node_error(ErrorCode::kNotConstant, node_.op, node_.name,
                      fmt::format("input {} ({}) '{}' must be a compile-time constant", i, what,
                                  node_.inputs[i]),
                      "kiln compiles static graphs; fix the value with --input-shape or fold it");
  return Status::ok();
}

Status OpCtx::invalid(const std::string& message, std::string hint) const {
  return node_error(ErrorCode::kInvalidNode, node_.op, node_.name, message, std::move(hint));
}

Status OpCtx::unsupported(const std::string& message, std::string hint) const {
  return node_error(ErrorCode::kUnsupportedAttr, node_.op, node_.name, message, std::move(hint));
}

Status OpCtx::unsupported_type(DType t) const {
  return node_error(ErrorCode::kUnsupportedType, node_.op, node_.name,
                    fmt::format("element type {} is not supported", dtype_short_name(t)));
}

std::string OpCtx::ptr(const std::string& tensor) {
  const Tensor& t = graph_.tensor(tensor);
  if (t.is_const) return cg_->const_symbol(tensor);
  // Follow the alias chain to the buffer that owns the bytes.
  int64_t off = 0;
  const Tensor* root = &t;
  while (!root->alias_of.empty()) {
    off += root->alias_offset;
    root = &graph_.tensor(root->alias_of);
  }
  off += root->arena_offset;
  return fmt::format("kiln::at<{}>(a, {})", dtype_c_name(t.dtype), off);
}

std::string OpCtx::scratch_ptr(DType t) const {
  return fmt::format("kiln::at<{}>(a, {})", dtype_c_name(t), node_.attr_int("kiln_scratch_offset", -1));
}

void OpCtx::include(const std::string& runtime_header) { cg_->include(runtime_header); }

std::string OpCtx::add_const(const std::string& hint, const Tensor& t) {
  return cg_->add_const(hint, t);
}

bool OpCtx::sparse_weights() const { return !cg_ || cg_->sparse_weights; }

bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
  size_t r = std::max(a.size(), b.size());
  Shape s(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    s[i] = da == 1 ? db : da;
  }
  *out = s;
  return true;
}

bool normalize_axis(int64_t* axis, int64_t rank) {
  if (*axis < -rank || *axis >= rank) return false;
  if (*axis < 0) *axis += rank;
  return true;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t s = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    size_t i = in.size() - 1 - k;
    size_t o = out.size() - 1 - k;
    st[o] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  return st;
}

std::string c_list(const std::vector<int64_t>& v) { return fmt::format("{{{}}}", fmt::join(v, ", ")); }

std::string c_float(float v) {
  if (std::isnan(v)) return "__builtin_nanf(\"\")";
  if (std::isinf(v)) return v > 0 ? "__builtin_inff()" : "(-__builtin_inff())";
  std::string s = fmt::format("{}", v);  // shortest representation that round-trips
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

float apply_fused_act(const Node& n, float v) {
  std::string act = n.attr_string("kiln_act", "");
  if (act.empty()) return v;
  if (act == "LeakyRelu") return v < 0 ? v * n.attr_float("kiln_act_alpha", 0.01f) : v;
  float lo = n.attr_float("kiln_act_lo", -std::numeric_limits<float>::infinity());
  float hi = n.attr_float("kiln_act_hi", std::numeric_limits<float>::infinity());
  return v < lo ? lo : (v > hi ? hi : v);
}

std::string fused_act_expr(const Node& n) {
  std::string act = n.attr_string("kiln_act", "");
  if (act.empty()) return "kiln::ActNone{}";
  if (act == "LeakyRelu")
    return fmt::format("kiln::ActLeaky{{{}}}", c_float(n.attr_float("kiln_act_alpha", 0.01f)));
  float lo = n.attr_float("kiln_act_lo", -std::numeric_limits<float>::infinity());
  float hi = n.attr_float("kiln_act_hi", std::numeric_limits<float>::infinity());
  if (std::isinf(hi)) return fmt::format("kiln::ActMin{{{}}}", c_float(lo));
  return fmt::format("kiln::ActClamp{{{}, {}}}", c_float(lo), c_float(hi));
}

std::string fused_act_str(const Node& n) {
  std::string act = n.attr_string("kiln_act", "");
  if (act.empty()) return "";
  if (act == "LeakyRelu") return fmt::format("LeakyRelu(alpha={})", n.attr_float("kiln_act_alpha", 0.01f));
  return fmt::format("{}[{}, {}]", act, n.attr_float("kiln_act_lo", 0), n.attr_float("kiln_act_hi", 0));
}

Status eval_copy_bytes(OpCtx& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  if (x.bytes() != y.bytes()) return KILN_ICE("view changes the byte size");
  y.data = x.data;
  return Status::ok();
}

Status emit_view_or_copy(OpCtx& ctx) {
  const Tensor& y = ctx.out(0);
  if (y.alias_of == ctx.node().inputs[0]) {
    ctx.w().line("// view of '{}': no code", ctx.node().inputs[0]);
    return Status::ok();
  }
  ctx.w().line("kiln::move<{}, {}>({}, {});", dtype_c_name(y.dtype), y.numel(), ctx.in_ptr(0), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace kiln
