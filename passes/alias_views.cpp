//===- alias_views.cpp - Views share their input's bytes ------------------===//
//
// Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout (inference) change only how the
// same dense row-major bytes are indexed, so their output is made a view of the input
// (Tensor::alias_of) and no code is emitted for them. Memory planning then plans the root
// buffer for the union of all its views' lifetimes. A constant input is left alone (the view
// has already been folded or must be materialised from flash), as is a view whose input is
// itself a graph input that is written by the caller (that is still fine: it aliases).
//===----------------------------------------------------------------------===//
#include "passes/passes.h"

namespace kiln {

static bool is_view_op(const Node& n) {
  return n.op == "Reshape" || n.op == "Flatten" || n.op == "Squeeze" || n.op == "Unsqueeze" ||
         n.op == "Identity" || (n.op == "Dropout" && (n.outputs.size() < 2 || n.outputs[1].empty()));
}

PassResult run_alias_views(Graph& g, const PassContext&) {
  PassResult r;
  for (const Node& n : g.nodes) {
    if (!is_view_op(n) || n.inputs.empty() || n.outputs.empty()) continue;
    const Tensor& x = g.tensor(n.inputs[0]);
    Tensor& y = g.tensor(n.outputs[0]);
    if (x.is_const || !y.alias_of.empty() || x.bytes() != y.bytes()) continue;
    // Two graph outputs must not share bytes with different names' semantics broken: a view of
    // a graph input that is itself a graph output would let the caller's write show through.
    if (g.is_graph_output(y.name) && g.is_graph_input(x.name)) continue;
    y.alias_of = x.name;
    y.alias_offset = 0;
    r.changed = true;
    ++r.stats["views-aliased"];
  }
  return r;
}

}  // namespace kiln
