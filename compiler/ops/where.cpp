// Where (opset 9..17): y = condition ? x : y with numpy broadcasting of all three inputs.
// condition is bool; x and y share any supported type.
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  if (ctx.num_inputs() != 3 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2))
    return ctx.invalid("inputs condition, X and Y are required");
  if (ctx.in(0).dtype != DType::kBool) return ctx.invalid("condition must be bool");
  if (ctx.in(1).dtype != ctx.in(2).dtype) return ctx.invalid("X and Y must have the same type");
  Shape s, xy;
  if (!broadcast_shapes(ctx.in(1).shape, ctx.in(2).shape, &xy) || !broadcast_shapes(ctx.in(0).shape, xy, &s))
    return ctx.invalid(fmt::format("shapes {}, {} and {} do not broadcast", shape_str(ctx.in(0).shape),
                                   shape_str(ctx.in(1).shape), shape_str(ctx.in(2).shape)));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(1).dtype;
  y.shape = s;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const bool* c = ctx.in(0).as<bool>();
  dispatch_dtype(ctx.in(1).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* a = ctx.in(1).as<T>();
    const T* b = ctx.in(2).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    for_each_broadcast_n({ctx.in(0).shape, ctx.in(1).shape, ctx.in(2).shape}, ctx.out(0).shape,
                         [&](const std::vector<int64_t>& at, int64_t iy) { y[iy] = c[at[0]] ? a[at[1]] : b[at[2]]; });
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) { return ternary_emit(ctx, "kiln::OpWhere{}"); }

}  // namespace

const OpDef kOp_Where = {"Where", 9, 17, infer, eval, emit, nullptr};

}  // namespace kiln
