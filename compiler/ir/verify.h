// Structural invariants of the IR, checked after import and (with --verify-each) after every
// pass: every name resolves, each tensor has one producer, nodes are in topological order, every
// tensor has a dtype and a known shape, constants hold exactly their bytes, and each view's
// alias chain ends in a planned or plannable tensor of the same byte size or larger.
#pragma once

#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

namespace kiln {

Status verify(const Graph& g);

}  // namespace kiln
