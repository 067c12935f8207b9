// The IR's readable text form (golden tests, --print-after, kiln inspect --ir).
//
//   graph kws (opset 13)
//     input  %input: f32[1x1x49x10] @0
//     const  %conv.weight: f32[64x1x10x4] (10240 B)
//     %y = Conv(%input, %conv.weight, %conv.bias) {kernel_shape=[10, 4], strides=[2, 2]} : f32[1x64x25x5] @4096
//     output %y
#pragma once

#include <string>

#include "compiler/ir/graph.h"

namespace kiln {

std::string print_attr(const Attr& a);
std::string print_tensor_type(const Tensor& t);
std::string print_node(const Graph& g, const Node& n);
std::string print_graph(const Graph& g);

}  // namespace kiln
