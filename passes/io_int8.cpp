//===- io_int8.cpp - The int8 tensors become the model's inputs and outputs --===//
//
// `--io int8`: firmware that reads a sensor as integers should not convert to float only for the
// model to quantize it again (nor keep a float copy of the input in the arena). On a QDQ graph,
//
//   - a float graph input x read only by a per-tensor QuantizeLinear -> q becomes q itself: the
//     Q disappears and the graph input x is the int8 tensor (its name kept for the API);
//   - a float graph output y written by a per-tensor DequantizeLinear(u) becomes u itself: the
//     producer of u writes y as int8; readers of the float y inside the graph keep a DQ;
//   - a float graph output written by Softmax or Sigmoid (range [0, 1)) or Tanh ([-1, 1)) of
//     dequantized integers, as classifiers end, is quantized with TFLite's fixed output
//     parameters (scale 1/256, zero point -128; 1/128, 0), and fold-qdq (which runs next) makes
//     the function integer.
//
// The scale and zero point land in Tensor::quant, which codegen turns into NAME_INPUT_<i>_SCALE,
// NAME_INPUT_<i>_ZERO_POINT, NAME_OUTPUT_<i>_SCALE and NAME_OUTPUT_<i>_ZERO_POINT. Runs before
// the last fold-qdq, so what it exposes is lowered like the rest. A float input
// or output that is not quantized at the boundary is an error naming it: --io int8 never leaves
// a float tensor in the API silently. Works for pre-quantized (QDQ) models and for --quantize,
// which makes every input and output a quantization point when --io int8 is asked.
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "compiler/ops/infer.h"
#include "compiler/ops/quant_util.h"
#include "passes/passes.h"

