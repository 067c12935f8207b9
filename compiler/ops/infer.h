// Runs every node's shape/type rule in schedule order and, when asked, evaluates nodes whose
// inputs are all constant (their outputs become constants and the nodes disappear).
#pragma once

#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

namespace kiln {

struct InferStats {
  int folded = 0;
};

Status infer_node(Graph& g, Node& n);
Status infer_graph(Graph& g, bool fold, InferStats* stats = nullptr);
// Evaluates one node with the reference implementation; its outputs must be inferred already.
Status eval_node(Graph& g, Node& n);

}  // namespace kiln

namespace kiln {
// Runs the whole graph with the reference evaluations: graph inputs must hold data (their
// tensors are filled by the caller); afterwards every tensor holds its value.
Status eval_graph(Graph& g);
}  // namespace kiln
