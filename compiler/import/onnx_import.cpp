#include "compiler/import/onnx_import.h"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "compiler/ops/infer.h"
#include "compiler/ops/op.h"
#include "compiler/support/sha256.h"

namespace kiln {

namespace fs = std::filesystem;

namespace {

Expected<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return error(ErrorCode::kIoError, fmt::format("cannot read '{}'", path));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Expected<DType> dtype_from_onnx(int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return DType::kFloat32;
    case onnx::TensorProto::DOUBLE: return DType::kFloat64;
    case onnx::TensorProto::INT8: return DType::kInt8;
    case onnx::TensorProto::UINT8: return DType::kUInt8;
    case onnx::TensorProto::INT16: return DType::kInt16;
    case onnx::TensorProto::UINT16: return DType::kUInt16;
    case onnx::TensorProto::INT32: return DType::kInt32;
    case onnx::TensorProto::UINT32: return DType::kUInt32;
    case onnx::TensorProto::INT64: return DType::kInt64;
    case onnx::TensorProto::UINT64: return DType::kUInt64;
    case onnx::TensorProto::BOOL: return DType::kBool;
    default:
      return error(ErrorCode::kUnsupportedType,
                   fmt::format("ONNX element type {} ({}) is not supported", t,
                               onnx::TensorProto_DataType_Name(t)),
                   "kiln supports float, double, int8..int64, uint8..uint64 and bool");
  }
}

int dtype_to_onnx(DType t) {
  switch (t) {
    case DType::kFloat32: return onnx::TensorProto::FLOAT;
    case DType::kFloat64: return onnx::TensorProto::DOUBLE;
    case DType::kInt8: return onnx::TensorProto::INT8;
    case DType::kUInt8: return onnx::TensorProto::UINT8;
    case DType::kInt16: return onnx::TensorProto::INT16;
    case DType::kUInt16: return onnx::TensorProto::UINT16;
    case DType::kInt32: return onnx::TensorProto::INT32;
    case DType::kUInt32: return onnx::TensorProto::UINT32;
    case DType::kInt64: return onnx::TensorProto::INT64;
    case DType::kUInt64: return onnx::TensorProto::UINT64;
    case DType::kBool: return onnx::TensorProto::BOOL;
    case DType::kUndefined: return onnx::TensorProto::UNDEFINED;
  }
  return onnx::TensorProto::UNDEFINED;
}

// Copies typed repeated fields element by element into the tensor's bytes.
template <typename Src>
void fill_from(Tensor* t, const Src& src) {
  dispatch_dtype(t->dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = t->as_mut<T>();
    for (int64_t i = 0; i < t->numel() && i < static_cast<int64_t>(src.size()); ++i)
      dst[i] = static_cast<T>(src.Get(static_cast<int>(i)));
  });
}

Expected<Tensor> tensor_from_proto(const onnx::TensorProto& p) {
  Tensor t;
  t.name = p.name();
  auto dt = dtype_from_onnx(p.data_type());
  if (!dt) return dt.status();
  t.dtype = *dt;
  for (int64_t d : p.dims()) t.shape.push_back(d);
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  if (p.has_raw_data()) {
    if (p.raw_data().size() != t.bytes())
      return error(ErrorCode::kInvalidNode,
                   fmt::format("tensor '{}' has {} raw bytes, its type needs {}", t.name,
                               p.raw_data().size(), t.bytes()));
    if (t.bytes()) std::memcpy(t.data.data(), p.raw_data().data(), t.bytes());
    return t;
  }
  switch (p.data_type()) {
    case onnx::TensorProto::FLOAT: fill_from(&t, p.float_data()); break;
    case onnx::TensorProto::DOUBLE: fill_from(&t, p.double_data()); break;
    case onnx::TensorProto::INT64: fill_from(&t, p.int64_data()); break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64: fill_from(&t, p.uint64_data()); break;
    default: fill_from(&t, p.int32_data()); break;
  }
  return t;
}

