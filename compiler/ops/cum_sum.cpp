// CumSum (opset 11..17): running sum along a constant `axis` input, optionally exclusive (the
// sum before each element) and/or reverse. Numeric types (not bool).
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, size_t* axis) {
  KILN_TRY(ctx.require_const(1, "axis"));
  if (ctx.in(1).numel() != 1) return ctx.invalid("axis must be a scalar");
  int64_t a = ctx.in(1).int_at(0);
  const int64_t r = static_cast<int64_t>(ctx.in(0).shape.size());
  if (!normalize_axis(&a, r)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, r));
  *axis = static_cast<size_t>(a);
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  size_t axis;
  if (ctx.in(0).dtype == DType::kBool) return ctx.unsupported_type(DType::kBool);
  KILN_TRY(resolve(ctx, &axis));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(resolve(ctx, &axis));
  const Shape& s = ctx.in(0).shape;
  const int64_t outer = dims_product(s, 0, axis), n = s[axis], inner = dims_product(s, axis + 1, s.size());
  const bool exclusive = ctx.node().attr_int("exclusive", 0) != 0, reverse = ctx.node().attr_int("reverse", 0) != 0;
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        T acc = T(0);
        for (int64_t k = 0; k < n; ++k) {
          const int64_t p = (o * n + (reverse ? n - 1 - k : k)) * inner + i;
          if (exclusive) y[p] = acc;
          acc = static_cast<T>(acc + x[p]);
          if (!exclusive) y[p] = acc;
        }
      }
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(resolve(ctx, &axis));
  if (ctx.out(0).numel() == 0) return Status::ok();
  const Shape& s = ctx.in(0).shape;
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::cumsum<{}, {}, {}, {}, {}, {}>({}, {});", dtype_c_name(ctx.in(0).dtype), dims_product(s, 0, axis),
               s[axis], dims_product(s, axis + 1, s.size()), ctx.node().attr_int("exclusive", 0) != 0,
               ctx.node().attr_int("reverse", 0) != 0, ctx.in_ptr(0), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_CumSum = {"CumSum", 11, 17, infer, eval, emit, nullptr};

}  // namespace kiln
