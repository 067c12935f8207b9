// Abs (opset 1..17): y = |x|. Float, double, signed and unsigned integers (no float16/bfloat16).
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(check_input_types(ctx, kNumericTypes));
  return unary_infer(ctx);
}

Status eval(OpCtx& ctx) {
  return unary_eval<kNumericTypes>(ctx, [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point<T>::value) return std::fabs(v);
    else if constexpr (std::is_signed<T>::value) return v < 0 ? -v : v;
    else return v;
  });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpAbs{}"); }

}  // namespace

const OpDef kOp_Abs = {"Abs", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
