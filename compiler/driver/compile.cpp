#include "compiler/driver/compile.h"

#include <fmt/format.h>

#include <filesystem>

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

Expected<CompileResult> compile_model(const CompileOptions& opt) {
  CompileResult res;
  res.target = find_target(opt.target);
  if (!res.target)
    return error(ErrorCode::kBadOption, fmt::format("unknown target '{}'", opt.target), "run `kiln targets` for the list");
  auto g = import_onnx_file(opt.model_path, opt.import);
  if (!g) return g.status();
  res.graph = g.take();
  res.name = opt.name.empty() ? c_identifier(std::filesystem::path(opt.model_path).stem().string()) : opt.name;
  if (res.name != c_identifier(res.name))
    return error(ErrorCode::kBadOption, fmt::format("--name '{}' is not a C identifier", res.name));
  if (res.graph.name.empty()) res.graph.name = res.name;
  KILN_TRY(verify(res.graph));

  PassContext ctx;
  ctx.target = res.target;
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
  auto mod = write_module(res.graph, *res.target, mo);
  if (!mod) return mod.status();
  res.module = mod.take();
  return res;
}

}  // namespace kiln
