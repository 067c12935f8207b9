// Round (opset 11..17): round to nearest, halves to even (numpy.round, rint under the default
// rounding mode). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::nearbyint(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpRound{}"); }

}  // namespace

const OpDef kOp_Round = {"Round", 11, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
