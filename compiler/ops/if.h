// If whose condition folds to a compile-time constant: shape inference (compiler/ops/infer.cpp)
// replaces it by the chosen branch.
#pragma once

#include <cstddef>

#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

namespace kiln {

// Whether node n is an If whose condition is now a constant.
bool is_constant_if(const Graph& g, const Node& n);

// Inserts the chosen branch of the constant If g.nodes[at] right after it: the branch's nodes,
// with every name the branch defines renamed to one unused in g (its constants join g's tensors)
// and node names prefixed with the If's, then one Identity per If output from the branch's
// output. Names the branch does not define refer to g. The caller drops the If node itself.
// g.nodes grows, so references into it are invalidated.
Status inline_if(Graph& g, size_t at);

}  // namespace kiln