// External data is read by kiln itself, only from files inside the model's folder.
Status inline_external_data(onnx::TensorProto* p, const std::string& model_dir) {
  if (p->data_location() != onnx::TensorProto::EXTERNAL) return Status::ok();
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p->external_data()) {
    if (kv.key() == "location") location = kv.value();
    if (kv.key() == "offset") offset = std::stoll(kv.value());
    if (kv.key() == "length") length = std::stoll(kv.value());
  }
  auto bad = [&](const std::string& why) {
    return error(ErrorCode::kBadExternalData,
                 fmt::format("external data of tensor '{}' ('{}'): {}", p->name(), location, why),
                 "external data must be a relative path inside the model's folder");
  };
  fs::path rel(location);
  if (location.empty() || rel.is_absolute()) return bad("absolute or empty path");
  for (const auto& part : rel)
    if (part == "..") return bad("path leaves the model's folder");
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(model_dir.empty() ? fs::path(".") : fs::path(model_dir), ec);
  fs::path full = fs::weakly_canonical(dir / rel, ec);
  if (ec) return bad("cannot resolve path");
  auto [d, f] = std::mismatch(dir.begin(), dir.end(), full.begin(), full.end());
  if (d != dir.end()) return bad("path resolves (through a link) outside the model's folder");
  std::ifstream in(full, std::ios::binary);
  if (!in) return bad("cannot open file");
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (length < 0) length = size - offset;
  if (offset < 0 || offset + length > size) return bad("offset/length beyond the end of the file");
  std::string buf(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(buf.data(), length);
  p->set_raw_data(buf);
  p->clear_external_data();
  p->set_data_location(onnx::TensorProto::DEFAULT);
  return Status::ok();
}

// External data of a graph's initializers and tensor attributes, and of its subgraphs'.
Status inline_graph_external_data(onnx::GraphProto* gp, const std::string& model_dir) {
  for (auto& init : *gp->mutable_initializer()) KILN_TRY(inline_external_data(&init, model_dir));
  for (auto& n : *gp->mutable_node())
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t()) KILN_TRY(inline_external_data(a.mutable_t(), model_dir));
      if (a.has_g()) KILN_TRY(inline_graph_external_data(a.mutable_g(), model_dir));
    }
  return Status::ok();
}

Expected<Attr> attr_from_proto(const onnx::AttributeProto& a) {
  Attr r;
  switch (a.type()) {
    case onnx::AttributeProto::INT: r.kind = Attr::Kind::kInt; r.i = a.i(); break;
    case onnx::AttributeProto::FLOAT: r.kind = Attr::Kind::kFloat; r.f = a.f(); break;
    case onnx::AttributeProto::STRING: r.kind = Attr::Kind::kString; r.s = a.s(); break;
    case onnx::AttributeProto::INTS:
      r.kind = Attr::Kind::kInts;
      r.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case onnx::AttributeProto::FLOATS:
      r.kind = Attr::Kind::kFloats;
      r.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto::STRINGS:
      r.kind = Attr::Kind::kStrings;
      r.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case onnx::AttributeProto::TENSOR: {
      auto t = tensor_from_proto(a.t());
      if (!t) return t.status();
      r.kind = Attr::Kind::kTensor;
      r.t = std::make_shared<Tensor>(t.take());
      break;
    }
    default:
      return error(ErrorCode::kUnsupportedAttr,
                   fmt::format("attribute '{}' of type {} is not supported", a.name(),
                               onnx::AttributeProto_AttributeType_Name(a.type())),
                   "subgraphs, sparse tensors and type protos are not supported");
  }
  return r;
}

// A Constant node's value as a tensor named after its output.
Expected<Tensor> constant_value(const onnx::NodeProto& n) {
  Tensor t;
  t.name = n.output(0);
  t.is_const = true;
  t.shape_known = true;
  for (const auto& a : n.attribute()) {
    if (a.name() == "value") {
      auto v = tensor_from_proto(a.t());
      if (!v) return v.status();
      t = v.take();
      t.name = n.output(0);
      return t;
    }
    if (a.name() == "value_float" || a.name() == "value_floats") {
      t.dtype = DType::kFloat32;
      std::vector<float> v = a.name() == "value_float" ? std::vector<float>{a.f()}
                                                       : std::vector<float>(a.floats().begin(), a.floats().end());
      if (a.name() == "value_floats") t.shape = {static_cast<int64_t>(v.size())};
      t.alloc();
      std::memcpy(t.data.data(), v.data(), t.bytes());
      return t;
    }
    if (a.name() == "value_int" || a.name() == "value_ints") {
      t.dtype = DType::kInt64;
      std::vector<int64_t> v = a.name() == "value_int" ? std::vector<int64_t>{a.i()}
                                                       : std::vector<int64_t>(a.ints().begin(), a.ints().end());
      if (a.name() == "value_ints") t.shape = {static_cast<int64_t>(v.size())};
      t.alloc();
      std::memcpy(t.data.data(), v.data(), t.bytes());
      return t;
    }
  }
  return node_error(ErrorCode::kUnsupportedAttr, "Constant", n.name(),
                    "only value, value_float(s) and value_int(s) constants are supported",
                    "string and sparse constants have no use on a microcontroller");
}

