// ONNX -> kiln IR. The only code that sees protobuf types.
//
// Steps: read and fingerprint the file; parse; inline external data (only from inside the
// model's folder); onnx::checker; fix free input dims from --input-shape (a lone free batch dim
// defaults to 1); ONNX shape inference; build our Graph (Constant nodes become initializers);
// then kiln's own per-op shape rules and folding (compiler/ops/infer.h) decide every shape.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

namespace kiln {

struct ImportOptions {
  std::map<std::string, std::vector<int64_t>> input_shapes;  // --input-shape NAME=D0,D1,...
  bool run_onnx_checker = true;
};

Expected<Graph> import_onnx_file(const std::string& path, const ImportOptions& opt);
Expected<Graph> import_onnx_bytes(const std::string& bytes, const std::string& model_dir,
                                  const ImportOptions& opt);

// A serialized onnx.TensorProto (the backend suite's input_N.pb / output_N.pb) as a constant.
Expected<Tensor> read_tensor_pb(const std::string& path);
// Writes a tensor as a serialized onnx.TensorProto with raw_data.
Status write_tensor_pb(const Tensor& t, const std::string& path);

// Parses "NAME=D0,D1,..." into the map; an error names the malformed entry.
Status parse_input_shape(const std::string& spec,
                         std::map<std::string, std::vector<int64_t>>* out);

}  // namespace kiln
