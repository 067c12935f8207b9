// OneHot (opset 9..17): y has a new dim of size `depth` (a constant) inserted at `axis`; it
// holds values[1] where the index (negative counts from depth) matches and values[0] elsewhere.
// Indices of any numeric type (cast to integers), values of any type, constant or runtime.
#include <cmath>
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, size_t* axis, int64_t* depth) {
  KILN_TRY(ctx.require_const(1, "depth"));
  if (ctx.in(1).numel() != 1) return ctx.invalid("depth must hold one value");
  const double d = ctx.in(1).float_at(0);
  if (!(d >= 1) || d > 1e9) return ctx.invalid(fmt::format("depth {} is not a positive size", d));
  *depth = static_cast<int64_t>(d);
  const int64_t r = static_cast<int64_t>(ctx.in(0).shape.size()) + 1;
  int64_t a = ctx.node().attr_int("axis", -1);
  if (!normalize_axis(&a, r)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, r));
  *axis = static_cast<size_t>(a);
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  size_t axis;
  int64_t depth;
  KILN_TRY(resolve(ctx, &axis, &depth));
  if (ctx.in(0).dtype == DType::kBool) return ctx.unsupported_type(DType::kBool);
  if (ctx.in(2).numel() != 2) return ctx.invalid("values must hold [off_value, on_value]");
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(2).dtype;
  y.shape = ctx.in(0).shape;
  y.shape.insert(y.shape.begin() + static_cast<std::ptrdiff_t>(axis), depth);
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  size_t axis;
  int64_t depth;
  KILN_TRY(resolve(ctx, &axis, &depth));
  const Shape& s = ctx.in(0).shape;
  const int64_t outer = dims_product(s, 0, axis), inner = dims_product(s, axis, s.size());
  const size_t es = dtype_size(ctx.out(0).dtype);
  const uint8_t* values = ctx.in(2).data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t d = 0; d < depth; ++d)
      for (int64_t i = 0; i < inner; ++i) {
        // Indices are cast to integers (truncation), as the kernel's static_cast does.
        int64_t v = static_cast<int64_t>(std::trunc(ctx.in(0).float_at(o * inner + i)));
        if (dtype_is_integer(ctx.in(0).dtype)) v = ctx.in(0).int_at(o * inner + i);
        if (v < 0) v += depth;
        std::memcpy(ctx.out(0).data.data() + static_cast<size_t>((o * depth + d) * inner + i) * es,
                    values + (v == d ? es : 0), es);
      }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  size_t axis;
  int64_t depth;
  KILN_TRY(resolve(ctx, &axis, &depth));
  if (ctx.out(0).numel() == 0) return Status::ok();
  const Shape& s = ctx.in(0).shape;
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::one_hot<{}, {}, {}, {}, {}>({}, {}, {});", dtype_c_name(ctx.in(0).dtype),
               dtype_c_name(ctx.out(0).dtype), dims_product(s, 0, axis), depth, dims_product(s, axis, s.size()),
               ctx.in_ptr(0), ctx.in_ptr(2), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_OneHot = {"OneHot", 9, 17, infer, eval, emit, nullptr};

}  // namespace kiln
