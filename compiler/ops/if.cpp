// If (opset 1..17) with a condition that folds to a compile-time constant: shape inference
// replaces it by the chosen branch (inline_if below), so its nodes compile like any others.
// A condition known only at run time is not supported (generated code has no control flow).
// Branch outputs must be tensors (sequence and optional outputs are rejected at import).
#include "compiler/ops/if.h"

#include <map>

#include "compiler/ops/op.h"

namespace kiln {
namespace {

// Renames the references of a not yet inlined nested branch to names its enclosing branch
// defined (ONNX names are unique across scopes, so nothing shadows them).
void rename_refs(Graph& sub, const std::map<std::string, std::string>& rename) {
  auto map_name = [&](std::string& s) {
    auto it = rename.find(s);
    if (it != rename.end()) s = it->second;
  };
  for (Node& m : sub.nodes) {
    for (std::string& s : m.inputs) map_name(s);
    for (auto& kv : m.attrs)
      if (kv.second.kind == Attr::Kind::kGraph && kv.second.g) {
        kv.second.g = std::make_shared<Graph>(*kv.second.g);  // branches may be shared by copies of the node
        rename_refs(*kv.second.g, rename);
      }
  }
  for (std::string& s : sub.outputs) map_name(s);
}

Status infer(OpCtx& ctx) {
  // Reached only when inference could not inline the node (infer_graph inlines constant Ifs).
  return ctx.unsupported("If is control flow with a run-time condition",
                         "kiln inlines If only when its condition folds to a compile-time constant");
}

}  // namespace

bool is_constant_if(const Graph& g, const Node& n) {
  if (n.op != "If" || !n.domain.empty() || n.inputs.empty() || n.inputs[0].empty()) return false;
  const Tensor* cond = g.find(n.inputs[0]);
  return cond && cond->is_const;
}

Status inline_if(Graph& g, size_t at) {
  const Node n = g.nodes[at];  // a copy: inserting into g.nodes moves it
  const Tensor& cond = g.tensor(n.inputs[0]);
  if (cond.numel() != 1)
    return node_error(ErrorCode::kInvalidNode, n.op, n.name,
                      fmt::format("cond must hold one element, it has shape {}", shape_str(cond.shape)));
  const char* branch = cond.float_at(0) != 0 ? "then_branch" : "else_branch";
  auto it = n.attrs.find(branch);
  if (it == n.attrs.end() || it->second.kind != Attr::Kind::kGraph || !it->second.g)
    return node_error(ErrorCode::kInvalidNode, n.op, n.name, fmt::format("{} is missing", branch));
  const Graph& b = *it->second.g;
  if (b.outputs.size() != n.outputs.size())
    return node_error(ErrorCode::kInvalidNode, n.op, n.name,
                      fmt::format("{} has {} outputs, the node {}", branch, b.outputs.size(), n.outputs.size()));

  std::map<std::string, std::string> rename;
  for (const auto& kv : b.tensors) {
    Tensor t = kv.second;
    t.name = g.unique_name(kv.first);
    rename[kv.first] = t.name;
    g.tensors[t.name] = std::move(t);
  }
  auto resolve = [&](const std::string& s, std::string* out) {
    auto r = rename.find(s);
    *out = r == rename.end() ? s : r->second;
    if (!s.empty() && !g.find(*out))
      return node_error(ErrorCode::kInvalidNode, n.op, n.name,
                        fmt::format("{} reads '{}', which no enclosing graph defines", branch, s));
    return Status::ok();
  };
  std::vector<Node> spliced;
  for (const Node& src : b.nodes) {
    Node m = src;
    m.name = fmt::format("{}/{}", n.name, src.name);
    for (std::string& s : m.inputs) KILN_TRY(resolve(s, &s));
    for (std::string& s : m.outputs) KILN_TRY(resolve(s, &s));
    for (auto& kv : m.attrs)
      if (kv.second.kind == Attr::Kind::kGraph && kv.second.g) {
        kv.second.g = std::make_shared<Graph>(*kv.second.g);
        rename_refs(*kv.second.g, rename);
      }
    spliced.push_back(std::move(m));
  }
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    if (n.outputs[k].empty()) continue;
    Node id;
    id.name = fmt::format("{}/{}", n.name, n.outputs[k]);
    id.op = "Identity";
    id.inputs.resize(1);
    KILN_TRY(resolve(b.outputs[k], &id.inputs[0]));
    id.outputs = {n.outputs[k]};
    spliced.push_back(std::move(id));
  }
  g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(at) + 1, spliced.begin(), spliced.end());
  return Status::ok();
}

const OpDef kOp_If = {"If", 1, 17, infer, nullptr, nullptr, nullptr};

}  // namespace kiln
