#include "compiler/ops/cast_util.h"

namespace kiln {

Status cast_infer(OpCtx& ctx, DType to) {
  KILN_TRY(unary_infer(ctx));
  ctx.out(0).dtype = to;
  return Status::ok();
}

Status cast_eval(OpCtx& ctx) {
  dispatch_dtype(ctx.in(0).dtype, [&](auto from) {
    dispatch_dtype(ctx.out(0).dtype, [&](auto to) {
      using T = decltype(from);
      using U = decltype(to);
      if constexpr (std::is_same<U, bool>::value)
        unary_eval_typed<T, U>(ctx, [](T v) { return v != T(0); });
      else
        unary_eval_typed<T, U>(ctx, [](T v) { return static_cast<U>(v); });
    });
  });
  return Status::ok();
}

Status cast_emit(OpCtx& ctx) {
  const DType from = ctx.in(0).dtype, to = ctx.out(0).dtype;
  if (from == to) {
    ctx.include("kiln_elementwise.h");
    ctx.w().line("kiln::copy<{}, {}>({}, {});", dtype_c_name(to), ctx.out(0).numel(), ctx.in_ptr(0), ctx.out_ptr(0));
    return Status::ok();
  }
  if (to == DType::kBool) return unary_emit(ctx, "kiln::OpToBool{}");
  return unary_emit(ctx, fmt::format("kiln::OpCast<{}>{{}}", dtype_c_name(to)));
}

}  // namespace kiln
