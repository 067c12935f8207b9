// Mod (opset 10..17): remainder with numpy broadcasting. fmod=0 (integers only): the result has
// the divisor's sign (Python's %); fmod=1: C's fmod / % (the dividend's sign). Float, double and
// integers (no float16/bfloat16). Folding an integer remainder by zero is an error; in generated
// code it is whatever the target's divide does.
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

bool c_fmod(const OpCtx& ctx) { return ctx.node().attr_int("fmod", 0) != 0; }

Status infer(OpCtx& ctx) {
  KILN_TRY(binary_infer(ctx, kNumericTypes));
  if (!c_fmod(ctx) && dtype_is_float(ctx.in(0).dtype))
    return ctx.invalid("fmod=0 is defined for integer types only (floating-point Mod needs fmod=1)");
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const Tensor& b = ctx.in(1);
  if (dtype_is_integer(b.dtype))
    for (int64_t i = 0; i < b.numel(); ++i)
      if (b.int_at(i) == 0) return ctx.invalid("integer remainder by zero");
  const bool c = c_fmod(ctx);
  return binary_eval<kNumericTypes>(ctx, [c](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_floating_point<T>::value) {
      return std::fmod(a, b);
    } else {
      if constexpr (std::is_signed<T>::value)
        if (b == -1) return T(0);  // INT_MIN % -1 overflows (and traps on x86)
      T r = static_cast<T>(a % b);
      if constexpr (std::is_signed<T>::value)
        if (!c && r != 0 && (r < 0) != (b < 0)) r = static_cast<T>(r + b);
      return r;
    }
  });
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, c_fmod(ctx) ? "kiln::OpFmod{}" : "kiln::OpMod{}"); }

}  // namespace

const OpDef kOp_Mod = {"Mod", 10, 17, infer, eval, emit, nullptr};

}  // namespace kiln
