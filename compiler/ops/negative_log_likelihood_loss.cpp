// NegativeLogLikelihoodLoss (opset 12..17): loss = -input[n, target[n, d], d] * weight[target],
// reduced by none / sum / mean (weighted mean); targets equal to ignore_index contribute nothing.
// Float and double input; int32/int64 targets.
#include "compiler/ops/loss_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  LossGeom g;
  return loss_infer(ctx, &g);
}

Status eval(OpCtx& ctx) {
  LossGeom g;
  KILN_TRY(loss_infer(ctx, &g));
  const Tensor& x = ctx.in(0);
  std::vector<double> lp(static_cast<size_t>(x.numel()));
  for (size_t i = 0; i < lp.size(); ++i) lp[i] = x.float_at(static_cast<int64_t>(i));
  loss_eval_nll(ctx, g, lp);
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  LossGeom g;
  KILN_TRY(loss_infer(ctx, &g));
  loss_emit_nll(ctx, g, ctx.in_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_NegativeLogLikelihoodLoss = {"NegativeLogLikelihoodLoss", 12, 17, infer, eval, emit, nullptr};

}  // namespace kiln