// Applies --input-shape and the batch-1 default to one graph input.
Status fix_input_dims(onnx::ValueInfoProto* vi, const ImportOptions& opt) {
  auto it = opt.input_shapes.find(vi->name());
  if (it == opt.input_shapes.end() && !vi->type().tensor_type().has_shape())
    return error(ErrorCode::kMissingDim, fmt::format("input '{}' has no shape", vi->name()),
                 fmt::format("pass --input-shape {}=D0,D1,...", vi->name()));
  auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
  if (it != opt.input_shapes.end()) {
    if (static_cast<size_t>(shape->dim_size()) != it->second.size() && shape->dim_size() != 0)
      return error(ErrorCode::kBadInputShape,
                   fmt::format("--input-shape {} gives {} dims, the model's input has {}", vi->name(),
                               it->second.size(), shape->dim_size()));
    shape->clear_dim();
    for (int64_t d : it->second) shape->add_dim()->set_dim_value(d);
    return Status::ok();
  }
  std::vector<int> free_dims;
  for (int i = 0; i < shape->dim_size(); ++i)
    if (!shape->dim(i).has_dim_value() || shape->dim(i).dim_value() < 0) free_dims.push_back(i);
  if (free_dims.empty()) return Status::ok();
  if (free_dims.size() == 1 && free_dims[0] == 0) {
    shape->mutable_dim(0)->set_dim_value(1);
    return Status::ok();
  }
  int d = free_dims[0] == 0 ? free_dims[1] : free_dims[0];
  std::string label = shape->dim(d).has_dim_param() ? "'" + shape->dim(d).dim_param() + "'" : "?";
  return error(ErrorCode::kMissingDim,
               fmt::format("input '{}' has free dimension {} ({}) with no value", vi->name(), d, label),
               fmt::format("pass --input-shape {}=D0,D1,...", vi->name()));
}

void set_type_from_value_info(Tensor* t, const onnx::ValueInfoProto& vi) {
  if (!vi.type().has_tensor_type()) return;
  const auto& tt = vi.type().tensor_type();
  auto dt = dtype_from_onnx(tt.elem_type());
  if (dt) t->dtype = *dt;
  if (!tt.has_shape()) return;
  Shape s;
  for (const auto& d : tt.shape().dim()) {
    if (!d.has_dim_value()) return;
    s.push_back(d.dim_value());
  }
  t->shape = s;
  t->shape_known = true;
}

Status import_nodes(const onnx::GraphProto& gp, int ms_opset, Graph* out);

// An If branch: its initializers, nodes and outputs as a Graph (no inputs: it reads the
// enclosing graph's tensors by name).
Expected<Attr> subgraph_attr(const onnx::GraphProto& gp, int ms_opset, int opset) {
  if (gp.input_size() != 0)
    return error(ErrorCode::kUnsupportedAttr, fmt::format("subgraph '{}' has inputs", gp.name()),
                 "only If branches (graphs without inputs) are supported");
  auto sub = std::make_shared<Graph>();
  sub->name = gp.name();
  sub->opset = opset;
  for (const auto& init : gp.initializer()) {
    auto t = tensor_from_proto(init);
    if (!t) return t.status();
    sub->tensors[init.name()] = t.take();
  }
  KILN_TRY(import_nodes(gp, ms_opset, sub.get()));
  for (const auto& o : gp.output()) sub->outputs.push_back(o.name());
  Attr r;
  r.kind = Attr::Kind::kGraph;
  r.g = std::move(sub);
  return r;
}

