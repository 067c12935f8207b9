// kiln: the command-line driver. Maps Status codes to the documented exit statuses
// (0 ok, 1 usage, 2 invalid model, 3 unsupported, 4 over budget, 5 internal).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "codegen/layout.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/verify.h"
#include "compiler/driver/memory_report.h"
#include "compiler/driver/quant_report.h"
#include "compiler/driver/prune_report.h"
#include "compiler/ir/printer.h"
#include "compiler/ops/infer.h"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

int fail(const Status& st) {
  std::fprintf(stderr, "%s\n", st.str().c_str());
  return st.exit_code();
}

std::string json_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      r += fmt::format("\\u{:04x}", c);
      continue;
    }
    r += c;
  }
  return r;
}

// Writes all files into a fresh sibling folder, then moves them into OUTDIR: a failure leaves
// OUTDIR untouched.
Status write_outputs(const std::string& outdir, const std::map<std::string, std::string>& files) {
  std::error_code ec;
  fs::path out(outdir);
  fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  fs::path tmp = parent / fmt::format(".{}.kiln-tmp", out.filename().string());
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp, ec))
    return error(ErrorCode::kIoError, fmt::format("cannot create '{}': {}", tmp.string(), ec.message()));
  for (const auto& kv : files) {
    fs::create_directories((tmp / kv.first).parent_path(), ec);
    std::ofstream f(tmp / kv.first, std::ios::binary);
    f << kv.second;
    if (!f) return error(ErrorCode::kIoError, fmt::format("cannot write '{}'", (tmp / kv.first).string()));
  }
  fs::create_directories(out, ec);
  for (const auto& kv : files) {
    fs::create_directories((out / kv.first).parent_path(), ec);
    fs::rename(tmp / kv.first, out / kv.first, ec);
    if (ec) return error(ErrorCode::kIoError, fmt::format("cannot move into '{}': {}", outdir, ec.message()));
  }
  fs::remove_all(tmp, ec);
  return Status::ok();
}

void print_table(const CompileResult& r) {
  std::printf("%-32s %-20s %-18s %-5s %10s %12s\n", "node", "op", "output", "type", "params", "MACs");
  for (const auto& n : r.nodes)
    std::printf("%-32s %-20s %-18s %-5s %10lld %12lld\n", n.name.substr(0, 32).c_str(), n.op.c_str(),
                n.shape.c_str(), n.dtype.c_str(), static_cast<long long>(n.params),
                static_cast<long long>(n.macs));
}

void print_summary(FILE* f, const CompileResult& r) {
  const auto& m = r.module;
  std::fprintf(f, "model    %s (%zu nodes after passes)\n", r.name.c_str(), r.graph.nodes.size());
  if (r.board)
    std::fprintf(f, "target   %s (board %s)\n", r.target->name, r.board->name);
  else
    std::fprintf(f, "target   %s\n", r.target->name);
  std::fprintf(f, "params   %lld\n", static_cast<long long>(r.total_params));
  std::fprintf(f, "MACs     %lld\n", static_cast<long long>(r.total_macs));
  for (const auto& p : r.passes)
    if (p.first == "prune-channels" && p.second.changed) {
      auto st = [&](const char* k) { return p.second.stats.count(k) ? p.second.stats.at(k) : 0; };
      std::fprintf(f, "pruned   %lld constant channels (%lld folded into biases): MACs %lld -> %lld, params %lld -> %lld\n",
                   static_cast<long long>(st("channels-removed")), static_cast<long long>(st("constants-folded")),
                   static_cast<long long>(st("macs-before")), static_cast<long long>(st("macs-after")),
                   static_cast<long long>(st("params-before")), static_cast<long long>(st("params-after")));
    } else if (p.first == "prune-lossy" && p.second.changed) {
      auto st = [&](const char* k) { return p.second.stats.count(k) ? p.second.stats.at(k) : 0; };
      std::fprintf(f, "--prune  %lld channels and %lld weights zeroed, %lld channels removed%s\n",
                   static_cast<long long>(st("channels-zeroed")), static_cast<long long>(st("weights-zeroed")),
                   static_cast<long long>(st("channels-removed")),
                   st("macs-before") ? fmt::format(": MACs {} -> {}", st("macs-before"), st("macs-after")).c_str() : "");
    }
  std::fprintf(f, "weights  %zu bytes (flash)\n", m.weight_bytes);
  const std::string kernels = kernel_summary(r.kernels);
  if (!kernels.empty()) std::fprintf(f, "kernels  %s\n", kernels.c_str());
  std::fprintf(f, "memory   %s\n", memory_summary(memory_report(r)).c_str());
  const std::string patches = patch_summary(r);
  if (!patches.empty()) std::fprintf(f, "patches  %s\n", patches.c_str());
  const Budget& b = r.budget;
  std::fprintf(f, "code     %llu bytes (flash, %s)\n", static_cast<unsigned long long>(b.code),
               b.code_measured ? "measured" : "estimate");
  if (b.stack_measured) {
    std::string extra = b.stack_unknown.empty() ? "" : fmt::format("; plus {}", fmt::join(b.stack_unknown, ", "));
    std::fprintf(f, "stack    %llu bytes deepest (%s_run, -fstack-usage call graph%s%s)\n",
                 static_cast<unsigned long long>(b.stack), r.name.c_str(),
                 b.stack_bounded ? "" : ", unbounded: dynamic frames or recursion", extra.c_str());
  }
  if (b.checked()) std::fprintf(f, "budget   %s: %s\n", b.against.c_str(), budget_summary(b).c_str());
}

