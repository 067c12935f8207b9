// Min (opset 1..17): elementwise minimum of one or more inputs with numpy broadcasting (before
// opset 8 they had equal shapes, which broadcasting covers). NaN propagates. Float, double and
// integers (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(check_input_types(ctx, kNumericTypes));
  return broadcast_infer(ctx);
}

Status eval(OpCtx& ctx) {
  return binary_eval<kNumericTypes>(ctx, [](auto a, auto b) {
    if constexpr (std::is_floating_point<decltype(a)>::value)
      if (std::isnan(a) || std::isnan(b)) return std::isnan(a) ? a : b;
    return b < a ? b : a;
  });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpMin{}"); }

}  // namespace

const OpDef kOp_Min = {"Min", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