// Imports the nodes of gp into g, every unsupported op or attribute of them at once: Constant
// nodes become constant tensors, each other node's outputs get (untyped) tensors, and graph
// attributes (If branches) become subgraphs, imported the same way.
Status import_nodes(const onnx::GraphProto& gp, int ms_opset, Graph* out) {
  Graph& g = *out;
  Status unsupported;
  int index = 0;
  for (const auto& np : gp.node()) {
    std::string name = np.name().empty() ? fmt::format("{}_{}", np.op_type(), index) : np.name();
    ++index;
    if (np.op_type() == "Constant" && (np.domain().empty() || np.domain() == "ai.onnx")) {
      auto t = constant_value(np);
      if (!t) {
        unsupported.merge(t.status());
        continue;
      }
      g.tensors[np.output(0)] = t.take();
      continue;
    }
    Node n;
    n.name = name;
    n.op = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    const OpDef* def = find_op(n.op, n.domain);
    if (!def) {
      unsupported.merge(unsupported_op(n.domain.empty() ? n.op : n.domain + "." + n.op, n.name, g.opset));
      continue;
    }
    const int node_opset = n.domain == "com.microsoft" ? ms_opset : g.opset;
    if (node_opset < def->min_opset || node_opset > def->max_opset) {
      unsupported.merge(node_error(ErrorCode::kUnsupportedOpset, n.op, n.name,
                                   fmt::format("opset {} semantics are not supported (kiln implements {}..{})",
                                               node_opset, def->min_opset, def->max_opset)));
      continue;
    }
    for (const auto& a : np.attribute()) {
      if (a.type() == onnx::AttributeProto::GRAPH) {
        auto sub = subgraph_attr(a.g(), ms_opset, g.opset);  // its errors name its own nodes
        if (sub) n.attrs[a.name()] = sub.take();
        else unsupported.merge(sub.status());
        continue;
      }
      auto attr = attr_from_proto(a);
      if (!attr) {
        Diagnostic d = attr.status().diagnostics().front();
        d.op = n.op;
        d.node = n.name;
        unsupported.merge(Status(d));
        continue;
      }
      n.attrs[a.name()] = attr.take();
    }
    for (const auto& o : n.outputs) {
      if (o.empty() || g.tensors.count(o)) continue;
      Tensor t;
      t.name = o;
      g.tensors[o] = t;
    }
    g.nodes.push_back(std::move(n));
  }
  return unsupported;
}

}  // namespace

Expected<Graph> import_onnx_file(const std::string& path, const ImportOptions& opt) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.status();
  auto g = import_onnx_bytes(*bytes, fs::path(path).parent_path().string(), opt);
  if (g) g->model_path = path;
  return g;
}