// The kernel policy's choices (compiler/driver/kernel_policy.h).
std::string kernel_json(const KernelPolicy& k) {
  std::string narrowed;
  for (const auto& p : k.picks)
    if (p.narrow) narrowed += fmt::format("{}\"{}\"", narrowed.empty() ? "" : ", ", json_escape(p.node));
  return fmt::format(
      "{{\"optimize\": \"{}\", \"choices\": {}, \"narrowed\": [{}], \"budget_narrowed\": {}, \"saved_bytes\": {}, "
      "\"extra_instructions\": {}}}",
      optimize_name(k.goal), k.picks.size(), narrowed, k.budget_narrowed, k.saved_bytes(), k.extra_instructions());
}

std::string summary_json(const CompileResult& r, const std::string& outdir) {
  std::string files;
  for (const auto& kv : r.module.files) files += fmt::format("{}\"{}\"", files.empty() ? "" : ", ", json_escape(kv.first));
  std::string nodes;
  for (const auto& n : r.nodes)
    nodes += fmt::format("{}\n    {{\"name\": \"{}\", \"op\": \"{}\", \"shape\": \"{}\", \"dtype\": \"{}\", \"params\": {}, \"macs\": {}}}",
                         nodes.empty() ? "" : ",", json_escape(n.name), n.op, n.shape, n.dtype, n.params, n.macs);
  std::string pruned;  // the pruning passes' statistics (docs/pruning.md)
  for (const auto& p : r.passes) {
    if (p.first.rfind("prune-", 0) != 0 || !p.second.changed) continue;
    std::string st;
    for (const auto& kv : p.second.stats) st += fmt::format("{}\"{}\": {}", st.empty() ? "" : ", ", kv.first, kv.second);
    pruned += fmt::format("{}\"{}\": {{{}}}", pruned.empty() ? "" : ", ", p.first, st);
  }
  return fmt::format(
      "{{\n  \"name\": \"{}\",\n  \"target\": \"{}\",\n  \"outdir\": \"{}\",\n  \"files\": [{}],\n"
      "  \"arena_bytes\": {},\n  \"liveness_bound\": {},\n  \"weights_bytes\": {},\n  \"params\": {},\n  \"macs\": {},\n"
      "  \"board\": {},\n  \"code_bytes\": {},\n  \"code_measured\": {},\n  \"stack_bytes\": {},\n  \"stack_measured\": {},\n"
      "  \"ram_bytes\": {},\n  \"flash_bytes\": {},\n  \"ram_limit\": {},\n  \"flash_limit\": {},\n"
      "  \"patches\": {},\n  \"pruned\": {{{}}},\n  \"kernels\": {},\n  \"nodes\": [{}\n  ]\n}}\n",
      json_escape(r.name), r.target->name, json_escape(outdir), files, r.module.arena_bytes, r.liveness_bound,
      r.module.weight_bytes, r.total_params, r.total_macs, r.board ? fmt::format("\"{}\"", r.board->name) : "null",
      r.budget.code, r.budget.code_measured, r.budget.stack, r.budget.stack_measured, r.budget.ram(), r.budget.flash(),
      r.budget.ram_limit, r.budget.flash_limit, patch_json(r), pruned, kernel_json(r.kernels), nodes);
}

