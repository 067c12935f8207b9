// HardSwish (opset 14..17): y = x * max(0, min(1, x / 6 + 1/2)). Float and double (no
// float16/bfloat16).
#include <algorithm>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status eval(OpCtx& ctx) {
  return unary_eval<kFloatTypes>(ctx, [](auto v) {
    using T = decltype(v);
    return v * std::clamp(v / T(6) + T(0.5), T(0), T(1));
  });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpHardSwish{}"); }

}  // namespace

const OpDef kOp_HardSwish = {"HardSwish", 14, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