Expected<Graph> import_onnx_bytes(const std::string& bytes, const std::string& model_dir,
                                  const ImportOptions& opt) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    return error(ErrorCode::kParseFailed, "the file is not a valid ONNX model (protobuf parse failed)");

  Graph g;
  g.model_sha256 = sha256_hex(bytes);
  g.producer_name = model.producer_name();
  int ms_opset = 0;  // com.microsoft: onnxruntime's contrib ops (quantized ops), version 1
  for (const auto& os : model.opset_import()) {
    if (os.domain().empty() || os.domain() == "ai.onnx") g.opset = static_cast<int>(os.version());
    if (os.domain() == "com.microsoft") ms_opset = static_cast<int>(os.version());
  }
  if (g.opset == 0) return error(ErrorCode::kUnsupportedOpset, "the model imports no ai.onnx opset");
  if (g.opset > 17)
    return error(ErrorCode::kUnsupportedOpset,
                 fmt::format("opset {} is newer than kiln supports (up to 17)", g.opset),
                 "re-export the model with opset 17 or lower");

  onnx::GraphProto* gp = model.mutable_graph();
  KILN_TRY(inline_graph_external_data(gp, model_dir));

  if (opt.run_onnx_checker) {
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      return error(ErrorCode::kCheckerFailed, fmt::format("onnx::checker rejected the model: {}", e.what()));
    }
  }

  std::set<std::string> init_names;
  for (const auto& init : gp->initializer()) init_names.insert(init.name());
  Status dims_status;
  for (auto& in : *gp->mutable_input()) {
    if (init_names.count(in.name())) continue;
    dims_status.merge(fix_input_dims(&in, opt));
  }
  if (!dims_status) return dims_status;
  for (const auto& kv : opt.input_shapes) {
    bool found = false;
    for (const auto& in : gp->input()) found |= in.name() == kv.first;
    if (!found)
      return error(ErrorCode::kBadInputShape, fmt::format("--input-shape names '{}', which is not a graph input", kv.first));
  }

  // libonnx's shape inference divides by strides and kernel sizes unchecked: reject
  // non-positive ones first, naming the node.
  Status windows;
  for (const auto& n : gp->node())
    for (const auto& a : n.attribute()) {
      if (a.name() != "strides" && a.name() != "dilations" && a.name() != "kernel_shape") continue;
      for (int64_t v : a.ints())
        if (v <= 0) {
          windows.merge(node_error(ErrorCode::kInvalidNode, n.op_type(), n.name(),
                                   fmt::format("{} must be positive, got {}", a.name(), v)));
          break;
        }
    }
  if (!windows) return windows;

  try {
    onnx::ShapeInferenceOptions so(false, 0, true);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), so);
  } catch (const std::exception&) {
    // kiln's own shape rules decide every shape below; ONNX's pass only pre-fills them.
  }

  g.name = gp->name();
  for (const auto& init : gp->initializer()) {
    auto t = tensor_from_proto(init);
    if (!t) return t.status();
    g.tensors[init.name()] = t.take();
  }
  for (const auto& in : gp->input()) {
    if (init_names.count(in.name())) continue;
    Tensor t;
    t.name = in.name();
    set_type_from_value_info(&t, in);
    if (t.dtype == DType::kUndefined)
      return error(ErrorCode::kUnsupportedType, fmt::format("graph input '{}' is not a supported tensor", in.name()));
    g.tensors[t.name] = t;
    g.inputs.push_back(t.name);
  }

  Status unsupported = import_nodes(*gp, ms_opset, &g);
  if (!unsupported) return unsupported;

  // ONNX's inferred types pre-fill intermediate tensors; kiln's own rules confirm them.
  for (const auto& vi : gp->value_info())
    if (Tensor* t = g.find(vi.name()); t && !t->is_const) set_type_from_value_info(t, vi);
  for (const auto& out : gp->output()) {
    Tensor* t = g.find(out.name());
    if (!t)
      return error(ErrorCode::kInvalidNode, fmt::format("graph output '{}' is never produced", out.name()));
    if (!t->is_const && !t->shape_known) set_type_from_value_info(t, out);
    g.outputs.push_back(out.name());
  }
  for (Node& n : g.nodes)
    for (const auto& in : n.inputs)
      if (!in.empty() && !g.find(in))
        return node_error(ErrorCode::kInvalidNode, n.op, n.name, fmt::format("input '{}' is never produced", in));

  KILN_TRY(infer_graph(g, /*fold=*/true));
  return g;
}

Expected<Tensor> read_tensor_pb(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.status();
  onnx::TensorProto p;
  if (!p.ParseFromString(*bytes))
    return error(ErrorCode::kParseFailed, fmt::format("'{}' is not a serialized TensorProto", path));
  return tensor_from_proto(p);
}

Status write_tensor_pb(const Tensor& t, const std::string& path) {
  onnx::TensorProto p;
  p.set_name(t.name);
  p.set_data_type(dtype_to_onnx(t.dtype));
  for (int64_t d : t.shape) p.add_dims(d);
  p.set_raw_data(std::string(t.data.begin(), t.data.end()));
  std::ofstream f(path, std::ios::binary);
  if (!f || !p.SerializeToOstream(&f)) return error(ErrorCode::kIoError, fmt::format("cannot write '{}'", path));
  return Status::ok();
}

Status parse_input_shape(const std::string& spec, std::map<std::string, std::vector<int64_t>>* out) {
  auto eq = spec.rfind('=');
  auto bad = [&] {
    return error(ErrorCode::kBadInputShape, fmt::format("malformed --input-shape '{}'", spec),
                 "expected NAME=D0,D1,... with non-negative integers");
  };
  if (eq == std::string::npos || eq == 0) return bad();
  std::vector<int64_t> dims;
  std::stringstream ss(spec.substr(eq + 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      long long v = std::stoll(item, &used);
      if (used != item.size() || v < 0) return bad();
      dims.push_back(v);
    } catch (const std::exception&) {
      return bad();
    }
  }
  (*out)[spec.substr(0, eq)] = dims;
  return Status::ok();
}

}  // namespace kiln