namespace kiln {

namespace {

// A per-tensor, constant-parameter QuantizeLinear or DequantizeLinear: its scale and zero point.
bool boundary_params(const Graph& g, const Node& n, const char* op, QuantParams* q) {
  if (n.op != op || !n.domain.empty() || n.inputs.size() < 3 || n.inputs[2].empty()) return false;
  const Tensor& s = g.tensor(n.inputs[1]);
  const Tensor& z = g.tensor(n.inputs[2]);
  if (!s.is_const || !z.is_const || s.numel() != 1 || z.numel() != 1) return false;
  *q = QuantParams{{s.as<float>()[0]}, {static_cast<int32_t>(z.int_at(0))}, -1};
  return true;
}

void rename_tensor(Graph& g, const std::string& from, const std::string& to) {
  for (Node& n : g.nodes) {
    for (auto& i : n.inputs)
      if (i == from) i = to;
    for (auto& o : n.outputs)
      if (o == from) o = to;
  }
}

// Softmax/Sigmoid/Tanh of a DequantizeLinear writing output y: y becomes QuantizeLinear's int8
// output with the function's fixed parameters.
bool quantize_fixed_range_output(Graph& g, const std::string& y) {
  const int p = g.producer(y);
  if (p < 0) return false;
  const Node f = g.nodes[static_cast<size_t>(p)];
  const int d = f.inputs.empty() ? -1 : g.producer(f.inputs[0]);
  if (!f.domain.empty() || d < 0 || g.nodes[static_cast<size_t>(d)].op != "DequantizeLinear") return false;
  float scale;
  int zp;
  if (f.op == "Softmax" || f.op == "Sigmoid") scale = 1.0f / 256.0f, zp = -128;
  else if (f.op == "Tanh") scale = 1.0f / 128.0f, zp = 0;
  else return false;
  auto scalar = [&](const std::string& base, DType t) -> std::string {
    Tensor c;
    c.name = g.unique_name(base);
    c.dtype = t;
    c.shape_known = true;
    c.is_const = true;
    c.alloc();
    if (t == DType::kFloat32) c.as_mut<float>()[0] = scale;
    else c.as_mut<int8_t>()[0] = static_cast<int8_t>(zp);
    g.tensors[c.name] = c;
    return c.name;
  };
  const std::string yf = g.unique_name(y + "_float");
  Tensor t = g.tensor(y);
  t.name = yf;
  g.tensors[yf] = t;
  for (size_t c : g.consumers(y))
    for (auto& i : g.nodes[c].inputs)
      if (i == y) i = yf;
  g.nodes[static_cast<size_t>(p)].outputs[0] = yf;
  Node q;
  q.name = g.unique_name(y + "/QuantizeLinear");
  q.op = "QuantizeLinear";
  q.inputs = {yf, scalar(y + "_scale", DType::kFloat32), scalar(y + "_zero_point", DType::kInt8)};
  q.outputs = {y};
  g.nodes.insert(g.nodes.begin() + p + 1, q);
  g.tensor(y).dtype = DType::kInt8;
  g.tensor(y).quant = QuantParams{{scale}, {zp}, -1};
  return true;
}

Status io_error(const char* kind, const std::string& name, const std::string& why) {
  return error(ErrorCode::kUnsupportedAttr, fmt::format("--io int8: {} '{}' {}", kind, name, why),
               "--io int8 needs every float input quantized and every float output dequantized at the boundary: "
               "a float model needs --quantize int8 too");
}

}  // namespace

PassResult run_io_int8(Graph& g, const PassContext& ctx) {
  PassResult r;
  if (!ctx.io_int8) return r;
  for (const std::string& x : g.inputs) {
    if (g.tensor(x).dtype != DType::kFloat32) continue;
    const auto readers = g.consumers(x);
    QuantParams qp;
    if (readers.size() != 1 || !boundary_params(g, g.nodes[readers[0]], "QuantizeLinear", &qp)) {
      r.status = io_error("input", x, "is read as float, not only by one QuantizeLinear");
      return r;
    }
    const std::string q = g.nodes[readers[0]].outputs[0];
    Tensor t = g.tensor(q);
    t.name = x;
    t.quant = qp;
    g.nodes.erase(g.nodes.begin() + static_cast<long>(readers[0]));
    g.tensors.erase(q);
    g.tensors[x] = t;
    rename_tensor(g, q, x);
    ++r.stats["inputs"];
  }
  for (const std::string& y : g.outputs) {
    if (g.tensor(y).dtype != DType::kFloat32) continue;
    if (quantize_fixed_range_output(g, y)) {
      ++r.stats["outputs"];
      continue;
    }
    const int p = g.producer(y);
    QuantParams qp;
    if (p < 0 || !boundary_params(g, g.nodes[static_cast<size_t>(p)], "DequantizeLinear", &qp) ||
        g.is_graph_input(g.nodes[static_cast<size_t>(p)].inputs[0])) {
      r.status = io_error("output", y, "is not written by a DequantizeLinear");
      return r;
    }
    const std::string u = g.nodes[static_cast<size_t>(p)].inputs[0];
    const bool read_inside = !g.consumers(y).empty();
    const bool u_shared = g.consumers(u).size() > 1 || g.is_graph_output(u);
    if (u_shared) {
      r.status = io_error("output", y, "comes from an int8 tensor the graph also uses elsewhere");
      return r;
    }
    Tensor t = g.tensor(u);
    t.name = y;
    t.quant = qp;
    if (read_inside) {
      // Float readers of y keep a DequantizeLinear of the int8 output.
      const std::string f = g.unique_name(y + "_dequantized");
      Tensor ft = g.tensor(y);
      ft.name = f;
      g.tensors[f] = ft;
      for (size_t c : g.consumers(y))
        for (auto& i : g.nodes[c].inputs)
          if (i == y) i = f;
      g.nodes[static_cast<size_t>(p)].outputs[0] = f;
    } else {
      g.nodes.erase(g.nodes.begin() + p);
    }
    g.tensors.erase(u);
    g.tensors[y] = t;
    rename_tensor(g, u, y);
    ++r.stats["outputs"];
  }
  for (Node& n : g.nodes) {
    r.status = infer_node(g, n);
    if (!r.status) return r;
  }
  r.changed = !r.stats.empty();
  return r;
}

}  // namespace kiln
