// The importer is the one place that knows protobuf, so its tests build ModelProtos directly.
#include <catch2/catch.hpp>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "compiler/import/onnx_import.h"
#include "compiler/ops/infer.h"

using namespace kiln;
namespace fs = std::filesystem;

namespace {

onnx::ModelProto relu_model(const std::vector<std::string>& dims) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("g");
  auto* n = g->add_node();
  n->set_op_type("Relu");
  n->add_input("x");
  n->add_output("y");
  auto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = in->mutable_type()->mutable_tensor_type()->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (d[0] >= '0' && d[0] <= '9') dim->set_dim_value(std::stoll(d));
    else dim->set_dim_param(d);
  }
  auto* out = g->add_output();
  out->set_name("y");
  *out->mutable_type() = in->type();
  return m;
}

std::string bytes(const onnx::ModelProto& m) { return m.SerializeAsString(); }

}  // namespace

TEST_CASE("import fixes a lone free batch dim to 1", "[import]") {
  auto g = import_onnx_bytes(bytes(relu_model({"N", "3"})), ".", ImportOptions{});
  REQUIRE(g.has_value());
  CHECK(g->tensor("x").shape == Shape{1, 3});
  CHECK(g->tensor("y").shape == Shape{1, 3});
}

TEST_CASE("import names the input and the dim of an unresolved free dim", "[import]") {
  auto g = import_onnx_bytes(bytes(relu_model({"N", "T"})), ".", ImportOptions{});
  REQUIRE_FALSE(g.has_value());
  CHECK(g.status().code() == ErrorCode::kMissingDim);
  CHECK_THAT(g.status().str(), Catch::Contains("'x'") && Catch::Contains("'T'") && Catch::Contains("--input-shape"));
}

TEST_CASE("option --input-shape fixes every free dim", "[import]") {
  ImportOptions opt;
  REQUIRE(parse_input_shape("x=2,7", &opt.input_shapes).is_ok());
  auto g = import_onnx_bytes(bytes(relu_model({"N", "T"})), ".", opt);
  REQUIRE(g.has_value());
  CHECK(g->tensor("y").shape == Shape{2, 7});
}

TEST_CASE("parse_input_shape rejects malformed specs", "[import]") {
  std::map<std::string, std::vector<int64_t>> m;
  CHECK_FALSE(parse_input_shape("x", &m).is_ok());
  CHECK_FALSE(parse_input_shape("x=1,a", &m).is_ok());
  CHECK_FALSE(parse_input_shape("x=-1", &m).is_ok());
  CHECK(parse_input_shape("in:0=1,3", &m).is_ok());
  CHECK(m["in:0"] == std::vector<int64_t>{1, 3});
}

TEST_CASE("import lists every unsupported op at once", "[import]") {
  onnx::ModelProto m = relu_model({"1", "3"});
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_output(0, "t");
  for (const char* op : {"FancyOpA", "FancyOpB"}) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_domain("com.example");
    n->set_name(std::string("node_") + op);
    n->add_input("t");
    n->add_output(op == std::string("FancyOpA") ? "u" : "y");
  }
  g->mutable_node(2)->set_input(0, "u");
  auto* os = m.add_opset_import();
  os->set_domain("com.example");
  os->set_version(1);
  ImportOptions no_checker;
  no_checker.run_onnx_checker = false;
  auto r = import_onnx_bytes(bytes(m), ".", no_checker);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().diagnostics().size() == 2);
  CHECK(r.status().exit_code() == 3);
  CHECK_THAT(r.status().str(), Catch::Contains("node_FancyOpA") && Catch::Contains("node_FancyOpB"));
}

