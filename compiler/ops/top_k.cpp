// TopK (opset 1..17): the k largest (or, opset 11, smallest) values along `axis` and their int64
// indices; k is an attribute before opset 10 and a constant input from 10. Results are always
// sorted (sorted=0 leaves the order to the implementation); equal values keep the lower index
// first. Numeric types (not bool).
#include <algorithm>
#include <numeric>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, size_t* axis, int64_t* k) {
  const Shape& s = ctx.in(0).shape;
  int64_t a = ctx.node().attr_int("axis", -1);
  if (!normalize_axis(&a, static_cast<int64_t>(s.size())))
    return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, s.size()));
  *axis = static_cast<size_t>(a);
  if (ctx.opset() < 10) {
    *k = ctx.node().attr_int("k", -1);
  } else {
    KILN_TRY(ctx.require_const(1, "K"));
    if (ctx.in(1).numel() != 1) return ctx.invalid("K must hold one value");
    *k = ctx.in(1).int_at(0);
  }
  if (*k < 0 || *k > s[*axis]) return ctx.invalid(fmt::format("k={} is out of range for a dim of {}", *k, s[*axis]));
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  size_t axis;
  int64_t k;
  if (ctx.in(0).dtype == DType::kBool) return ctx.unsupported_type(DType::kBool);
  KILN_TRY(resolve(ctx, &axis, &k));
  for (size_t i = 0; i < 2; ++i) {
    if (!ctx.has_output(i)) continue;
    Tensor& y = ctx.out(i);
    y.dtype = i == 0 ? ctx.in(0).dtype : DType::kInt64;
    y.shape = ctx.in(0).shape;
    y.shape[axis] = k;
    y.shape_known = true;
  }
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  size_t axis;
  int64_t k;
  KILN_TRY(resolve(ctx, &axis, &k));
  const Shape& s = ctx.in(0).shape;
  const int64_t outer = dims_product(s, 0, axis), n = s[axis], inner = dims_product(s, axis + 1, s.size());
  const bool largest = ctx.node().attr_int("largest", 1) != 0;
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t j) { return x[(o * n + j) * inner + i]; };
        std::vector<int64_t> order(static_cast<size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int64_t a, int64_t b) { return largest ? at(a) > at(b) : at(a) < at(b); });
        for (int64_t j = 0; j < k; ++j) {
          const int64_t p = (o * k + j) * inner + i;
          if (ctx.has_output(0)) ctx.out(0).as_mut<T>()[p] = at(order[static_cast<size_t>(j)]);
          if (ctx.has_output(1)) ctx.out(1).as_mut<int64_t>()[p] = order[static_cast<size_t>(j)];
        }
      }
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  size_t axis;
  int64_t k;
  KILN_TRY(resolve(ctx, &axis, &k));
  const Shape& s = ctx.in(0).shape;
  const int64_t outer = dims_product(s, 0, axis), inner = dims_product(s, axis + 1, s.size());
  if (k == 0 || outer * inner == 0) return Status::ok();
  if (!ctx.has_output(0) || !ctx.has_output(1))
    return ctx.unsupported("TopK needs both outputs connected (the kernel sorts in place in them)");
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::top_k<{}, {}, {}, {}, {}, {}>({}, {}, {});", dtype_c_name(ctx.in(0).dtype), outer, s[axis], inner, k,
               ctx.node().attr_int("largest", 1) != 0, ctx.in_ptr(0), ctx.out_ptr(0), ctx.out_ptr(1));
  return Status::ok();
}

}  // namespace

const OpDef kOp_TopK = {"TopK", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