struct CommonOpts {
  std::string model;
  std::vector<std::string> input_shapes;
  std::string target = "host";
  std::string board;
  std::string passes;
  std::vector<std::string> print_after;
  bool verify_each = false;
  bool no_inplace_depthwise = false;
  // --quantize int8 and its calibration (docs/quantization.md)
  std::string quantize;
  std::vector<std::string> calibration;
  std::string calibration_format, calibration_layout = "chw", calibration_method = "minmax", io = "float",
              activations = "int8";
  float calibration_scale = 1.0f, calibration_offset = 0.0f;
  double percentile = 99.99;
  std::vector<std::string> keep_float;
  bool no_inplace_pointwise = false;
  bool no_inplace_conv = false;
  bool no_inplace_quantize = false;
  int patches = 0;
  int patch_layers = 0;
  bool no_prune = false;
  bool dense_weights = false;
  std::vector<std::string> prune, prune_exclude, validation;
  bool no_dsp_kernels = false;
  std::string optimize = "speed";
  bool no_simd_kernels = false;
};

void add_common(CLI::App* cmd, CommonOpts& o) {
  cmd->add_option("model", o.model, "ONNX model file")->required();
  cmd->add_option("--input-shape", o.input_shapes, "fix an input's dims: NAME=D0,D1,... (repeatable)");
  cmd->add_option("--target", o.target, "core to generate for (see `kiln targets`)");
  cmd->add_option("--board", o.board, "board to generate for: implies its core, and its RAM and flash are the budget");
  cmd->add_option("--passes", o.passes, "comma-separated pass list instead of the default pipeline");
  cmd->add_option("--print-after", o.print_after, "print the IR after this pass (or 'all')")->delimiter(',');
  cmd->add_flag("--verify-each", o.verify_each, "verify the IR after every pass");
  cmd->add_flag("--no-inplace-depthwise", o.no_inplace_depthwise,
                "keep depthwise convolutions out of place (a whole second tensor instead of one channel)");
  cmd->add_option("--quantize", o.quantize, "post-training quantization of a float model: int8")
      ->check(CLI::IsMember({"int8"}));
  cmd->add_option("--calibration", o.calibration,
                  "calibration samples: a .npy (N x input shape), a .pb, or a folder of .npy/.pb/.bin; NAME=DATA per input");
  cmd->add_option("--calibration-format", o.calibration_format, "element type of raw .bin samples: u8 or f32")
      ->check(CLI::IsMember({"u8", "f32"}));
  cmd->add_option("--calibration-scale", o.calibration_scale, "multiply every calibration value by this (e.g. 0.00392157 = 1/255)");
  cmd->add_option("--calibration-offset", o.calibration_offset, "then add this");
  cmd->add_option("--calibration-layout", o.calibration_layout, "chw (as the model's input) or hwc (channels-last samples, NCHW input)")
      ->check(CLI::IsMember({"chw", "hwc"}));
  cmd->add_option("--calibration-method", o.calibration_method, "activation ranges: minmax (default), percentile or mse")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
  cmd->add_option("--percentile", o.percentile, "percentile kept by --calibration-method percentile (default 99.99)");
  cmd->add_option("--keep-float", o.keep_float, "nodes to leave in float: NODE,NODE,...")->delimiter(',');
  cmd->add_option("--io", o.io, "float (default: quantize at the boundary) or int8 (the int8 tensors are the API)")
      ->check(CLI::IsMember({"float", "int8"}));
  cmd->add_option("--activations", o.activations,
                  "with --quantize int8: int8 (default) or int16 activations (int8 weights, TFLite's 16x8 scheme)")
      ->check(CLI::IsMember({"int8", "int16"}));
  cmd->add_flag("--no-inplace-pointwise", o.no_inplace_pointwise,
                "keep 1x1 convolutions out of place (input and output whole instead of the larger plus a block)");
  cmd->add_flag("--no-inplace-conv", o.no_inplace_conv, "both --no-inplace-depthwise and --no-inplace-pointwise");
  cmd->add_flag("--no-inplace-quantize", o.no_inplace_quantize,
                "keep QuantizeLinear out of place (float input and 8-bit output whole)");
  cmd->add_option("--patches", o.patches,
                  "run the first convolutions in N x N spatial tiles (patch-based, MCUNetV2); 0 or 1: off")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--patch-layers", o.patch_layers,
                  "how many convolutions the patches cover (0: the count with the smallest arena)")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--no-prune", o.no_prune, "keep channels whose weights are all zero (see docs/pruning.md)");
  cmd->add_flag("--dense-weights", o.dense_weights, "keep every weight matrix dense (no CSR for sparse layers)");
  cmd->add_option("--prune", o.prune, "lossy pruning: magnitude=F[,scope=layer] or channels=F (see docs/pruning.md)");
  cmd->add_option("--prune-exclude", o.prune_exclude, "nodes --prune leaves alone (besides the first and last layer)")
      ->delimiter(',');
  cmd->add_option("--validation", o.validation, "X.npy Y.npy: top-1 accuracy before and after --prune, or of float and int8 with --quantize")
      ->expected(2);
  cmd->add_flag("--no-dsp-kernels", o.no_dsp_kernels,
                "int8: the kernels of cores without DSP even on cores with the DSP extension or Helium (int8 "
                "instead of int16 weights: less flash, 2-3x the instructions)");
  cmd->add_option("--optimize", o.optimize,
                  "speed (default: int16-pair weights for the fast int8 kernels, narrowed layer by layer only "
                  "to meet a flash budget) or size (int8 weights everywhere: half the flash, a few more "
                  "instructions)")
      ->check(CLI::IsMember({"speed", "size"}));
  cmd->add_flag("--no-simd-kernels", o.no_simd_kernels,
                "the memory-first kernels even on cores with SIMD vector units (the host): the arena at "
                "the liveness bound instead of the vectorising kernels' scratch");
}

