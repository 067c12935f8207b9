#include "compiler/ops/infer.h"

#include <fmt/format.h>

#include <set>

#include "compiler/ops/if.h"
#include "compiler/ops/op.h"

namespace kiln {

Status infer_node(Graph& g, Node& n) {
  const OpDef* def = find_op(n.op, n.domain);
  if (!def) return unsupported_op(n.op, n.name, g.opset);
  for (const auto& in : n.inputs) {
    if (in.empty()) continue;
    const Tensor& t = g.tensor(in);
    if (!t.shape_known || t.dtype == DType::kUndefined)
      return node_error(ErrorCode::kDynamicShape, n.op, n.name,
                        fmt::format("the shape of input '{}' is not known at compile time", in),
                        "fix dynamic dimensions with --input-shape");
  }
  OpCtx ctx(g, n, g.opset);
  KILN_TRY(def->infer(ctx));
  for (const auto& o : n.outputs) {
    if (o.empty()) continue;
    const Tensor& t = g.tensor(o);
    if (!t.shape_known || t.dtype == DType::kUndefined)
      return KILN_ICE(fmt::format("{} '{}' left output '{}' without a type", n.op, n.name, o));
  }
  return Status::ok();
}

Status eval_node(Graph& g, Node& n) {
  const OpDef* def = find_op(n.op, n.domain);
  if (!def || !def->eval)
    return node_error(ErrorCode::kUnsupportedOp, n.op, n.name, "no reference evaluation for this op");
  for (const auto& o : n.outputs)
    if (!o.empty()) g.tensor(o).alloc();
  OpCtx ctx(g, n, g.opset);
  return def->eval(ctx);
}

Status infer_graph(Graph& g, bool fold, InferStats* stats) {
  Status all;
  std::vector<Node> kept;
  std::set<std::string> failed;  // outputs of failed nodes: their consumers stay quiet
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    bool downstream = false;
    for (const auto& in : n.inputs) downstream |= failed.count(in) != 0;
    // An If with a constant condition becomes its chosen branch, inserted after it and inferred
    // next; the If itself is dropped.
    if (!downstream && is_constant_if(g, n)) {
      Status st = inline_if(g, i);
      if (st) continue;
      all.merge(st);
      for (const auto& o : g.nodes[i].outputs) failed.insert(o);
      kept.push_back(std::move(g.nodes[i]));
      continue;
    }
    Status st = downstream ? Status::ok() : infer_node(g, n);
    if (downstream || !st) {
      all.merge(st);
      for (const auto& o : n.outputs) failed.insert(o);
      kept.push_back(std::move(n));
      continue;
    }
    const OpDef* def = find_op(n.op, n.domain);
    bool all_const = true;
    for (const auto& in : n.inputs)
      if (!in.empty() && !g.tensor(in).is_const) all_const = false;
    // Ops without an emitter (Shape, Size, ...) only read shapes: they always fold.
    if (fold && def->eval && (all_const || !def->emit)) {
      Status es = eval_node(g, n);
      if (!es) {
        all.merge(es);
        kept.push_back(std::move(n));
        continue;
      }
      for (const auto& o : n.outputs)
        if (!o.empty()) g.tensor(o).is_const = true;
      if (stats) ++stats->folded;
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  return all;
}

}  // namespace kiln

namespace kiln {
Status eval_graph(Graph& g) {
  for (const auto& in : g.inputs)
    if (g.tensor(in).data.size() != g.tensor(in).bytes())
      return error(ErrorCode::kBadOption, fmt::format("no value given for input '{}'", in));
  for (Node& n : g.nodes) KILN_TRY(eval_node(g, n));
  return Status::ok();
}
}  // namespace kiln
