#include "compiler/driver/compile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include "codegen/layout.h"
#include "compiler/driver/cross.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/op.h"

namespace kiln {

const char* const kKilnVersion = "0.1.0";

std::vector<NodeReport> report_nodes(Graph& g) {
  std::vector<NodeReport> out;
  for (Node& n : g.nodes) {
    NodeReport r;
    r.name = n.name;
    r.op = n.op;
    if (!n.outputs.empty() && !n.outputs[0].empty()) {
      const Tensor& t = g.tensor(n.outputs[0]);
      r.shape = shape_str(t.shape);
      r.dtype = dtype_short_name(t.dtype);
    }
    for (const auto& in : n.inputs)
      if (!in.empty() && g.tensor(in).is_const) r.params += g.tensor(in).numel();
    const OpDef* def = find_op(n.op, n.domain);
    if (def && def->macs) {
      OpCtx ctx(g, n, g.opset);
      r.macs = def->macs(ctx);
    }
    out.push_back(r);
  }
  return out;
}

// A section name is pasted into a string literal of the generated code: keep it to the
// characters linker scripts use.
static Status check_section(const char* option, const std::string& s) {
  bool ok = !s.empty();
  for (char c : s)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '$');
  if (ok) return Status::ok();
  return error(ErrorCode::kBadOption, fmt::format("{} '{}' is not a linker section name", option, s),
               "use letters, digits and . _ - $, e.g. .dtcm_bss");
}

static Status check_codegen_options(const CompileOptions& opt) {
  if (!opt.arena_section.empty()) KILN_TRY(check_section("--arena-section", opt.arena_section));
  if (!opt.weights_section.empty()) KILN_TRY(check_section("--weights-section", opt.weights_section));
  if (opt.external_arena && !opt.arena_section.empty())
    return error(ErrorCode::kBadOption, "--arena-section has no effect with --arena external",
                 "place the buffer you pass to NAME_set_arena() yourself");
  const auto& layouts = layout_names();
  if (std::find(layouts.begin(), layouts.end(), opt.layout) == layouts.end())
    return error(ErrorCode::kBadOption, fmt::format("unknown layout '{}'", opt.layout),
                 fmt::format("one of {}", fmt::join(layouts, ", ")));
  return Status::ok();
}

// --board implies its core; --target may repeat it but not contradict it.
static Status resolve_target(const CompileOptions& opt, CompileResult* res) {
  std::string core = opt.target;
  if (!opt.board.empty()) {
    res->board = find_board(opt.board);
    if (!res->board)
      return error(ErrorCode::kBadOption, fmt::format("unknown board '{}'", opt.board), "run `kiln targets` for the list");
    if (opt.target != "host" && opt.target != res->board->core)
      return error(ErrorCode::kBadOption,
                   fmt::format("--target {} contradicts --board {} (a {})", opt.target, opt.board, res->board->core),
                   "a board implies its core: drop --target");
    core = res->board->core;
  }
  res->target = find_target(core);
  if (!res->target)
    return error(ErrorCode::kBadOption, fmt::format("unknown target '{}'", core), "run `kiln targets` for the list");
  return Status::ok();
}

// Arithmetic the core has no FPU for runs in soft-float: slow, and the library adds code.
static void warn_soft_float(const Graph& g, const Target& t, std::vector<std::string>* warnings) {
  bool f32 = false, f64 = false;
  for (const auto& kv : g.tensors) {
    f32 |= kv.second.dtype == DType::kFloat32;
    f64 |= kv.second.dtype == DType::kFloat64;
  }
  if (f32 && !t.has_fpu_sp())
    warnings->push_back(fmt::format(
        "{} has no FPU: this float model will run in soft-float (slow, and larger code); consider --quantize int8",
        t.name));
  else if (f64 && !t.has_fpu_dp())
    warnings->push_back(fmt::format("{} has no double-precision FPU: the model's float64 tensors run in soft-float", t.name));
}

