// SoftmaxCrossEntropyLoss (opset 12..17): log_prob = log_softmax(scores, axis 1), then the
// NegativeLogLikelihoodLoss of log_prob (reduction, weights, ignore_index). The optional second
// output is log_prob itself; without it the log-probabilities live in kernel scratch.
#include <cmath>

#include "compiler/ops/loss_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  LossGeom g;
  KILN_TRY(loss_infer(ctx, &g));
  if (ctx.has_output(1)) {
    Tensor& lp = ctx.out(1);
    lp.dtype = ctx.in(0).dtype;
    lp.shape = ctx.in(0).shape;
    lp.shape_known = true;
  }
  return Status::ok();
}

std::vector<double> log_softmax(const Tensor& x, const LossGeom& g) {
  std::vector<double> lp(static_cast<size_t>(x.numel()));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t d = 0; d < g.D; ++d) {
      double m = -INFINITY, s = 0;
      for (int64_t c = 0; c < g.C; ++c) m = std::max(m, x.float_at((n * g.C + c) * g.D + d));
      for (int64_t c = 0; c < g.C; ++c) s += std::exp(x.float_at((n * g.C + c) * g.D + d) - m);
      for (int64_t c = 0; c < g.C; ++c) {
        int64_t i = (n * g.C + c) * g.D + d;
        lp[static_cast<size_t>(i)] = x.float_at(i) - m - std::log(s);
      }
    }
  return lp;
}

Status eval(OpCtx& ctx) {
  LossGeom g;
  KILN_TRY(loss_infer(ctx, &g));
  std::vector<double> lp = log_softmax(ctx.in(0), g);
  loss_eval_nll(ctx, g, lp);
  if (ctx.has_output(1)) {
    Tensor& o = ctx.out(1);
    for (size_t i = 0; i < lp.size(); ++i) {
      if (o.dtype == DType::kFloat32) o.as_mut<float>()[i] = static_cast<float>(lp[i]);
      else o.as_mut<double>()[i] = lp[i];
    }
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  LossGeom g;
  KILN_TRY(loss_infer(ctx, &g));
  ctx.include("kiln_loss.h");
  const DType t = ctx.in(0).dtype;
  std::string lp = ctx.has_output(1) ? ctx.out_ptr(1) : ctx.scratch_ptr(t);
  ctx.w().line("kiln::log_softmax_axis1<{}, {}, {}, {}>({}, {});", dtype_c_name(t), g.N, g.C, g.D, ctx.in_ptr(0), lp);
  loss_emit_nll(ctx, g, lp);
  return Status::ok();
}

int64_t scratch(OpCtx& ctx) {
  return ctx.has_output(1) ? 0 : static_cast<int64_t>(ctx.in(0).bytes());
}

}  // namespace

const OpDef kOp_SoftmaxCrossEntropyLoss = {"SoftmaxCrossEntropyLoss", 12, 17, infer, eval, emit, nullptr, scratch};

}  // namespace kiln
