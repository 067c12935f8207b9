// Entry points of kiln's passes (one file each under passes/; the default order is the table
// in pipeline.cpp).
#pragma once

#include <string>
#include <vector>

#include "passes/pass.h"

namespace kiln {

PassResult run_fold_constants(Graph& g, const PassContext& ctx);
PassResult run_quantize(Graph& g, const PassContext& ctx);
PassResult run_fold_qdq(Graph& g, const PassContext& ctx);
PassResult run_io_int8(Graph& g, const PassContext& ctx);
PassResult run_fold_batchnorm(Graph& g, const PassContext& ctx);
PassResult run_fuse_activations(Graph& g, const PassContext& ctx);
PassResult run_prune_lossy(Graph& g, const PassContext& ctx);
PassResult run_prune_channels(Graph& g, const PassContext& ctx);
PassResult run_dce(Graph& g, const PassContext& ctx);
PassResult run_alias_views(Graph& g, const PassContext& ctx);
PassResult run_inplace(Graph& g, const PassContext& ctx);
PassResult run_schedule(Graph& g, const PassContext& ctx);
PassResult run_patch_stage(Graph& g, const PassContext& ctx);
PassResult run_materialize_outputs(Graph& g, const PassContext& ctx);
PassResult run_plan_memory(Graph& g, const PassContext& ctx);

const std::vector<PassDef>& default_pipeline();
const PassDef* find_pass(const std::string& name);

struct PipelineOptions {
  std::vector<std::string> passes;        // empty: the default pipeline
  std::vector<std::string> print_after;   // pass names, or "all"
  bool verify_each = false;
};

// Runs the pipeline; `log` receives --print-after dumps. Stops at the first failing pass.
Status run_pipeline(Graph& g, const PassContext& ctx, const PipelineOptions& opt, std::string* log,
                    std::vector<std::pair<std::string, PassResult>>* results = nullptr);

}  // namespace kiln
