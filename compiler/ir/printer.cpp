#include "compiler/ir/printer.h"

#include <fmt/format.h>

namespace kiln {

std::string print_attr(const Attr& a) {
  switch (a.kind) {
    case Attr::Kind::kInt: return fmt::format("{}", a.i);
    case Attr::Kind::kFloat: return fmt::format("{}", a.f);
    case Attr::Kind::kString: return fmt::format("\"{}\"", a.s);
    case Attr::Kind::kInts: return fmt::format("[{}]", fmt::join(a.ints, ", "));
    case Attr::Kind::kFloats: return fmt::format("[{}]", fmt::join(a.floats, ", "));
    case Attr::Kind::kStrings: return fmt::format("[\"{}\"]", fmt::join(a.strings, "\", \""));
    case Attr::Kind::kTensor:
      return a.t ? fmt::format("tensor<{}>", print_tensor_type(*a.t)) : "tensor<?>";
    case Attr::Kind::kGraph: return a.g ? fmt::format("graph<{} nodes>", a.g->nodes.size()) : "graph<?>";
  }
  return "?";
}

std::string print_tensor_type(const Tensor& t) {
  if (!t.shape_known) return fmt::format("{}[?]", dtype_short_name(t.dtype));
  return fmt::format("{}[{}]", dtype_short_name(t.dtype), shape_str(t.shape));
}

static std::string placement(const Graph& g, const Tensor& t) {
  if (!t.alias_of.empty())
    return t.alias_offset ? fmt::format(" = view(%{} {:+})", t.alias_of, t.alias_offset)
                          : fmt::format(" = view(%{})", t.alias_of);
  if (t.arena_offset >= 0) return fmt::format(" @{}", t.arena_offset);
  (void)g;
  return "";
}

std::string print_node(const Graph& g, const Node& n) {
  std::string outs;
  for (const auto& o : n.outputs) {
    if (!outs.empty()) outs += ", ";
    outs += o.empty() ? "_" : "%" + o;
  }
  std::string ins;
  for (const auto& i : n.inputs) {
    if (!ins.empty()) ins += ", ";
    ins += i.empty() ? "_" : "%" + i;
  }
  std::string attrs;
  for (const auto& kv : n.attrs) {
    if (!attrs.empty()) attrs += ", ";
    attrs += kv.first + "=" + print_attr(kv.second);
  }
  std::string s = fmt::format("{} = {}({})", outs, n.op, ins);
  if (!attrs.empty()) s += " {" + attrs + "}";
  std::string types;
  for (const auto& o : n.outputs) {
    if (o.empty()) continue;
    const Tensor* t = g.find(o);
    if (!types.empty()) types += ", ";
    types += t ? print_tensor_type(*t) + placement(g, *t) : "?";
  }
  s += " : " + types;
  if (!n.name.empty()) s += "  # " + n.name;
  return s;
}

std::string print_graph(const Graph& g) {
  std::string s = fmt::format("graph {} (opset {})\n", g.name, g.opset);
  for (const auto& i : g.inputs) {
    const Tensor& t = g.tensor(i);
    s += fmt::format("  input  %{}: {}{}\n", i, print_tensor_type(t), placement(g, t));
  }
  for (const auto& kv : g.tensors) {
    const Tensor& t = kv.second;
    if (!t.is_const) continue;
    s += fmt::format("  const  %{}: {} ({} B)\n", kv.first, print_tensor_type(t), t.bytes());
  }
  for (const Node& n : g.nodes) s += "  " + print_node(g, n) + "\n";
  for (const auto& o : g.outputs) s += fmt::format("  output %{}\n", o);
  return s;
}

}  // namespace kiln
