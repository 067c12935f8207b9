// ArgMax (opset 1..17): int64 index of the maximum along `axis` (default 0), keepdims
// (default 1), select_last_index (opset 12: the last of equal extremes instead of the first).
// Any numeric type.
#include "compiler/ops/reduce_util.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) { return arg_eval(ctx, /*max=*/true); }

Status emit(OpCtx& ctx) { return arg_emit(ctx, /*max=*/true); }

}  // namespace

const OpDef kOp_ArgMax = {"ArgMax", 1, 17, arg_infer, eval, emit, nullptr};

}  // namespace kiln
