// PRelu (opset 1..17): y = x < 0 ? slope * x : x, slope broadcast to x (unidirectionally). Before
// opset 7 a 1-D slope with X's channel count applies per channel (dim 1), as PyTorch exported it.
// Float, double and integers (no float16/bfloat16).
#include <functional>

#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

// The shape slope broadcasts with.
Shape slope_shape(const OpCtx& ctx) {
  const Shape& x = ctx.in(0).shape;
  const Shape& s = ctx.in(1).shape;
  if (ctx.opset() < 7 && s.size() == 1 && x.size() > 2 && s[0] == x[1]) {
    Shape channel(x.size() - 1, 1);  // [C, 1, ..., 1]
    channel[0] = s[0];
    return channel;
  }
  return s;
}

Status infer(OpCtx& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.invalid("inputs X and slope are required");
  KILN_TRY(check_input_types(ctx, kNumericTypes));
  if (ctx.in(1).dtype != ctx.in(0).dtype) return ctx.invalid("slope must have X's type");
  Shape s;
  if (!broadcast_shapes(ctx.in(0).shape, slope_shape(ctx), &s) || s != ctx.in(0).shape)
    return ctx.invalid(fmt::format("slope {} does not broadcast to X {}", shape_str(ctx.in(1).shape),
                                   shape_str(ctx.in(0).shape)));
  return unary_infer(ctx);
}

Status eval(OpCtx& ctx) {
  dispatch_types<kNumericTypes>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    const T* slope = ctx.in(1).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    for_each_broadcast(ctx.in(0).shape, slope_shape(ctx), ctx.out(0).shape, [&](int64_t ix, int64_t is, int64_t iy) {
      if constexpr (std::is_unsigned<T>::value)
        y[iy] = x[ix];
      else
        y[iy] = x[ix] < 0 ? wrapping(slope[is], x[ix], std::multiplies<>()) : x[ix];
    });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Tensor slope;
  slope.dtype = ctx.in(1).dtype;
  slope.shape = slope_shape(ctx);
  emit_binary(ctx, ctx.in(0), ctx.in_ptr(0), slope, ctx.in_ptr(1), ctx.out(0), ctx.out_ptr(0), "kiln::OpPRelu{}");
  return Status::ok();
}

}  // namespace

const OpDef kOp_PRelu = {"PRelu", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
