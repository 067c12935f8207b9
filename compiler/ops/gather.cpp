// Gather (opset 1..17): y = data indexed along `axis` by int32/int64 indices (constant or
// runtime; negative ones count from the end). Any data type. Out-of-range runtime indices
// produce zeros instead of reading outside the tensor.
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, size_t* axis) {
  int64_t a = ctx.node().attr_int("axis", 0);
  const int64_t r = static_cast<int64_t>(ctx.in(0).shape.size());
  if (!normalize_axis(&a, r)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, r));
  *axis = static_cast<size_t>(a);
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(resolve(ctx, &axis));
  DType it = ctx.in(1).dtype;
  if (it != DType::kInt32 && it != DType::kInt64) return ctx.unsupported_type(it);
  const Shape& ds = ctx.in(0).shape;
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape.assign(ds.begin(), ds.begin() + static_cast<std::ptrdiff_t>(axis));
  y.shape.insert(y.shape.end(), ctx.in(1).shape.begin(), ctx.in(1).shape.end());
  y.shape.insert(y.shape.end(), ds.begin() + static_cast<std::ptrdiff_t>(axis) + 1, ds.end());
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(resolve(ctx, &axis));
  const Shape& ds = ctx.in(0).shape;
  const int64_t outer = dims_product(ds, 0, axis), n = ds[axis], inner = dims_product(ds, axis + 1, ds.size());
  const int64_t k = ctx.in(1).numel();
  const size_t es = dtype_size(ctx.in(0).dtype);
  for (int64_t j = 0; j < k; ++j) {
    int64_t ix = ctx.in(1).int_at(j);
    if (ix < 0) ix += n;
    if (ix < 0 || ix >= n) return ctx.invalid(fmt::format("index {} is out of range for a dim of {}", ctx.in(1).int_at(j), n));
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(ctx.out(0).data.data() + static_cast<size_t>((o * k + j) * inner) * es,
                  ctx.in(0).data.data() + static_cast<size_t>((o * n + ix) * inner) * es, static_cast<size_t>(inner) * es);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(resolve(ctx, &axis));
  if (ctx.out(0).numel() == 0) return Status::ok();
  const Shape& ds = ctx.in(0).shape;
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::gather<{}, {}, {}, {}, {}, {}>({}, {}, {});", dtype_c_name(ctx.in(0).dtype),
               dtype_c_name(ctx.in(1).dtype), dims_product(ds, 0, axis), ds[axis], ctx.in(1).numel(),
               dims_product(ds, axis + 1, ds.size()), ctx.in_ptr(0), ctx.in_ptr(1), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_Gather = {"Gather", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
