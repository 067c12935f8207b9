//===- materialize_outputs.cpp - Every graph output lives in the arena ----===//
//
// The generated API hands out graph outputs as pointers into the arena. An output that folded
// to a constant (or is an initializer) has no arena bytes, so it is renamed and an Identity node
// copies it from flash into a fresh arena tensor carrying the output's name. Likewise a graph
// output that is also a graph input gets a copy, so NAME_output_i and NAME_input_j differ.
//===----------------------------------------------------------------------===//
#include "passes/passes.h"

namespace kiln {

PassResult run_materialize_outputs(Graph& g, const PassContext&) {
  PassResult r;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const std::string out = g.outputs[i];
    Tensor& t = g.tensor(out);
    bool from_flash = t.is_const;
    bool is_input = g.is_graph_input(out);
    if (!from_flash && !is_input) continue;
    Node n;
    n.op = "Identity";
    n.name = g.unique_name(out + "_materialize");
    if (from_flash) {
      // Rename the constant; the output name now belongs to the arena copy.
      Tensor k = t;
      k.name = g.unique_name(out + "_const");
      for (Node& m : g.nodes)
        for (auto& in : m.inputs)
          if (in == out) in = k.name;
      t.is_const = false;
      t.data.clear();
      n.inputs = {k.name};
      g.tensors[k.name] = k;
      n.outputs = {out};
      g.nodes.push_back(n);
    } else {
      // A graph input echoed as an output: the output becomes a copy with its own name.
      Tensor copy = t;
      copy.name = g.unique_name(out + "_out");
      g.tensors[copy.name] = copy;
      g.outputs[i] = copy.name;
      n.inputs = {out};
      n.outputs = {copy.name};
      g.nodes.push_back(n);
    }
    r.changed = true;
    ++r.stats["outputs-materialized"];
  }
  return r;
}

}  // namespace kiln
