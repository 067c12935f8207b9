// ScatterND (opset 11..17): y = data, then each index tuple (last dim of `indices`) receives a
// slice of `updates`, or is combined with it by `reduction` add/mul (opset 16; max/min are 18).
// int64/int32 indices, constant or runtime (out-of-range runtime tuples are skipped). Any type.
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

struct NdGeom {
  size_t q;
  int64_t tuples, slice;
  std::string reduction;
};

Status resolve(OpCtx& ctx, NdGeom* g) {
  const Shape& ds = ctx.in(0).shape;
  const Shape& is = ctx.in(1).shape;
  DType it = ctx.in(1).dtype;
  if (it != DType::kInt32 && it != DType::kInt64) return ctx.unsupported_type(it);
  g->reduction = ctx.node().attr_string("reduction", "none");
  if (g->reduction != "none" && g->reduction != "add" && g->reduction != "mul")
    return ctx.unsupported(fmt::format("reduction '{}' is not supported", g->reduction));
  if (is.empty() || is.back() < 1 || static_cast<size_t>(is.back()) > ds.size())
    return ctx.invalid("indices must end in a dim of 1..rank(data) components");
  g->q = static_cast<size_t>(is.back());
  g->tuples = dims_product(is, 0, is.size() - 1);
  g->slice = dims_product(ds, g->q, ds.size());
  Shape us(is.begin(), is.end() - 1);
  us.insert(us.end(), ds.begin() + static_cast<std::ptrdiff_t>(g->q), ds.end());
  if (ctx.in(2).shape != us)
    return ctx.invalid(fmt::format("updates have shape {}, expected {}", shape_str(ctx.in(2).shape), shape_str(us)));
  if (ctx.in(2).dtype != ctx.in(0).dtype) return ctx.invalid("updates must have the data's type");
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  NdGeom g;
  KILN_TRY(resolve(ctx, &g));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  NdGeom g;
  KILN_TRY(resolve(ctx, &g));
  const Shape& ds = ctx.in(0).shape;
  const std::vector<int64_t> st = dense_strides(ds);
  Status status;
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T* y = ctx.out(0).as_mut<T>();
    const T* u = ctx.in(2).as<T>();
    std::memcpy(y, ctx.in(0).as<T>(), ctx.out(0).bytes());
    for (int64_t m = 0; m < g.tuples && status; ++m) {
      int64_t off = 0;
      for (size_t j = 0; j < g.q; ++j) {
        int64_t v = ctx.in(1).int_at(m * static_cast<int64_t>(g.q) + static_cast<int64_t>(j));
        if (v < 0) v += ds[j];
        if (v < 0 || v >= ds[j]) status = ctx.invalid(fmt::format("index {} is out of range for a dim of {}", v, ds[j]));
        off += v * st[j];
      }
      for (int64_t s = 0; s < g.slice && status; ++s) {
        T& d = y[off + s];
        T v = u[m * g.slice + s];
        d = g.reduction == "add" ? static_cast<T>(d + v) : g.reduction == "mul" ? static_cast<T>(d * v) : v;
      }
    }
  });
  return status;
}

Status emit(OpCtx& ctx) {
  NdGeom g;
  KILN_TRY(resolve(ctx, &g));
  if (ctx.out(0).numel() == 0) return Status::ok();
  const Shape& ds = ctx.in(0).shape;
  const std::vector<int64_t> st = dense_strides(ds);
  std::vector<int64_t> pack;
  for (size_t j = 0; j < g.q; ++j) {
    pack.push_back(ds[j]);
    pack.push_back(st[j]);
  }
  ctx.include("kiln_shape.h");
  const char* T = dtype_c_name(ctx.in(0).dtype);
  ctx.w().line("kiln::copy<{}, {}>({}, {});", T, ctx.out(0).numel(), ctx.in_ptr(0), ctx.out_ptr(0));
  if (g.tuples == 0 || g.slice == 0) return Status::ok();
  std::string f = scatter_functor(g.reduction);
  ctx.w().line("kiln::scatter_nd<{}, {}, {}, {}, {}, {}>({}, {}, {}, {});", T, dtype_c_name(ctx.in(1).dtype), g.tuples,
               g.slice, f.substr(0, f.size() - 2), fmt::join(pack, ", "), ctx.in_ptr(2), ctx.in_ptr(1), ctx.out_ptr(0), f);
  return Status::ok();
}

}  // namespace

const OpDef kOp_ScatterND = {"ScatterND", 11, 17, infer, eval, emit, nullptr};

}  // namespace kiln
