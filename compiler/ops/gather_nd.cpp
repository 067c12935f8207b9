// GatherND (opset 11..17): each index tuple (the last dim of `indices`, q components) selects a
// slice of `data`; batch_dims (opset 12) leading dims are shared by data and indices.
// int64/int32 indices, constant or runtime (negative count from the end; out-of-range runtime
// tuples produce zeros). Any data type.
#include <algorithm>
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

struct NdGeom {
  size_t b, q;
  int64_t batches, tuples, slice, batch_stride;
};

Status resolve(OpCtx& ctx, NdGeom* g) {
  const Shape& ds = ctx.in(0).shape;
  const Shape& is = ctx.in(1).shape;
  DType it = ctx.in(1).dtype;
  if (it != DType::kInt32 && it != DType::kInt64) return ctx.unsupported_type(it);
  int64_t b = ctx.node().attr_int("batch_dims", 0);
  if (is.empty()) return ctx.invalid("indices must have rank >= 1");
  if (b < 0 || b >= static_cast<int64_t>(std::min(ds.size(), is.size())))
    return ctx.invalid(fmt::format("batch_dims {} is out of range", b));
  g->b = static_cast<size_t>(b);
  int64_t q = is.back();
  if (q < 1 || g->b + static_cast<size_t>(q) > ds.size())
    return ctx.invalid(fmt::format("index tuples of {} components on data of rank {}", q, ds.size()));
  g->q = static_cast<size_t>(q);
  for (size_t k = 0; k < g->b; ++k)
    if (ds[k] != is[k]) return ctx.invalid("batch dims of data and indices differ");
  g->batches = dims_product(ds, 0, g->b);
  g->tuples = dims_product(is, g->b, is.size() - 1);
  g->slice = dims_product(ds, g->b + g->q, ds.size());
  g->batch_stride = dims_product(ds, g->b, ds.size());
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  NdGeom g;
  KILN_TRY(resolve(ctx, &g));
  const Shape& ds = ctx.in(0).shape;
  const Shape& is = ctx.in(1).shape;
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape.assign(is.begin(), is.end() - 1);
  y.shape.insert(y.shape.end(), ds.begin() + static_cast<std::ptrdiff_t>(g.b + g.q), ds.end());
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  NdGeom g;
  KILN_TRY(resolve(ctx, &g));
  const Shape& ds = ctx.in(0).shape;
  const std::vector<int64_t> st = dense_strides(ds);
  const size_t es = dtype_size(ctx.in(0).dtype);
  const Tensor& idx = ctx.in(1);
  for (int64_t bm = 0; bm < g.batches * g.tuples; ++bm) {
    int64_t off = bm / g.tuples * g.batch_stride;
    for (size_t j = 0; j < g.q; ++j) {
      int64_t v = idx.int_at(bm * static_cast<int64_t>(g.q) + static_cast<int64_t>(j));
      const int64_t d = ds[g.b + j];
      if (v < 0) v += d;
      if (v < 0 || v >= d) return ctx.invalid(fmt::format("index {} is out of range for a dim of {}", v, d));
      off += v * st[g.b + j];
    }
    std::memcpy(ctx.out(0).data.data() + static_cast<size_t>(bm * g.slice) * es,
                ctx.in(0).data.data() + static_cast<size_t>(off) * es, static_cast<size_t>(g.slice) * es);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  NdGeom g;
  KILN_TRY(resolve(ctx, &g));
  if (ctx.out(0).numel() == 0) return Status::ok();
  const Shape& ds = ctx.in(0).shape;
  const std::vector<int64_t> st = dense_strides(ds);
  std::vector<int64_t> pack;
  for (size_t j = 0; j < g.q; ++j) {
    pack.push_back(ds[g.b + j]);
    pack.push_back(st[g.b + j]);
  }
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::gather_nd<{}, {}, {}, {}, {}, {}, {}>({}, {}, {});", dtype_c_name(ctx.in(0).dtype),
               dtype_c_name(ctx.in(1).dtype), g.batches, g.tuples, g.slice, g.batch_stride, fmt::join(pack, ", "),
               ctx.in_ptr(0), ctx.in_ptr(1), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_GatherND = {"GatherND", 11, 17, infer, eval, emit, nullptr};

}  // namespace kiln
