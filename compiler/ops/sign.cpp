// Sign (opset 9..17): y = -1, 0 or 1 by the sign of x. Float, double, signed and unsigned
// integers (no float16/bfloat16).
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
    if constexpr (std::is_unsigned<T>::value) return v > 0 ? 1 : 0;
    else return T(0) < v ? 1 : (v < T(0) ? -1 : 0);
  });
}

Status emit(OpCtx& ctx) { return unary_emit(ctx, "kiln::OpSign{}"); }

}  // namespace

const OpDef kOp_Sign = {"Sign", 9, 17, infer, eval, emit, nullptr};

}  // namespace kiln
