// Module writer: turns a planned graph into NAME.h + NAME.cpp (+ the runtime headers used).
//
// Layout of NAME.cpp: banner and summary; includes; section macros; the constants (in first-use
// order) and the arena inside `namespace NAME`; NAME_invoke() with one commented block per node;
// the zero-copy accessors; NAME_run() which copies the inputs in and the outputs out.
#include "codegen/module.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "compiler/ir/printer.h"
#include "compiler/ops/op.h"

namespace kiln {

std::string c_identifier(const std::string& s) {
  std::string r;
  for (char c : s) r += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (r.empty() || std::isdigit(static_cast<unsigned char>(r[0]))) r = "m_" + r;
  return r;
}

static std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Comments must stay on one line and must not end in a line continuation.
static std::string comment_safe(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\\') c = ' ';
  return s;
}

std::string CodegenState::fresh_symbol(const std::string& hint) {
  std::string base = "w_" + c_identifier(hint);
  if (base.size() > 40) base.resize(40);
  std::string s = base;
  for (int i = 1; used_symbols_.count(s); ++i) s = fmt::format("{}_{}", base, i);
  used_symbols_.insert(s);
  return s;
}

std::string CodegenState::const_symbol(const std::string& tensor) {
  auto it = by_tensor_.find(tensor);
  if (it != by_tensor_.end()) return it->second;
  const Tensor& t = graph_.tensor(tensor);
  std::string sym = t.numel() == 0 ? fmt::format("static_cast<const {}*>(nullptr)", dtype_c_name(t.dtype))
                                   : fresh_symbol(tensor);
  if (t.numel() != 0) consts_.push_back({sym, t});
  by_tensor_[tensor] = sym;
  return sym;
}

std::string CodegenState::add_const(const std::string& hint, const Tensor& t) {
  // Identical derived constants share one symbol (the tiles of a patched layer repack the same
  // weights, passes/patch_stage.cpp).
  for (const Const& c : consts_)
    if (c.tensor.dtype == t.dtype && c.tensor.shape == t.shape && c.tensor.data == t.data) return c.symbol;
  std::string sym = fresh_symbol(hint);
  consts_.push_back({sym, t});
  return sym;
}

size_t CodegenState::const_bytes() const {
  size_t n = 0;
  for (const Const& c : consts_) n += c.tensor.bytes();
  return n;
}

static std::string int_literal(DType t, int64_t v, uint64_t u) {
  switch (t) {
    case DType::kInt64:
      if (v == INT64_MIN) return "(-9223372036854775807LL - 1)";
      return v > INT32_MAX || v < -INT32_MAX ? fmt::format("{}LL", v) : fmt::format("{}", v);
    case DType::kUInt64: return u > 0x7fffffffu ? fmt::format("{}ULL", u) : fmt::format("{}", u);
    case DType::kUInt32: return u > 0x7fffffffu ? fmt::format("{}u", u) : fmt::format("{}", u);
    case DType::kInt32:
      if (v == INT32_MIN) return "(-2147483647 - 1)";
      return fmt::format("{}", v);
    default: return fmt::format("{}", v);
  }
}

static std::string double_literal(double v) {
  if (std::isnan(v)) return "__builtin_nan(\"\")";
  if (std::isinf(v)) return v > 0 ? "__builtin_inf()" : "(-__builtin_inf())";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

static std::string element_literal(const Tensor& t, int64_t i) {
  switch (t.dtype) {
    case DType::kFloat32: return c_float(t.as<float>()[i]);
    case DType::kFloat64: return double_literal(t.as<double>()[i]);
    case DType::kBool: return t.as<uint8_t>()[i] ? "true" : "false";
    case DType::kUInt64: return int_literal(t.dtype, 0, t.as<uint64_t>()[i]);
    case DType::kUInt32: return int_literal(t.dtype, 0, t.as<uint32_t>()[i]);
    default: return int_literal(t.dtype, t.int_at(i), 0);
  }
}

static void write_const(std::string& out, const CodegenState::Const& c, int align,
                        const std::string& attr) {
  const Tensor& t = c.tensor;
  out += fmt::format("// {}: {}\n", comment_safe(t.name), print_tensor_type(t));
  out += fmt::format("alignas({}) const {} {}[{}] {} = {{", align, dtype_c_name(t.dtype), c.symbol,
                     t.numel(), attr);
  size_t line_len = 100;
  for (int64_t i = 0; i < t.numel(); ++i) {
    std::string v = element_literal(t, i);
    if (line_len + v.size() > 98) {
      out += "\n   ";
      line_len = 3;
    }
    out += ' ';
    out += v;
    out += ',';
    line_len += v.size() + 2;
  }
  out += "\n};\n";
}

static std::string node_comment(const Graph& g, const Node& n) {
  std::string attrs;
  for (const auto& kv : n.attrs) {
    if (kv.first.rfind("kiln_", 0) == 0) continue;
    if (!attrs.empty()) attrs += ' ';
    attrs += kv.first + "=" + print_attr(kv.second);
  }
  auto types = [&](const std::vector<std::string>& names) {
    std::string s;
    for (const auto& nm : names) {
      if (!s.empty()) s += ", ";
      if (nm.empty()) {
        s += "_";
        continue;
      }
      const Tensor& t = g.tensor(nm);
      s += fmt::format("{}{}", print_tensor_type(t), t.is_const ? " const" : "");
    }
    return s;
  };
  std::string s = fmt::format("// {} '{}'", n.op, n.name);
  if (!attrs.empty()) s += " " + attrs;
  std::string act = fused_act_str(n);
  if (!act.empty()) s += " +" + act;
  s += fmt::format(": ({}) -> ({})", types(n.inputs), types(n.outputs));
  return comment_safe(s);
}

static int64_t arena_offset_of(const Graph& g, const std::string& name) {
  int64_t off = 0;
  const Tensor* t = &g.tensor(name);
  while (!t->alias_of.empty()) {
    off += t->alias_offset;
    t = &g.tensor(t->alias_of);
  }
  return off + t->arena_offset;
}

Expected<GeneratedModule> write_module(Graph& g, const Target& target, const ModuleOptions& opt) {
  const std::string& name = opt.name;
  const std::string NAME = upper(name);
  CodegenState cg(g, target);
  cg.sparse_weights = opt.sparse_weights;
  cg.include("kiln_base.h");

  // --- the body of NAME_invoke, one block per node ---
  Emitter body;
  body.indent();
  Status st;
  for (Node& n : g.nodes) {
    const OpDef* def = find_op(n.op, n.domain);
    if (!def || !def->emit) {
      st.merge(node_error(ErrorCode::kUnsupportedOp, n.op, n.name,
                          "no code generator for this node (it should have been folded)"));
      continue;
    }
    body.raw_line(node_comment(g, n));
    OpCtx ctx(g, n, g.opset);
    ctx.set_codegen(&cg, &body, &target);
    st.merge(def->emit(ctx));
  }
  if (!st) return st;

  // --- arena size: the end of the furthest planned buffer ---
  int64_t arena = 0;
  for (const auto& kv : g.tensors) {  // views included: an in-place output may extend its root
    const Tensor& t = kv.second;
    const Tensor* r = &t;
    while (!r->alias_of.empty()) r = &g.tensor(r->alias_of);
    if (t.is_const || r->arena_offset < 0) continue;
    arena = std::max<int64_t>(arena, arena_offset_of(g, t.name) + static_cast<int64_t>(t.bytes()));
  }
  for (const Node& n : g.nodes)  // kernel scratch (OpDef::scratch), planned beside the tensors
    if (n.attr_int("kiln_scratch_offset", -1) >= 0)
      arena = std::max<int64_t>(arena, n.attr_int("kiln_scratch_offset", 0) + n.attr_int("kiln_scratch_bytes", 0));
  const int align = std::max(target.alignment, 16);
  int64_t arena_alloc = std::max<int64_t>((arena + align - 1) / align * align, align);

  GeneratedModule mod;
  mod.arena_bytes = static_cast<size_t>(arena);
  mod.weight_bytes = cg.const_bytes();

  // --- banner + summary shared by both files ---
  std::string banner = fmt::format("// Generated by kiln {} from {} (sha256 {}). Do not edit.\n",
                                   opt.kiln_version, comment_safe(opt.model_file), g.model_sha256);
  auto io_line = [&](const char* kind, size_t i, const std::string& nm) {
    const Tensor& t = g.tensor(nm);
    return fmt::format("//   {} {} '{}': {} [{}]{}\n", kind, i, comment_safe(nm), dtype_c_name(t.dtype),
                       fmt::join(t.shape, ", "),
                       t.quant.scale.size() == 1
                           ? fmt::format(" scale {} zero point {}", t.quant.scale[0], t.quant.zero_point[0])
                           : std::string());
  };
  std::string summary;
  for (size_t i = 0; i < g.inputs.size(); ++i) summary += io_line("input ", i, g.inputs[i]);
  for (size_t i = 0; i < g.outputs.size(); ++i) summary += io_line("output", i, g.outputs[i]);
  summary += fmt::format("//   arena {} bytes (RAM{}), weights {} bytes (flash), {} nodes, target {}\n", arena,
                         opt.external_arena ? ", passed in by the firmware" : "", mod.weight_bytes,
                         g.nodes.size(), target.name);

  // --- NAME.h ---
  std::string h = banner + summary;
  h += fmt::format("#ifndef KILN_{0}_H_\n#define KILN_{0}_H_\n\n#include <stdint.h>\n", NAME);
  h += "#ifndef __cplusplus\n#include <stdbool.h>\n#endif\n\n";
  h += fmt::format("#define {}_ARENA_BYTES {}\n", NAME, arena);
  h += fmt::format("#define {}_ARENA_ALIGN {}\n", NAME, align);
  if (opt.external_arena) h += fmt::format("#define {}_ARENA_EXTERNAL 1\n", NAME);
  h += fmt::format("#define {}_WEIGHTS_BYTES {}\n", NAME, mod.weight_bytes);
  h += fmt::format("#define {}_NUM_INPUTS {}\n", NAME, g.inputs.size());
  h += fmt::format("#define {}_NUM_OUTPUTS {}\n", NAME, g.outputs.size());
  for (size_t i = 0; i < g.inputs.size(); ++i)
    h += fmt::format("#define {}_INPUT_{}_SIZE {}\n", NAME, i, g.tensor(g.inputs[i]).numel());
  for (size_t i = 0; i < g.outputs.size(); ++i)
    h += fmt::format("#define {}_OUTPUT_{}_SIZE {}\n", NAME, i, g.tensor(g.outputs[i]).numel());
  // Quantized inputs/outputs (--quantize int8 --io int8): real = SCALE * (q - ZERO_POINT).
  auto quant_macros = [&](const char* kind, size_t i, const Tensor& t) {
    if (!(t.dtype == DType::kInt8 || t.dtype == DType::kUInt8) || t.quant.scale.size() != 1) return;
    h += fmt::format("#define {}_{}_{}_SCALE {:.9g}f\n", NAME, kind, i, t.quant.scale[0]);
    h += fmt::format("#define {}_{}_{}_ZERO_POINT {}\n", NAME, kind, i,
                     t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0]);
  };
  for (size_t i = 0; i < g.inputs.size(); ++i) quant_macros("INPUT", i, g.tensor(g.inputs[i]));
  for (size_t i = 0; i < g.outputs.size(); ++i) quant_macros("OUTPUT", i, g.tensor(g.outputs[i]));
  h += "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  std::vector<std::string> params;
  for (size_t i = 0; i < g.inputs.size(); ++i)
    params.push_back(fmt::format("const {} *in{}", dtype_c_name(g.tensor(g.inputs[i]).dtype), i));
  for (size_t i = 0; i < g.outputs.size(); ++i)
    params.push_back(fmt::format("{} *out{}", dtype_c_name(g.tensor(g.outputs[i]).dtype), i));
  h += "/* Runs the model: inputs, then outputs, dense row-major. Returns 0 on success. */\n";
  h += fmt::format("int {}_run({});\n\n", name, params.empty() ? "void" : fmt::format("{}", fmt::join(params, ", ")));
  h += "/* Zero-copy use: fill the inputs in place, invoke, read the outputs in place. */\n";
  for (size_t i = 0; i < g.inputs.size(); ++i)
    h += fmt::format("{} *{}_input_{}(void);\n", dtype_c_name(g.tensor(g.inputs[i]).dtype), name, i);
  for (size_t i = 0; i < g.outputs.size(); ++i)
    h += fmt::format("{} *{}_output_{}(void);\n", dtype_c_name(g.tensor(g.outputs[i]).dtype), name, i);
  h += fmt::format("int {}_invoke(void);\n", name);
  if (opt.external_arena) {
    h += fmt::format(
        "\n/* The firmware owns the arena: {0}_ARENA_BYTES bytes aligned to {0}_ARENA_ALIGN, set before the\n"
        "   first call (or between calls, to switch instances). Returns 0, or 1 when arena is NULL or\n"
        "   misaligned. Until one is set, {1}_run and {1}_invoke return 1 and the accessors NULL. */\n",
        NAME, name);
    h += fmt::format("int {}_set_arena(void *arena);\n", name);
  }
  h += "\n#ifdef __cplusplus\n}  /* extern \"C\" */\n\n";
  h += fmt::format("namespace {} {{\n", name);
  h += fmt::format("constexpr int kNumInputs = {};\nconstexpr int kNumOutputs = {};\n", g.inputs.size(),
                   g.outputs.size());
  h += fmt::format("constexpr unsigned long kArenaBytes = {};\n", arena);
  h += fmt::format("constexpr unsigned long kWeightsBytes = {};\n", mod.weight_bytes);
  auto shape_decl = [&](const char* kind, size_t i, const std::string& nm) {
    const Tensor& t = g.tensor(nm);
    std::string s = fmt::format("// {} {}: '{}'\n", kind, i, comment_safe(nm));
    s += fmt::format("constexpr int {}_{}_rank = {};\n", kind, i, t.shape.size());
    s += fmt::format("constexpr int32_t {}_{}_shape[] = {{{}}};\n", kind, i,
                     t.shape.empty() ? "1" : fmt::format("{}", fmt::join(t.shape, ", ")));
    s += fmt::format("constexpr long {}_{}_size = {};\n", kind, i, t.numel());
    return s;
  };
  for (size_t i = 0; i < g.inputs.size(); ++i) h += shape_decl("input", i, g.inputs[i]);
  for (size_t i = 0; i < g.outputs.size(); ++i) h += shape_decl("output", i, g.outputs[i]);
  h += fmt::format("}}  // namespace {}\n#endif\n\n#endif  // KILN_{}_H_\n", name, NAME);

  // --- NAME.cpp ---
  std::string c = banner + summary;
  c += fmt::format("#include \"{}.h\"\n", name);
  for (const auto& inc : cg.includes()) c += fmt::format("#include \"{}\"\n", inc);
  c += "\n";
  // --arena-section/--weights-section bake in a default; a -D on the command line still wins.
  for (const auto& sec : {std::make_pair("ARENA", opt.arena_section), std::make_pair("WEIGHTS", opt.weights_section)}) {
    if (sec.second.empty()) continue;
    c += fmt::format("#ifndef KILN_{0}_{1}_SECTION\n#define KILN_{0}_{1}_SECTION \"{2}\"\n#endif\n", NAME,
                     sec.first, sec.second);
  }
  for (const char* what : {"ARENA", "WEIGHTS"}) {
    c += fmt::format(
        "#if defined(KILN_{0}_{1}_SECTION)\n#define KILN_{0}_{1}_ATTR __attribute__((section(KILN_{0}_{1}_SECTION)))\n"
        "#else\n#define KILN_{0}_{1}_ATTR\n#endif\n",
        NAME, what);
  }
  c += fmt::format("\nnamespace {} {{\nnamespace {{\n\n", name);
  for (const auto& k : cg.consts())
    write_const(c, k, align, fmt::format("KILN_{}_WEIGHTS_ATTR", NAME));
  if (opt.external_arena)
    c += fmt::format("\nuint8_t* g_arena = nullptr;  // set by {}_set_arena()\n\n", name);
  else
    c += fmt::format("\nalignas({}) uint8_t g_arena[{}] KILN_{}_ARENA_ATTR;\n\n", align, arena_alloc, NAME);
  c += fmt::format("}}  // namespace\n}}  // namespace {}\n\n", name);
  if (opt.external_arena) {
    c += fmt::format("extern \"C\" int {}_set_arena(void *arena) {{\n", name);
    c += fmt::format("  if (arena == nullptr || reinterpret_cast<uintptr_t>(arena) % {} != 0) return 1;\n", align);
    c += fmt::format("  {}::g_arena = static_cast<uint8_t*>(arena);\n  return 0;\n}}\n\n", name);
  }
  c += fmt::format("extern \"C\" int {}_invoke(void) {{\n", name);
  c += fmt::format("  using namespace {};  // the weights\n", name);
  c += fmt::format("  uint8_t* const a = {}::g_arena;\n", name);
  c += opt.external_arena ? "  if (a == nullptr) return 1;\n" : "  (void)a;\n";
  c += body.text();
  c += "  return 0;\n}\n\n";
  const char* accessor = opt.external_arena
      ? "extern \"C\" {0} *{1}_{2}_{3}(void) {{\n  return {1}::g_arena ? kiln::at<{0}>({1}::g_arena, {4}) : nullptr;\n}}\n"
      : "extern \"C\" {0} *{1}_{2}_{3}(void) {{ return kiln::at<{0}>({1}::g_arena, {4}); }}\n";
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.tensor(g.inputs[i]);
    c += fmt::format(fmt::runtime(accessor), dtype_c_name(t.dtype), name, "input", i, arena_offset_of(g, t.name));
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Tensor& t = g.tensor(g.outputs[i]);
    c += fmt::format(fmt::runtime(accessor), dtype_c_name(t.dtype), name, "output", i, arena_offset_of(g, t.name));
  }
  c += fmt::format("\nextern \"C\" int {}_run({}) {{\n", name, params.empty() ? "void" : fmt::format("{}", fmt::join(params, ", ")));
  if (opt.external_arena) c += fmt::format("  if ({}::g_arena == nullptr) return 1;\n", name);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.tensor(g.inputs[i]);
    c += fmt::format("  kiln::copy<{}, {}>(in{}, {}_input_{}());\n", dtype_c_name(t.dtype), t.numel(), i, name, i);
  }
  c += fmt::format("  int rc = {}_invoke();\n  if (rc != 0) return rc;\n", name);
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Tensor& t = g.tensor(g.outputs[i]);
    c += fmt::format("  kiln::copy<{}, {}>({}_output_{}(), out{});\n", dtype_c_name(t.dtype), t.numel(), name, i, i);
  }
  c += "  return 0;\n}\n";

  mod.files[name + ".h"] = h;
  mod.files[name + ".cpp"] = c;
  const auto& rt = runtime_sources();
  for (const auto& inc : cg.includes()) {
    auto it = rt.find(inc);
    if (it == rt.end()) return KILN_ICE("runtime header '" + inc + "' is not embedded");
    mod.files[inc] = it->second;
  }
  return mod;
}

}  // namespace kiln
