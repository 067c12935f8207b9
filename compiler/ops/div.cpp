// Div (opset 1..17): y = a / b with numpy broadcasting (before opset 7: the legacy broadcast / axis
// attributes, see operand_shape). Float, double and integers; integer division truncates toward
// zero (C, onnxruntime). No float16/bfloat16. Folding an integer division by zero is an error; in
// generated code it is whatever the target's divide does.
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) { return binary_infer(ctx, kNumericTypes); }

Status eval(OpCtx& ctx) {
  const Tensor& b = ctx.in(1);
  if (dtype_is_integer(b.dtype))
    for (int64_t i = 0; i < b.numel(); ++i)
      if (b.int_at(i) == 0) return ctx.invalid("integer division by zero");
  return binary_eval<kNumericTypes>(ctx, [](auto a, auto b) {
    using T = decltype(a);
    // INT_MIN / -1 overflows (and traps on x86): negate in unsigned arithmetic instead.
    if constexpr (std::is_integral<T>::value && std::is_signed<T>::value)
      if (b == -1) return static_cast<T>(0 - static_cast<std::make_unsigned_t<T>>(a));
    return static_cast<T>(a / b);
  });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpDiv{}"); }

}  // namespace

const OpDef kOp_Div = {"Div", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
