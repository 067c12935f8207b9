// Shared rules of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (one file each).
#pragma once

#include "compiler/ops/op.h"

namespace kiln {

struct LossGeom {
  int64_t N = 1, C = 1, D = 1;
  int reduction = 2;  // 0 none, 1 sum, 2 mean
  bool has_ignore = false;
  int64_t ignore = 0;
};

// Validates input [N, C, d...] / target [N, d...] / optional weight [C]; sets the loss output.
Status loss_infer(OpCtx& ctx, LossGeom* g);
// Reference NLL over log-probabilities `lp` laid out [N, C, D]; writes output 0.
void loss_eval_nll(OpCtx& ctx, const LossGeom& g, const std::vector<double>& lp);
// Emits kiln::nll_loss reading log-probabilities from the C expression `lp`.
void loss_emit_nll(OpCtx& ctx, const LossGeom& g, const std::string& lp);

}  // namespace kiln
