// Pow (opset 1..17): y = a ^ b with numpy broadcasting (before opset 7: the legacy broadcast / axis
// attributes, see operand_shape); y has a's type. Base and exponent may be float, double or any
// integer type, independently (opset 12's T1). An integer base with an integer exponent is computed
// exactly by repeated multiplication (wrapping like the base type; a negative exponent truncates 1
// / a^|b| toward zero); an integer base with a float exponent goes through double pow. No
// float16/bfloat16.
#include <cmath>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.invalid("inputs X and Y are required");
  KILN_TRY(check_input_types(ctx, kNumericTypes));
  Shape s;
  if (!broadcast_shapes(ctx.in(0).shape, operand_shape(ctx, 1), &s) || (ctx.opset() < 7 && s != ctx.in(0).shape))
    return ctx.invalid(fmt::format("shapes {} and {} do not broadcast", shape_str(ctx.in(0).shape),
                                   shape_str(ctx.in(1).shape)));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = s;
  y.shape_known = true;
  return Status::ok();
}

// a ^ e for integers, in uint64 so that overflow wraps instead of being undefined.
template <typename T>
T int_pow(T a, int64_t e) {
  if (e < 0) return a == T(1) ? T(1) : (a == static_cast<T>(-1) ? (e % 2 ? a : T(1)) : T(0));
  uint64_t r = 1, base = static_cast<uint64_t>(a);
  for (; e > 0; e /= 2, base *= base)
    if (e % 2) r *= base;
  return static_cast<T>(r);
}

Status eval(OpCtx& ctx) {
  const Tensor& b = ctx.in(1);
  const bool int_exponent = dtype_is_integer(b.dtype);
  dispatch_types<kNumericTypes>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* a = ctx.in(0).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    for_each_broadcast(ctx.in(0).shape, operand_shape(ctx, 1), ctx.out(0).shape, [&](int64_t ia, int64_t ib, int64_t iy) {
      if constexpr (std::is_floating_point<T>::value)
        y[iy] = std::pow(a[ia], static_cast<T>(b.float_at(ib)));
      else
        y[iy] = int_exponent ? int_pow(a[ia], b.int_at(ib))
                             : static_cast<T>(std::pow(static_cast<double>(a[ia]), b.float_at(ib)));
    });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) { return binary_emit(ctx, "kiln::OpPow{}"); }

}  // namespace

const OpDef kOp_Pow = {"Pow", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
