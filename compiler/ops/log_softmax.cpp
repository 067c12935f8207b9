// LogSoftmax (opset 1..17): x - max - log(sum(exp(x - max))) along `axis`. Opset 13 normalises
// along one axis (default -1); earlier opsets coerce the input to 2-D at `axis` (default 1) and
// normalise over the flattened tail. Float and double.
#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) { return softmax_eval(ctx, /*log=*/true); }

Status emit(OpCtx& ctx) { return softmax_emit(ctx, "log_softmax"); }

}  // namespace

const OpDef kOp_LogSoftmax = {"LogSoftmax", 1, 17, softmax_infer, eval, emit, nullptr};

}  // namespace kiln