// Fills res->budget: needs (measured with the target's cross compiler when asked, estimated
// otherwise) and limits (the board's, overridden by --ram-limit / --flash-limit).
static Status fill_budget(const CompileOptions& opt, CompileResult* res) {
  Budget& b = res->budget;
  b.arena = res->module.arena_bytes;
  b.weights = res->module.weight_bytes;
  b.code = estimate_code_bytes(*res);
  b.stack = estimate_stack_bytes(*res);
  if (opt.stack_usage) {
    const QemuMachine* m = find_machine(res->target->qemu);
    auto tc = find_toolchain(*res->target, m ? m->packages : "");
    if (!tc) return tc.status();
    char tmpl[] = "/tmp/kiln-stack-XXXXXX";
    if (!mkdtemp(tmpl)) return error(ErrorCode::kIoError, "cannot create a temporary folder");
    std::vector<std::string> libc;
    std::istringstream flags(m ? m->libc_flags : "");
    for (std::string f; flags >> f;) libc.push_back(f);
    auto built = build_module(res->module, res->name, *res->target, *tc, tmpl, libc);
    std::error_code ec;
    std::filesystem::remove_all(tmpl, ec);
    if (!built) return built.status();
    const uint64_t flash = built->sizes.flash();
    b.code = flash > b.weights ? flash - b.weights : 0;
    b.code_measured = true;
    if (built->stack.bytes >= 0) {
      b.stack = static_cast<uint64_t>(built->stack.bytes);
      b.stack_measured = true;
      b.stack_bounded = built->stack.bounded;
      b.stack_unknown = built->stack.unknown;
    }
  }
  std::vector<std::string> against;
  if (res->board) {
    b.ram_limit = res->board->ram_bytes;
    b.flash_limit = res->board->flash_bytes;
    against.push_back("board " + std::string(res->board->name));
  }
  if (opt.ram_limit) {
    b.ram_limit = opt.ram_limit;
    against.push_back(fmt::format("--ram-limit {}", opt.ram_limit));
  }
  if (opt.flash_limit) {
    b.flash_limit = opt.flash_limit;
    against.push_back(fmt::format("--flash-limit {}", opt.flash_limit));
  }
  b.against = fmt::format("{}", fmt::join(against, " with "));
  return check_budget(*res, b);
}

// A progress bar on stderr: "calibrating [########            ]  40/100", redrawn when it moves
// on a terminal; one line at the end in a log.
static void progress_bar(size_t done, size_t total) {
  static int last = -1;
  const int width = 30, filled = static_cast<int>(width * done / (total ? total : 1));
  const bool tty = isatty(2);
  if (done != total && (!tty || filled == last)) return;
  last = done == total ? -1 : filled;
  std::fprintf(stderr, "%scalibrating [%s%s] %zu/%zu%s", tty ? "\r" : "",
               std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(width - filled), ' ').c_str(), done, total, done == total ? "\n" : "");
  std::fflush(stderr);
}

Status prepare_quantization(const CompileOptions& opt, const Graph& g, CalibrationSet* data, QuantizeRequest* req) {
  if (opt.quantize != "int8")
    return error(ErrorCode::kBadOption, fmt::format("--quantize {} is not supported", opt.quantize), "use --quantize int8");
  if (opt.calibration.sources.empty())
    return error(ErrorCode::kBadOption, "--quantize int8 needs calibration data",
                 "add --calibration DATA: a .npy file (N x input shape), or a folder of .npy/.pb/.bin samples");
  if (!(opt.percentile > 50 && opt.percentile <= 100))
    return error(ErrorCode::kBadOption, fmt::format("--percentile {} is outside (50, 100]", opt.percentile));
  auto set = load_calibration(g, opt.calibration);
  if (!set) return set.status();
  *data = set.take();
  req->data = data;
  req->method = opt.calibration_method;
  req->percentile = opt.percentile;
  req->keep_float = std::set<std::string>(opt.keep_float.begin(), opt.keep_float.end());
  req->io_int8 = opt.io_int8;
  if (opt.activations != "int8" && opt.activations != "int16")
    return error(ErrorCode::kBadOption, fmt::format("--activations {} is not supported", opt.activations),
                 "use --activations int8 or int16");
  req->int16 = opt.activations == "int16";
  if (req->int16 && opt.io_int8)
    return error(ErrorCode::kBadOption, "--io int8 does not go with --activations int16",
                 "leave --io float: the model quantizes its float input to int16 itself");
  if (opt.progress) req->progress = progress_bar;
  return Status::ok();
}

