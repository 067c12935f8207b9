#include "compiler/ir/verify.h"

#include <fmt/format.h>

#include <set>

namespace kiln {

static Status fail(const std::string& what) {
  return node_error(ErrorCode::kInternal, "verify", "", "IR verification failed: " + what,
                    "internal compiler error; please report it with the model");
}

Status verify(const Graph& g) {
  std::set<std::string> defined;
  for (const auto& i : g.inputs) {
    if (!g.find(i)) return fail(fmt::format("graph input '{}' has no tensor", i));
    defined.insert(i);
  }
  for (const auto& kv : g.tensors) {
    const Tensor& t = kv.second;
    if (kv.first != t.name) return fail(fmt::format("tensor '{}' is filed as '{}'", t.name, kv.first));
    if (t.is_const) {
      defined.insert(kv.first);
      if (t.data.size() != t.bytes())
        return fail(fmt::format("constant '{}' holds {} bytes, its type needs {}", t.name,
                                t.data.size(), t.bytes()));
    }
  }
  for (const Node& n : g.nodes) {
    for (const auto& in : n.inputs) {
      if (in.empty()) continue;
      if (!g.find(in)) return fail(fmt::format("node '{}' reads unknown tensor '{}'", n.name, in));
      if (!defined.count(in))
        return fail(fmt::format("node '{}' reads '{}' before it is produced", n.name, in));
    }
    for (const auto& out : n.outputs) {
      if (out.empty()) continue;
      const Tensor* t = g.find(out);
      if (!t) return fail(fmt::format("node '{}' writes unknown tensor '{}'", n.name, out));
      if (defined.count(out)) return fail(fmt::format("tensor '{}' is produced twice", out));
      if (t->is_const) return fail(fmt::format("node '{}' writes constant '{}'", n.name, out));
      defined.insert(out);
    }
  }
  for (const auto& o : g.outputs)
    if (!defined.count(o)) return fail(fmt::format("graph output '{}' is never produced", o));
  for (const auto& name : defined) {
    const Tensor& t = g.tensor(name);
    if (t.dtype == DType::kUndefined) return fail(fmt::format("tensor '{}' has no type", name));
    if (!t.shape_known) return fail(fmt::format("tensor '{}' has no known shape", name));
    for (int64_t d : t.shape)
      if (d < 0) return fail(fmt::format("tensor '{}' has a negative dim", name));
    std::set<std::string> seen;
    for (const Tensor* a = &t; !a->alias_of.empty(); a = g.find(a->alias_of)) {
      if (!seen.insert(a->name).second) return fail(fmt::format("alias cycle at '{}'", name));
      const Tensor* base = g.find(a->alias_of);
      if (!base) return fail(fmt::format("'{}' aliases unknown '{}'", a->name, a->alias_of));
      // An in-place kernel's larger output may extend its input's buffer (passes/inplace.cpp).
      const int p = g.producer(a->name);
      const bool inplace = p >= 0 && g.nodes[static_cast<size_t>(p)].attr_string("kiln_inplace_alias", "") == a->name;
      if (!inplace && (a->alias_offset < 0 || a->alias_offset + static_cast<int64_t>(a->bytes()) > static_cast<int64_t>(base->bytes())))
        return fail(fmt::format("view '{}' overruns '{}'", a->name, base->name));
    }
  }
  return Status::ok();
}

}  // namespace kiln