Expected<CompileOptions> to_options(const CommonOpts& o) {
  CompileOptions c;
  c.model_path = o.model;
  c.target = o.target;
  c.board = o.board;
  for (const auto& s : o.input_shapes) KILN_TRY(parse_input_shape(s, &c.import.input_shapes));
  if (!o.passes.empty()) {
    std::string cur;
    for (char ch : o.passes + ",") {
      if (ch == ',') {
        if (!cur.empty()) c.pipeline.passes.push_back(cur);
        cur.clear();
      } else {
        cur += ch;
      }
    }
  }
  c.pipeline.print_after = o.print_after;
  c.pipeline.verify_each = o.verify_each;
  c.quantize = o.quantize;
  for (const auto& src : o.calibration) c.calibration.sources.push_back(parse_calibration_source(src));
  c.calibration.format = o.calibration_format;
  c.calibration.scale = o.calibration_scale;
  c.calibration.offset = o.calibration_offset;
  c.calibration.channels_last = o.calibration_layout == "hwc";
  parse_calibration_method(o.calibration_method, &c.calibration_method);
  c.percentile = o.percentile;
  c.keep_float = o.keep_float;
  c.io_int8 = o.io == "int8";
  c.activations = o.activations;
  c.progress = true;
  c.inplace_depthwise = !o.no_inplace_depthwise && !o.no_inplace_conv;
  c.inplace_pointwise = !o.no_inplace_pointwise && !o.no_inplace_conv;
  c.inplace_quantize = !o.no_inplace_quantize;
  c.patches = o.patches;
  c.patch_layers = o.patch_layers;
  c.prune = !o.no_prune;
  c.sparse_weights = !o.dense_weights;
  for (const auto& s : o.prune) KILN_TRY(parse_prune_spec(s, &c.lossy));
  c.lossy.exclude = o.prune_exclude;
  if (c.lossy.active() && !c.prune)
    return error(ErrorCode::kBadOption, "--prune needs prune-channels: drop --no-prune");
  if (!c.lossy.exclude.empty() && !c.lossy.active())
    return error(ErrorCode::kBadOption, "--prune-exclude without --prune", "e.g. --prune channels=0.25");
  c.dsp_kernels = !o.no_dsp_kernels;
  c.optimize = o.optimize == "size" ? OptimizeFor::kSize : OptimizeFor::kSpeed;
  c.simd_kernels = !o.no_simd_kernels;
  return c;
}