Expected<CompileResult> compile_model(const CompileOptions& opt) {
  CompileResult res;
  KILN_TRY(check_codegen_options(opt));
  KILN_TRY(resolve_target(opt, &res));
  auto g = import_onnx_file(opt.model_path, opt.import);
  if (!g) return g.status();
  res.graph = g.take();
  res.name = opt.name.empty() ? c_identifier(std::filesystem::path(opt.model_path).stem().string()) : opt.name;
  if (res.name != c_identifier(res.name))
    return error(ErrorCode::kBadOption, fmt::format("--name '{}' is not a C identifier", res.name));
  if (res.graph.name.empty()) res.graph.name = res.name;
  KILN_TRY(verify(res.graph));

  // The code generator sees the core without its DSP extension or SIMD units when asked (the
  // kernel choice, and with it the scratch and the weight layouts, follows `has_dsp` and
  // `simd_bytes`); res.target stays the real core.
  Target gen_target = *res.target;
  gen_target.has_dsp &= opt.dsp_kernels;
  gen_target.has_mve &= opt.dsp_kernels;  // --no-dsp-kernels turns the Helium kernels off too
  if (!opt.simd_kernels) gen_target.simd_bytes = 0;
  PassContext ctx;
  ctx.target = &gen_target;
  ctx.inplace_depthwise = opt.inplace_depthwise;
  ctx.io_int8 = opt.io_int8;
  CalibrationSet calibration;
  QuantizeRequest quantize;
  if (!opt.quantize.empty()) {
    KILN_TRY(prepare_quantization(opt, res.graph, &calibration, &quantize));
    ctx.quantize = &quantize;
    ctx.quantize_report = &res.quantized;
    res.calibration_samples = calibration.count();
  } else if (!opt.keep_float.empty() || !opt.calibration.sources.empty() || opt.activations != "int8") {
    return error(ErrorCode::kBadOption, "--calibration, --keep-float and --activations need --quantize int8");
  }
  ctx.inplace_pointwise = opt.inplace_pointwise;
  ctx.inplace_quantize = opt.inplace_quantize;
  ctx.patches = opt.patches;
  ctx.patch_layers = opt.patch_layers;
  ctx.prune = opt.prune;
  ctx.sparse_weights = opt.sparse_weights;
  ctx.lossy = opt.lossy;
  KILN_TRY(run_pipeline(res.graph, ctx, opt.pipeline, &res.pass_log, &res.passes));
  KILN_TRY(verify(res.graph));
  for (const auto& p : res.passes)
    if (p.first == "plan-memory") res.liveness_bound = p.second.stats.at("liveness-bound");

  res.nodes = report_nodes(res.graph);
  for (const auto& n : res.nodes) {
    res.total_params += n.params;
    res.total_macs += n.macs;
  }
  ModuleOptions mo;
  mo.name = res.name;
  mo.kiln_version = kKilnVersion;
  mo.model_file = std::filesystem::path(opt.model_path).filename().string();
  mo.arena_section = opt.arena_section;
  mo.weights_section = opt.weights_section;
  mo.external_arena = opt.external_arena;
  mo.sparse_weights = opt.sparse_weights;
  // The kernel policy: --optimize size narrows every layer that can read int8 weights; speed
  // widens them all unless the flash budget needs bytes back (compiler/driver/kernel_policy.cpp),
  // checked on the code actually generated.
  res.kernels.goal = opt.optimize;
  res.kernels.picks = weight_choices(res.graph, gen_target);
  if (opt.optimize == OptimizeFor::kSize)
    for (auto& p : res.kernels.picks) p.narrow = true;
  const uint64_t flash_limit = opt.flash_limit ? opt.flash_limit : res.board ? res.board->flash_bytes : 0;
  for (;;) {
    apply_picks(res.graph, res.kernels.picks);
    auto mod = write_module(res.graph, gen_target, mo);
    if (!mod) return mod.status();
    res.module = mod.take();
    const uint64_t flash = res.module.weight_bytes + estimate_code_bytes(res);
    if (opt.optimize != OptimizeFor::kSpeed || !flash_limit || flash <= flash_limit ||
        !narrow_to_fit(&res.kernels.picks, static_cast<int64_t>(flash - flash_limit)))
      break;
    res.kernels.budget_narrowed = true;
  }
  warn_soft_float(res.graph, *res.target, &res.warnings);
  KILN_TRY(fill_budget(opt, &res));
  auto files = lay_out(opt.layout, res.module, res.graph, mo);
  if (!files) return files.status();
  res.module.files = files.take();
  return res;
}

}  // namespace kiln