TEST_CASE("Constant nodes become initializers", "[import]") {
  onnx::ModelProto m = relu_model({"1", "2"});
  auto* g = m.mutable_graph();
  auto* c = g->add_node();
  c->set_op_type("Constant");
  c->add_output("k");
  auto* a = c->add_attribute();
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  a->add_floats(1.0f);
  a->add_floats(-2.0f);
  auto* add = g->add_node();
  add->set_op_type("Add");
  add->add_input("y");
  add->add_input("k");
  add->add_output("z");
  g->mutable_output(0)->set_name("z");
  // The Constant comes after its use in node order here; move it first.
  g->mutable_node()->SwapElements(0, 1);
  auto r = import_onnx_bytes(bytes(m), ".", ImportOptions{});
  REQUIRE(r.has_value());
  CHECK(r->tensor("k").is_const);
  CHECK(r->nodes.size() == 2);
}

TEST_CASE("external data is read only from inside the model's folder", "[import][security]") {
  fs::path dir = fs::temp_directory_path() / "kiln_extdata_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "model");
  std::vector<float> w = {1.0f, -1.0f};
  std::ofstream(dir / "model" / "w.bin", std::ios::binary).write(reinterpret_cast<const char*>(w.data()), 8);
  std::ofstream(dir / "secret.bin", std::ios::binary).write(reinterpret_cast<const char*>(w.data()), 8);
  fs::create_symlink(dir / "secret.bin", dir / "model" / "link.bin");

  auto model_with = [&](const std::string& location) {
    onnx::ModelProto m = relu_model({"1", "2"});
    auto* g = m.mutable_graph();
    auto* init = g->add_initializer();
    init->set_name("w");
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->add_dims(2);
    init->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = init->add_external_data();
    kv->set_key("location");
    kv->set_value(location);
    auto* add = g->add_node();
    add->set_op_type("Add");
    add->add_input("y");
    add->add_input("w");
    add->add_output("z");
    g->mutable_output(0)->set_name("z");
    return bytes(m);
  };
  std::string model_dir = (dir / "model").string();
  auto ok = import_onnx_bytes(model_with("w.bin"), model_dir, ImportOptions{});
  REQUIRE(ok.has_value());
  CHECK(ok->tensor("w").as<float>()[1] == -1.0f);
  for (const std::string& bad : std::vector<std::string>{"../secret.bin", (dir / "secret.bin").string(), "link.bin"}) {
    auto r = import_onnx_bytes(model_with(bad), model_dir, ImportOptions{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.status().code() == ErrorCode::kBadExternalData);
  }
  fs::remove_all(dir);
}

TEST_CASE("import rejects a zero stride before ONNX shape inference divides by it", "[import]") {
  onnx::ModelProto m = relu_model({"1", "1", "4", "4"});
  auto* n = m.mutable_graph()->mutable_node(0);
  n->set_op_type("MaxPool");
  n->set_name("pool");
  auto* ks = n->add_attribute();
  ks->set_name("kernel_shape");
  ks->set_type(onnx::AttributeProto::INTS);
  ks->add_ints(2);
  ks->add_ints(2);
  auto* st = n->add_attribute();
  st->set_name("strides");
  st->set_type(onnx::AttributeProto::INTS);
  st->add_ints(0);
  st->add_ints(1);
  ImportOptions no_checker;
  no_checker.run_onnx_checker = false;
  auto r = import_onnx_bytes(bytes(m), ".", no_checker);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().code() == ErrorCode::kInvalidNode);
  CHECK_THAT(r.status().str(), Catch::Contains("'pool'") && Catch::Contains("strides must be positive"));
}

namespace {

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> ins,
                          std::vector<std::string> outs) {
  auto* n = g->add_node();
  n->set_op_type(op);
  for (const auto& i : ins) n->add_input(i);
  for (const auto& o : outs) n->add_output(o);
  return n;
}

// A [2] tensor output.
void add_graph_output(onnx::GraphProto* g, const std::string& name, int elem_type) {
  auto* o = g->add_output();
  o->set_name(name);
  o->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  o->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
}

// Constant `name` holding floats v.
void add_floats(onnx::GraphProto* g, const std::string& name, std::vector<float> v) {
  auto* a = add_node(g, "Constant", {}, {name})->add_attribute();
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float f : v) a->add_floats(f);
}

