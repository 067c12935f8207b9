// The default pass pipeline, in order. `kiln compile --passes=a,b,...` runs another list;
// `--print-after=NAME|all` dumps the IR after a pass; `--verify-each` runs verify() after each.
#include <fmt/format.h>

#include "compiler/ir/printer.h"
#include "compiler/ir/verify.h"
#include "passes/passes.h"

namespace kiln {

const std::vector<PassDef>& default_pipeline() {
  static const std::vector<PassDef> kPipeline = {
      // name                  requires             what it does
      {{"fold-constants",      "shapes",            "evaluate nodes whose inputs are all constant"},      run_fold_constants},
      {{"fold-qdq",            "constant scales",   "lower DequantizeLinear -> op -> QuantizeLinear to int8 ops"}, run_fold_qdq},
      {{"dce",                 "",                  "drop nodes and tensors no output depends on"},      run_dce},
      {{"fold-batchnorm",      "constant weights",  "push BatchNormalization into the Conv/Gemm before it"}, run_fold_batchnorm},
      {{"quantize",            "--quantize int8",   "calibrate, then insert QuantizeLinear/DequantizeLinear (float -> QDQ)"}, run_quantize},
      {{"io-int8",             "--io int8",         "the boundary's int8 tensors become the inputs and outputs"}, run_io_int8},
      {{"fold-qdq",            "constant scales",   "lower what quantize inserted to int8 ops"},        run_fold_qdq},
      {{"dce",                 "",                  "drop the float weights quantization replaced"},     run_dce},
      {{"fuse-activations",    "",                  "apply Relu/Clip/LeakyRelu inside Conv/Gemm kernels"}, run_fuse_activations},
      {{"prune-channels",      "fused activations", "remove channels that compute a constant (zero weights)"}, run_prune_channels},
      {{"prune-lossy",         "prune-channels",    "opt-in (--prune): zero the smallest weights or filters, prune again"}, run_prune_lossy},
      {{"dce",                 "",                  "drop what fusion and pruning left unused"},          run_dce},
      {{"materialize-outputs", "",                  "copy constant graph outputs into the arena"},       run_materialize_outputs},
      {{"schedule",            "",                  "pick the topological order with the smallest liveness peak"}, run_schedule},
      {{"patch-stage",         "a final schedule",  "run the first convolutions tile by tile (--patches N)"}, run_patch_stage},
      {{"alias-views",         "",                  "Reshape/Flatten/Squeeze/... share their input's bytes"}, run_alias_views},
      {{"inplace",             "a final schedule",  "elementwise ops and Concat reuse their inputs' bytes"}, run_inplace},
      {{"plan-memory",         "a final schedule",  "assign arena offsets from tensor liveness"},        run_plan_memory},
  };
  return kPipeline;
}

const PassDef* find_pass(const std::string& name) {
  for (const PassDef& p : default_pipeline())
    if (name == p.info.name) return &p;
  return nullptr;
}

Status run_pipeline(Graph& g, const PassContext& ctx, const PipelineOptions& opt, std::string* log,
                    std::vector<std::pair<std::string, PassResult>>* results) {
  std::vector<const PassDef*> passes;
  if (opt.passes.empty()) {
    for (const PassDef& p : default_pipeline()) passes.push_back(&p);
  } else {
    for (const auto& name : opt.passes) {
      const PassDef* p = find_pass(name);
      if (!p) return error(ErrorCode::kBadOption, fmt::format("unknown pass '{}'", name), "see kiln compile --help");
      passes.push_back(p);
    }
    // Code generation needs placed tensors whatever the user asked for.
    if (opt.passes.back() != "plan-memory") {
      passes.push_back(find_pass("materialize-outputs"));
      passes.push_back(find_pass("plan-memory"));
    }
  }
  for (const PassDef* p : passes) {
    PassResult r = p->run(g, ctx);
    if (!r.status) return r.status;
    if (opt.verify_each) {
      Status v = verify(g);
      if (!v) {
        Diagnostic d = v.diagnostics().front();
        d.message = fmt::format("after pass {}: {}", p->info.name, d.message);
        return Status(d);
      }
    }
    bool print = false;
    for (const auto& name : opt.print_after) print |= name == "all" || name == p->info.name;
    if (print && log) *log += fmt::format("// ----- IR after {} -----\n{}", p->info.name, print_graph(g));
    if (results) results->push_back({p->info.name, r});
  }
  return Status::ok();
}

}  // namespace kiln
