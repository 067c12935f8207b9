// Clip (opset 1..17): y = min(max(x, min), max) (all of x becomes max when min > max).
// Opset 1..10: float attributes min/max (default -FLT_MAX / FLT_MAX), float and double.
// Opset 11+: optional scalar inputs min/max of x's type (absent: unbounded); constant bounds
// become literals, bounds computed at run time are read from the arena when the kernel starts;
// float, double and integers (no float16/bfloat16).
#include <limits>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input X is required");
  const DType t = ctx.in(0).dtype;
  KILN_TRY(check_input_types(ctx, ctx.opset() < 11 ? kFloatTypes : kNumericTypes, 0));
  for (size_t k = 1; k < 3; ++k) {
    if (!ctx.has_input(k)) continue;
    if (ctx.opset() < 11) return ctx.invalid("min and max are attributes before opset 11");
    if (ctx.in(k).dtype != t || ctx.in(k).numel() != 1)
      return ctx.invalid(fmt::format("{} must be a scalar of X's type", k == 1 ? "min" : "max"));
  }
  return unary_infer(ctx);
}

// The bounds in x's type T (inputs must be constant, or we are evaluating).
template <typename T>
void bounds(const OpCtx& ctx, T* lo, T* hi) {
  using F = std::numeric_limits<float>;
  if (ctx.opset() < 11) {
    *lo = static_cast<T>(ctx.node().attr_float("min", F::lowest()));
    *hi = static_cast<T>(ctx.node().attr_float("max", F::max()));
    return;
  }
  using L = std::numeric_limits<T>;
  *lo = L::has_infinity ? -L::infinity() : L::lowest();
  *hi = L::has_infinity ? L::infinity() : L::max();
  if (ctx.has_input(1)) *lo = ctx.in(1).as<T>()[0];
  if (ctx.has_input(2)) *hi = ctx.in(2).as<T>()[0];
}

Status eval(OpCtx& ctx) {
  dispatch_types<kNumericTypes>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T lo, hi;
    bounds(ctx, &lo, &hi);
    unary_eval_typed<T, T>(ctx, [&](T v) { return hi < (v < lo ? lo : v) ? hi : (v < lo ? lo : v); });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  std::string functor;
  dispatch_types<kNumericTypes>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    using L = std::numeric_limits<T>;
    T lo = L::has_infinity ? -L::infinity() : L::lowest(), hi = L::has_infinity ? L::infinity() : L::max();
    std::string bound[2];
    if (ctx.opset() < 11) {
      bounds(ctx, &lo, &hi);
    } else {
      for (size_t k = 1; k < 3; ++k) {
        if (!ctx.has_input(k) || ctx.in(k).is_const) continue;
        bound[k - 1] = fmt::format("{}[0]", ctx.in_ptr(k));  // run-time scalar
      }
      if (ctx.has_input(1) && ctx.in(1).is_const) lo = ctx.in(1).as<T>()[0];
      if (ctx.has_input(2) && ctx.in(2).is_const) hi = ctx.in(2).as<T>()[0];
    }
    if (bound[0].empty()) bound[0] = c_value(lo);
    if (bound[1].empty()) bound[1] = c_value(hi);
    functor = fmt::format("kiln::OpClip<{}>{{{}, {}}}", dtype_c_name(ctx.in(0).dtype), bound[0], bound[1]);
  });
  return unary_emit(ctx, functor);
}

}  // namespace

const OpDef kOp_Clip = {"Clip", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
