// What prune-channels' analysis knows about a graph's channels, for the lossy pruning of
// passes/prune_lossy.cpp: which filters make up one channel class (the channels that an Add,
// a Concat or a depthwise convolution ties together and that are removed as a whole).
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

struct ChannelFilter {
  size_t node;       // index into Graph::nodes: a Conv/QLinearConv/Gemm/QGemm/MatMul/QLinearMatMul
  int64_t channel;   // its output channel (depthwise: the channel)
  bool depthwise;
};

struct ChannelClass {
  std::vector<ChannelFilter> filters;  // whose weights and biases compute the class's channels
  bool fixed = false;                  // a graph input or output, or read by an op the pass does not know
};

// The channel classes of g (shapes inferred) that some filter computes.
std::vector<ChannelClass> channel_classes(const Graph& g);

}  // namespace kiln
