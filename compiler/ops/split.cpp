// Split (opset 1..17): cuts the input along `axis` into the sizes of `split` (an attribute
// before opset 13, an optional constant input from 13; opset 1 also takes it as input 1), or
// into equal parts. Any type. Each output is a strided copy of its slab.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, size_t* axis, std::vector<int64_t>* sizes) {
  const Shape& in = ctx.in(0).shape;
  int64_t a = ctx.node().attr_int("axis", 0);
  if (!normalize_axis(&a, static_cast<int64_t>(in.size())))
    return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, in.size()));
  *axis = static_cast<size_t>(a);
  bool given;
  KILN_TRY(ints_attr_or_input(ctx, "split", 1, ctx.opset() == 1 && ctx.has_input(1) ? 1 : 13, sizes, &given));
  const int64_t n = static_cast<int64_t>(ctx.num_outputs()), dim = in[*axis];
  if (!given) {
    if (n == 0 || dim % n) return ctx.invalid(fmt::format("cannot split {} into {} equal parts", dim, n));
    sizes->assign(static_cast<size_t>(n), dim / n);
  }
  if (static_cast<int64_t>(sizes->size()) != n)
    return ctx.invalid(fmt::format("split has {} sizes for {} outputs", sizes->size(), n));
  int64_t total = 0;
  for (int64_t s : *sizes) {
    if (s < 0) return ctx.invalid("split sizes must not be negative");
    total += s;
  }
  if (total != dim) return ctx.invalid(fmt::format("split sizes sum to {}, not {}", total, dim));
  return Status::ok();
}

// Output k as a view of the input.
StridedView part(const Shape& in, size_t axis, const std::vector<int64_t>& sizes, size_t k) {
  StridedView v;
  v.dims = in;
  v.dims[axis] = sizes[k];
  v.strides = dense_strides(in);
  for (size_t j = 0; j < k; ++j) v.offset += sizes[j] * v.strides[axis];
  return v;
}

Status infer(OpCtx& ctx) {
  size_t axis;
  std::vector<int64_t> sizes;
  KILN_TRY(resolve(ctx, &axis, &sizes));
  for (size_t k = 0; k < ctx.num_outputs(); ++k) {
    if (!ctx.has_output(k)) continue;
    Tensor& y = ctx.out(k);
    y.dtype = ctx.in(0).dtype;
    y.shape = ctx.in(0).shape;
    y.shape[axis] = sizes[k];
    y.shape_known = true;
  }
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  size_t axis;
  std::vector<int64_t> sizes;
  KILN_TRY(resolve(ctx, &axis, &sizes));
  for (size_t k = 0; k < ctx.num_outputs(); ++k)
    if (ctx.has_output(k)) eval_view(ctx.in(0), part(ctx.in(0).shape, axis, sizes, k), ctx.out(k).data.data());
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  size_t axis;
  std::vector<int64_t> sizes;
  KILN_TRY(resolve(ctx, &axis, &sizes));
  for (size_t k = 0; k < ctx.num_outputs(); ++k)
    if (ctx.has_output(k))
      emit_view(ctx, ctx.in(0).dtype, part(ctx.in(0).shape, axis, sizes, k), ctx.in_ptr(0), ctx.out_ptr(k));
  return Status::ok();
}

}  // namespace

const OpDef kOp_Split = {"Split", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
