//===- dce.cpp - Dead-code elimination ------------------------------------===//
//
// A node is live when one of its outputs is a graph output or is read by a live node. One
// backward sweep over the schedule marks live nodes (consumers come after producers, so a
// reverse walk sees every reader before the producer). Dead nodes are dropped, then every tensor
// that no remaining node touches and that is not a graph input or output.
//===----------------------------------------------------------------------===//
#include <set>

#include "passes/passes.h"

namespace kiln {

PassResult run_dce(Graph& g, const PassContext&) {
  PassResult r;
  std::set<std::string> needed(g.outputs.begin(), g.outputs.end());
  std::vector<bool> live(g.nodes.size(), false);
  for (size_t k = g.nodes.size(); k-- > 0;) {
    const Node& n = g.nodes[k];
    for (const auto& o : n.outputs)
      if (!o.empty() && needed.count(o)) live[k] = true;
    if (live[k])
      for (const auto& in : n.inputs) needed.insert(in);
  }
  std::vector<Node> kept;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (live[k]) {
      kept.push_back(std::move(g.nodes[k]));
    } else {
      ++r.stats["nodes-removed"];
      r.changed = true;
    }
  }
  g.nodes = std::move(kept);

  std::set<std::string> touched(g.inputs.begin(), g.inputs.end());
  touched.insert(g.outputs.begin(), g.outputs.end());
  for (const Node& n : g.nodes) {
    touched.insert(n.inputs.begin(), n.inputs.end());
    touched.insert(n.outputs.begin(), n.outputs.end());
  }
  for (const auto& kv : g.tensors)
    if (touched.count(kv.first) && !kv.second.alias_of.empty()) touched.insert(kv.second.alias_of);
  for (auto it = g.tensors.begin(); it != g.tensors.end();) {
    if (!touched.count(it->first)) {
      it = g.tensors.erase(it);
      ++r.stats["tensors-removed"];
      r.changed = true;
    } else {
      ++it;
    }
  }
  return r;
}

}  // namespace kiln
