// Log (opset 1..17): y = log(x). Float and double (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) { return std::log(v); });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpLog{}"); }

}  // namespace

const OpDef kOp_Log = {"Log", 1, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
