#include "compiler/ops/loss_util.h"

namespace kiln {

Status loss_infer(OpCtx& ctx, LossGeom* g) {
  const Tensor& x = ctx.in(0);
  const Tensor& t = ctx.in(1);
  if (!dtype_is_float(x.dtype)) return ctx.unsupported_type(x.dtype);
  if (t.dtype != DType::kInt64 && t.dtype != DType::kInt32) return ctx.unsupported_type(t.dtype);
  if (x.shape.size() < 2) return ctx.invalid("input must have at least 2 dims [N, C, ...]");
  g->N = x.shape[0];
  g->C = x.shape[1];
  g->D = 1;
  for (size_t i = 2; i < x.shape.size(); ++i) g->D *= x.shape[i];
  Shape ts = {x.shape[0]};
  ts.insert(ts.end(), x.shape.begin() + 2, x.shape.end());
  if (t.shape != ts) return ctx.invalid(fmt::format("target must be {} for input {}", shape_str(ts), shape_str(x.shape)));
  if (ctx.has_input(2) && (ctx.in(2).shape != Shape{g->C} || ctx.in(2).dtype != x.dtype))
    return ctx.invalid("weight must be [C] of the input's type");
  std::string red = ctx.node().attr_string("reduction", "mean");
  if (red == "none") g->reduction = 0;
  else if (red == "sum") g->reduction = 1;
  else if (red == "mean") g->reduction = 2;
  else return ctx.invalid(fmt::format("unknown reduction '{}'", red));
  g->has_ignore = ctx.node().has_attr("ignore_index");
  g->ignore = ctx.node().attr_int("ignore_index", 0);
  Tensor& y = ctx.out(0);
  y.dtype = x.dtype;
  y.shape = g->reduction == 0 ? ts : Shape{};
  y.shape_known = true;
  return Status::ok();
}

void loss_eval_nll(OpCtx& ctx, const LossGeom& g, const std::vector<double>& lp) {
  const Tensor& t = ctx.in(1);
  Tensor& y = ctx.out(0);
  double sum = 0, wsum = 0;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t d = 0; d < g.D; ++d) {
      int64_t c = t.int_at(n * g.D + d);
      double v = 0, w = 0;
      if (!(g.has_ignore && c == g.ignore) && c >= 0 && c < g.C) {
        w = ctx.has_input(2) ? ctx.in(2).float_at(c) : 1.0;
        v = -lp[static_cast<size_t>((n * g.C + c) * g.D + d)] * w;
      }
      if (g.reduction == 0) {
        if (y.dtype == DType::kFloat32) y.as_mut<float>()[n * g.D + d] = static_cast<float>(v);
        else y.as_mut<double>()[n * g.D + d] = v;
      }
      sum += v;
      wsum += w;
    }
  double r = g.reduction == 1 ? sum : sum / wsum;
  if (g.reduction != 0) {
    if (y.dtype == DType::kFloat32) y.as_mut<float>()[0] = static_cast<float>(r);
    else y.as_mut<double>()[0] = r;
  }
}

void loss_emit_nll(OpCtx& ctx, const LossGeom& g, const std::string& lp) {
  ctx.include("kiln_loss.h");
  const char* T = dtype_c_name(ctx.in(0).dtype);
  std::string weight = ctx.has_input(2) ? ctx.in_ptr(2) : fmt::format("static_cast<const {}*>(nullptr)", T);
  ctx.w().line("kiln::nll_loss<{}, {}, {}, {}, {}, {}, {}, {}LL>({}, {}, {}, {});", T, dtype_c_name(ctx.in(1).dtype), g.N,
               g.C, g.D, g.reduction, g.has_ignore ? "true" : "false", g.ignore, lp, ctx.in_ptr(1), weight,
               ctx.out_ptr(0));
}

}  // namespace kiln