onnx::GraphProto* add_branch(onnx::NodeProto* n, const std::string& name) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name(name);
  return a->mutable_g();
}

// y = If(cond) {then: t = x + [10, 20], with a nested If on the same cond whose branches read
// t; else: -x}, then the main graph's own "t" = y * x. cond is Size(x) > 1, which folds, or a
// graph input.
onnx::ModelProto if_model(bool runtime_cond) {
  onnx::ModelProto m = relu_model({"2"});  // x [2] -> Relu -> y: reuse the input, drop the node
  auto* g = m.mutable_graph();
  g->clear_node();
  g->clear_output();
  if (runtime_cond) {
    auto* c = g->add_input();
    c->set_name("cond");
    c->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::BOOL);
    c->mutable_type()->mutable_tensor_type()->mutable_shape();
  } else {
    add_node(g, "Size", {"x"}, {"size"});
    auto* one = add_node(g, "Constant", {}, {"one"})->add_attribute();
    one->set_name("value_int");
    one->set_type(onnx::AttributeProto::INT);
    one->set_i(1);
    add_node(g, "Greater", {"size", "one"}, {"cond"});
  }
  auto* node = add_node(g, "If", {"cond"}, {"r"});
  node->set_name("choose");
  auto* then_g = add_branch(node, "then_branch");
  add_floats(then_g, "k", {10, 20});
  add_node(then_g, "Add", {"x", "k"}, {"t0"});
  auto* inner = add_node(then_g, "If", {"cond"}, {"t"});
  inner->set_name("inner");
  auto* inner_then = add_branch(inner, "then_branch");
  add_node(inner_then, "Identity", {"t0"}, {"t1"});
  add_graph_output(inner_then, "t1", onnx::TensorProto::FLOAT);
  auto* inner_else = add_branch(inner, "else_branch");
  add_node(inner_else, "Neg", {"t0"}, {"t2"});
  add_graph_output(inner_else, "t2", onnx::TensorProto::FLOAT);
  add_graph_output(then_g, "t", onnx::TensorProto::FLOAT);
  auto* else_g = add_branch(node, "else_branch");
  add_node(else_g, "Neg", {"x"}, {"e"});
  add_graph_output(else_g, "e", onnx::TensorProto::FLOAT);
  add_node(g, "Mul", {"r", "x"}, {"t"});
  add_graph_output(g, "t", onnx::TensorProto::FLOAT);
  return m;
}

}  // namespace

TEST_CASE("If with a condition that folds to a constant is replaced by its branch", "[import][if]") {
  ImportOptions opt;
  opt.run_onnx_checker = false;  // the main graph reuses the branch's name "t", which import must rename
  auto r = import_onnx_bytes(bytes(if_model(false)), ".", opt);
  REQUIRE(r.has_value());
  for (const Node& n : r->nodes) CHECK(n.op != "If");
  Tensor& x = r->tensor("x");
  x.alloc();
  x.as_mut<float>()[0] = 1;
  x.as_mut<float>()[1] = 2;
  REQUIRE(eval_graph(*r).is_ok());
  const Tensor& t = r->tensor("t");
  REQUIRE(t.numel() == 2);
  CHECK(t.as<float>()[0] == 11.0f);  // (1 + 10) * 1
  CHECK(t.as<float>()[1] == 44.0f);  // (2 + 20) * 2
  bool prefixed = false;
  for (const Node& n : r->nodes) prefixed |= n.name.rfind("choose/", 0) == 0;
  CHECK(prefixed);
}

TEST_CASE("If with a run-time condition is refused as unsupported", "[import][if]") {
  auto r = import_onnx_bytes(bytes(if_model(true)), ".", ImportOptions{});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().code() == ErrorCode::kUnsupportedAttr);
  CHECK_THAT(r.status().str(), Catch::Contains("run-time condition"));
}