// With --prune: the per-layer table against the model compiled without it; with --validation:
// top-1 of kiln's reference evaluation, before and after.
Status print_prune_report(const CompileOptions& opt, const CompileResult& r, const std::vector<std::string>& validation) {
  // (--quantize --validation: the quantization report measures float and int8 instead.)
  if (!opt.lossy.active() && (validation.empty() || !opt.quantize.empty())) return Status::ok();
  CompileOptions base = opt;
  base.lossy = LossyPruneOptions{};
  base.stack_usage = false;
  auto before = compile_model(base);
  if (!before) return before.status();
  if (opt.lossy.active()) std::printf("\n%s", prune_table(*before, r, opt.sparse_weights).c_str());
  if (validation.empty()) return Status::ok();
  auto x = read_npy(validation[0]);
  if (!x) return x.status();
  auto y = read_npy(validation[1]);
  if (!y) return y.status();
  auto after_ok = top1_correct(r.graph, *x, *y);
  if (!after_ok) return after_ok.status();
  const double n = static_cast<double>(y->values.size());
  if (!opt.lossy.active()) {
    std::printf("top-1    %lld/%zu (%.2f%%)\n", static_cast<long long>(*after_ok), y->values.size(), 100.0 * *after_ok / n);
    return Status::ok();
  }
  auto before_ok = top1_correct(before->graph, *x, *y);
  if (!before_ok) return before_ok.status();
  std::printf("top-1    before %lld/%zu (%.2f%%), after --prune %lld/%zu (%.2f%%)\n", static_cast<long long>(*before_ok),
              y->values.size(), 100.0 * *before_ok / n, static_cast<long long>(*after_ok), y->values.size(),
              100.0 * *after_ok / n);
  return Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kiln: ahead-of-time ONNX to C++ compiler for microcontrollers"};
  app.set_version_flag("--version", std::string("kiln ") + kKilnVersion);
  app.require_subcommand(1);

  CommonOpts copt;
  std::string outdir, name;
  bool json = false, quiet = false;
  CLI::App* compile = app.add_subcommand("compile", "generate C++ sources for a model");
  add_common(compile, copt);
  compile->add_option("-o,--output", outdir, "output folder")->required();
  compile->add_option("--name", name, "C identifier prefixing every symbol (default: model file stem)");
  compile->add_flag("--json", json, "print the summary as JSON on stdout");
  compile->add_flag("-q,--quiet", quiet, "print nothing on success");
  std::string ram_limit, flash_limit;
  bool stack_usage = false;
  compile->add_option("--ram-limit", ram_limit, "RAM budget (bytes, or with K/M), instead of the board's");
  compile->add_option("--flash-limit", flash_limit, "flash budget (bytes, or with K/M), instead of the board's");
  compile->add_flag("--stack-usage", stack_usage,
                    "build the generated code with the target's cross compiler: measured code size and deepest stack");
  std::string arena_section, weights_section, arena_kind = "static", layout = "flat";
  compile->add_option("--arena-section", arena_section, "linker section of the static arena (e.g. .dtcm_bss)");
  compile->add_option("--weights-section", weights_section, "linker section of the weights (e.g. .extflash)");
  compile->add_option("--arena", arena_kind, "static: kiln's own arena; external: the firmware passes one to NAME_set_arena()")
      ->check(CLI::IsMember({"static", "external"}));
  compile->add_option("--layout", layout, "flat (default), arduino (library), zephyr (module) or esp-idf (component)")
      ->check(CLI::IsMember(layout_names()));

  CommonOpts iopt;
  bool print_ir = false, ijson = false;
  std::string html;
  CLI::App* inspect = app.add_subcommand("inspect", "per-node table: op, output shape, params, MACs; totals");
  add_common(inspect, iopt);
  inspect->add_flag("--ir", print_ir, "print the IR after the pipeline");
  inspect->add_flag("--json", ijson, "print the report (layers, memory plan) as JSON");
  inspect->add_option("--html", html, "write a self-contained HTML page: memory map and layer table");

  std::string eval_model, eval_out;
  std::vector<std::string> eval_inputs, eval_shapes;
  CLI::App* evalc = app.add_subcommand("eval", "run a model with kiln's reference evaluation (test oracle)");
  evalc->add_option("model", eval_model, "ONNX model file")->required();
  evalc->add_option("--input", eval_inputs, "input tensors as ONNX TensorProto .pb files, in graph order")->required();
  evalc->add_option("--input-shape", eval_shapes, "fix an input's dims: NAME=D0,D1,...");
  evalc->add_option("-o,--output", eval_out, "folder for output_N.pb")->required();

  app.add_subcommand("targets", "list the cores and boards kiln knows");

  CommonOpts vopt;
  VerifyOptions vo;
  bool vjson = false, no_host = false;
  std::string vname;
  CLI::App* verifyc = app.add_subcommand(
      "verify", "generate, cross-build, run in QEMU; compare with kiln's reference and the host; print the costs");
  add_common(verifyc, vopt);
  verifyc->add_option("--input", vo.inputs, "input tensors as ONNX TensorProto .pb files, in graph order (default: a fixed pattern)");
  verifyc->add_option("--name", vname, "C identifier prefixing every symbol (default: model file stem)");
  verifyc->add_option("--work", vo.work_dir, "keep the build folder here (default: a temporary folder, removed)");
  verifyc->add_option("--cflags", vo.cflags, "extra flag for compiling the generated code, e.g. --cflags=-Os (repeatable)");
  verifyc->add_option("--rtol", vo.rtol, "relative tolerance against kiln's reference (float outputs)");
  verifyc->add_option("--atol", vo.atol, "absolute tolerance against kiln's reference (float outputs)");
  verifyc->add_option("--host-rtol", vo.host_rtol,
                      "relative tolerance against the host build of the same code (float outputs; integers: exact)");
  verifyc->add_option("--timeout", vo.timeout_s, "seconds before a QEMU run counts as hung");
  verifyc->add_flag("--no-host", no_host, "skip the comparison with the host build of the same code");
  verifyc->add_flag("--json", vjson, "print the result as JSON on stdout");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }

  if (app.got_subcommand("targets")) {
    std::printf("cores:\n");
    for (const Target& t : all_targets())
      std::printf("  %-14s %-15s fpu=%-6s dsp=%-3s mve=%-3s simd=%-2d align=%-2d qemu=%-11s %s\n", t.name, t.isa,
                  t.fpu == Fpu::kNone ? "none" : t.fpu == Fpu::kSingle ? "sp" : "dp", t.has_dsp ? "yes" : "no",
                  t.has_mve ? "yes" : "no", t.simd_bytes, t.alignment, *t.qemu ? t.qemu : "-", t.summary);
    std::printf("boards:\n");
    for (const Board& b : all_boards())
      std::printf("  %-20s core=%-14s RAM %7llu KiB  flash %7llu KiB  %s\n", b.name, b.core,
                  static_cast<unsigned long long>(b.ram_bytes / 1024),
                  static_cast<unsigned long long>(b.flash_bytes / 1024), b.summary);
    std::printf("QEMU machines (kiln verify, the qemu tests):\n");
    for (const QemuMachine& m : all_machines())
      std::printf("  %-12s %-20s %6g instructions/tick  %s\n", m.name, m.qemu, m.insns_per_tick, m.summary);
    return 0;
  }

  if (app.got_subcommand("verify")) {
    auto o = to_options(vopt);
    if (!o) return fail(o.status());
    vo.compile = o.take();
    vo.compile.name = vname;
    vo.compare_host = !no_host;
    auto r = verify_model(vo);
    if (!r) return fail(r.status());
    std::fputs(vjson ? verify_json(*r).c_str() : verify_summary(*r).c_str(), stdout);
    if (r->ok()) return 0;
    bool ref_ok = true;
    for (const auto& out : r->outputs) ref_ok &= out.ref_ok;
    return fail(ref_ok ? error(ErrorCode::kVerifyMismatch,
                               fmt::format("{} on {}: the outputs differ from the host build's beyond --host-rtol {}",
                                           r->name, r->target, vo.host_rtol),
                               "fused multiply-adds change the rounding: --cflags=-ffp-contract=off makes the "
                               "builds bit-identical, --host-rtol accepts the difference")
                       : error(ErrorCode::kVerifyMismatch,
                               fmt::format("{} on {}: the outputs do not match kiln's reference", r->name, r->target),
                               "internal compiler error: please report it with the model"));
  }

  if (app.got_subcommand("eval")) {
    ImportOptions io;
    for (const auto& s : eval_shapes)
      if (Status st = parse_input_shape(s, &io.input_shapes); !st) return fail(st);
    auto g = import_onnx_file(eval_model, io);
    if (!g) return fail(g.status());
    if (eval_inputs.size() != g->inputs.size())
      return fail(error(ErrorCode::kBadOption, fmt::format("the model has {} inputs, {} given", g->inputs.size(), eval_inputs.size())));
    for (size_t i = 0; i < eval_inputs.size(); ++i) {
      auto t = read_tensor_pb(eval_inputs[i]);
      if (!t) return fail(t.status());
      Tensor& dst = g->tensor(g->inputs[i]);
      if (t->dtype != dst.dtype || t->numel() != dst.numel())
        return fail(error(ErrorCode::kBadOption, fmt::format("input {} does not match '{}'", eval_inputs[i], dst.name)));
      dst.data = t->data;
    }
    if (Status st = eval_graph(*g); !st) return fail(st);
    fs::create_directories(eval_out);
    for (size_t i = 0; i < g->outputs.size(); ++i)
      if (Status st = write_tensor_pb(g->tensor(g->outputs[i]), fmt::format("{}/output_{}.pb", eval_out, i)); !st)
        return fail(st);
    return 0;
  }

  const bool is_compile = app.got_subcommand("compile");
  auto opts = to_options(is_compile ? copt : iopt);
  if (!opts) return fail(opts.status());
  opts->name = name;
  opts->arena_section = arena_section;
  opts->weights_section = weights_section;
  opts->external_arena = arena_kind == "external";
  opts->layout = layout;
  if (is_compile) {
    for (const auto& lim : {std::make_pair(&ram_limit, &opts->ram_limit), std::make_pair(&flash_limit, &opts->flash_limit)})
      if (!lim.first->empty() && !parse_size(*lim.first, lim.second))
        return fail(error(ErrorCode::kBadOption, fmt::format("'{}' is not a size", *lim.first), "e.g. 262144, 256K or 1M"));
    opts->stack_usage = stack_usage;
    opts->progress = !quiet;
  }
  // inspect --calibration without --quantize: a pre-quantized model's int8 against its float.
  const CalibrationSpec accuracy_data = opts->calibration;
  if (!is_compile && opts->quantize.empty()) opts->calibration.sources.clear();
  auto res = compile_model(*opts);
  if (!res) return fail(res.status());
  if (!res->pass_log.empty()) std::fputs(res->pass_log.c_str(), stderr);
  if (!(is_compile && quiet))
    for (const auto& w : res->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());

  if (is_compile) {
    if (Status st = write_outputs(outdir, res->module.files); !st) return fail(st);
    if (json) {
      std::fputs(summary_json(*res, outdir).c_str(), stdout);
    } else if (!quiet) {
      print_summary(stdout, *res);
      std::printf("wrote    ");
      for (const auto& kv : res->module.files) std::printf("%s/%s ", outdir.c_str(), kv.first.c_str());
      std::printf("\n");
      if (Status st = print_prune_report(*opts, *res, copt.validation); !st) return fail(st);
    }
    return 0;
  }
  MemoryReport mem = memory_report(*res);
  if (!html.empty()) {
    std::ofstream f(html);
    f << memory_html(*res, mem);
    if (!f) return fail(error(ErrorCode::kIoError, fmt::format("cannot write '{}'", html)));
  }
  if (ijson) {
    std::fputs(memory_json(*res, mem).c_str(), stdout);
    return 0;
  }
  print_table(*res);
  print_summary(stdout, *res);
  if (Status st = print_prune_report(*opts, *res, iopt.validation); !st) return fail(st);
  if (print_ir) std::fputs(print_graph(res->graph).c_str(), stdout);
  if (!opts->quantize.empty() || !accuracy_data.sources.empty()) {
    opts->progress = false;  // compile_model already showed it once
    opts->calibration = accuracy_data;
    const auto& validation = iopt.validation;
    auto acc = quantization_accuracy(*opts, validation.empty() ? "" : validation[0],
                                     validation.empty() ? "" : validation[1]);
    if (!acc) return fail(acc.status());
    std::printf("\n%s", quant_accuracy_text(*acc).c_str());
  }
  return 0;
}
