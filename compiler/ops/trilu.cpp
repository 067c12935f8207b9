// Trilu (opset 14..17): keeps the upper (upper=1, j - i >= k) or lower (j - i <= k) triangle of
// each matrix in the last two dims and zeroes the rest; k is an optional constant input. Any type.
#include <algorithm>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, int64_t* k) {
  *k = 0;
  if (ctx.in(0).shape.size() < 2) return ctx.invalid("input must have rank >= 2");
  if (ctx.has_input(1)) {
    KILN_TRY(ctx.require_const(1, "k"));
    if (ctx.in(1).numel() != 1) return ctx.invalid("k must hold one value");
    *k = ctx.in(1).int_at(0);
  }
  // Beyond +-(M + N) every k acts the same; clamping keeps the kernel's int arithmetic exact.
  const Shape& s = ctx.in(0).shape;
  const int64_t lim = s[s.size() - 1] + s[s.size() - 2] + 1;
  *k = std::max(-lim, std::min(lim, *k));
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  int64_t k;
  KILN_TRY(resolve(ctx, &k));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  int64_t k;
  KILN_TRY(resolve(ctx, &k));
  const Shape& s = ctx.in(0).shape;
  const int64_t m = s[s.size() - 2], n = s[s.size() - 1];
  const bool upper = ctx.node().attr_int("upper", 1) != 0;
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    for (int64_t p = 0; p < ctx.out(0).numel(); ++p) {
      const int64_t i = p / n % m, j = p % n;
      y[p] = (upper ? j - i >= k : j - i <= k) ? x[p] : T(0);
    }
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  int64_t k;
  KILN_TRY(resolve(ctx, &k));
  if (ctx.out(0).numel() == 0) return Status::ok();
  const Shape& s = ctx.in(0).shape;
  const size_t r = s.size();
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::trilu<{}, {}, {}, {}, {}, {}>({}, {});", dtype_c_name(ctx.in(0).dtype), dims_product(s, 0, r - 2),
               s[r - 2], s[r - 1], k, ctx.node().attr_int("upper", 1) != 0, ctx.in_ptr(0), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_Trilu = {"Trilu", 14, 17, infer, eval, emit, nullptr};

}  // namespace kiln
