// Compress (opset 9..17): keeps the slices along `axis` (the flattened input without it) whose
// entry of the constant bool `condition` is true; entries past the condition's end count as
// false. Any type. Emitted as a gather with the selected positions as a constant table.
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

struct Selection {
  int64_t outer, n, inner;
  std::vector<int64_t> keep;
};

Status resolve(OpCtx& ctx, Selection* s) {
  KILN_TRY(ctx.require_const(1, "condition"));
  const Shape& in = ctx.in(0).shape;
  const Tensor& c = ctx.in(1);
  if (c.shape.size() != 1) return ctx.invalid("condition must be 1-D");
  if (ctx.node().has_attr("axis")) {
    int64_t a = ctx.node().attr_int("axis", 0);
    if (!normalize_axis(&a, static_cast<int64_t>(in.size())))
      return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, in.size()));
    const size_t ax = static_cast<size_t>(a);
    s->outer = dims_product(in, 0, ax);
    s->n = in[ax];
    s->inner = dims_product(in, ax + 1, in.size());
  } else {
    s->outer = 1;
    s->n = shape_numel(in);
    s->inner = 1;
  }
  s->keep.clear();
  for (int64_t i = 0; i < c.numel(); ++i) {
    if (c.int_at(i) == 0) continue;
    if (i >= s->n) return ctx.invalid("condition selects past the end of the axis");
    s->keep.push_back(i);
  }
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  Selection s;
  KILN_TRY(resolve(ctx, &s));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  if (ctx.node().has_attr("axis")) {
    int64_t a = ctx.node().attr_int("axis", 0);
    normalize_axis(&a, static_cast<int64_t>(ctx.in(0).shape.size()));
    y.shape = ctx.in(0).shape;
    y.shape[static_cast<size_t>(a)] = static_cast<int64_t>(s.keep.size());
  } else {
    y.shape = {static_cast<int64_t>(s.keep.size())};
  }
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Selection s;
  KILN_TRY(resolve(ctx, &s));
  const size_t es = dtype_size(ctx.in(0).dtype), row = static_cast<size_t>(s.inner) * es;
  const int64_t k = static_cast<int64_t>(s.keep.size());
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < k; ++j)
      std::memcpy(ctx.out(0).data.data() + static_cast<size_t>(o * k + j) * row,
                  ctx.in(0).data.data() + static_cast<size_t>(o * s.n + s.keep[static_cast<size_t>(j)]) * row, row);
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Selection s;
  KILN_TRY(resolve(ctx, &s));
  if (ctx.out(0).numel() == 0) return Status::ok();
  Tensor table;
  table.name = ctx.node().name + "_positions";
  table.dtype = DType::kInt32;
  table.shape = {static_cast<int64_t>(s.keep.size())};
  table.is_const = true;
  table.alloc();
  for (size_t j = 0; j < s.keep.size(); ++j) table.as_mut<int32_t>()[j] = static_cast<int32_t>(s.keep[j]);
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::gather<{}, int32_t, {}, {}, {}, {}>({}, {}, {});", dtype_c_name(ctx.in(0).dtype), s.outer, s.n,
               s.keep.size(), s.inner, ctx.in_ptr(0), ctx.add_const(table.name, table), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_Compress = {"Compress", 9, 17, infer, eval, emit, nullptr};

}  // namespace kiln
