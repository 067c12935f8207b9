#include "compiler/ops/elementwise.h"

namespace kiln {

Status unary_infer(OpCtx& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input X is required");
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status unary_emit(OpCtx& ctx, const std::string& functor) {
  ctx.include("kiln_elementwise.h");
  const Tensor& x = ctx.in(0);
  const Tensor& y = ctx.out(0);
  ctx.w().line("kiln::unary<{}, {}, {}>({}, {}, {});", dtype_c_name(x.dtype), dtype_c_name(y.dtype), y.numel(),
               ctx.in_ptr(0), ctx.out_ptr(0), functor);
  return Status::ok();
}

Status broadcast_infer(OpCtx& ctx, DType out_dtype) {
  Shape s;
  bool first = true;
  DType dt = DType::kUndefined;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) {
    if (!ctx.has_input(k)) continue;
    const Tensor& t = ctx.in(k);
    if (first) {
      s = t.shape;
      dt = t.dtype;
      first = false;
      continue;
    }
    if (t.dtype != dt)
      return ctx.invalid(fmt::format("inputs have different types ({} and {})", dtype_short_name(dt), dtype_short_name(t.dtype)));
    Shape next;
    if (!broadcast_shapes(s, t.shape, &next))
      return ctx.invalid(fmt::format("shapes {} and {} do not broadcast", shape_str(s), shape_str(t.shape)));
    s = next;
  }
  if (first) return ctx.invalid("at least one input is required");
  Tensor& y = ctx.out(0);
  y.dtype = out_dtype == DType::kUndefined ? dt : out_dtype;
  y.shape = s;
  y.shape_known = true;
  return Status::ok();
}

void for_each_broadcast(const Shape& as, const Shape& bs, const Shape& ys,
                        const std::function<void(int64_t, int64_t, int64_t)>& f) {
  std::vector<int64_t> sa = broadcast_strides(as, ys), sb = broadcast_strides(bs, ys);
  const size_t r = ys.size();
  std::vector<int64_t> idx(r, 0);
  int64_t total = shape_numel(ys);
  int64_t ia = 0, ib = 0;
  for (int64_t iy = 0; iy < total; ++iy) {
    f(ia, ib, iy);
    for (size_t d = r; d-- > 0;) {
      ++idx[d];
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < ys[d]) break;
      ia -= sa[d] * ys[d];
      ib -= sb[d] * ys[d];
      idx[d] = 0;
    }
  }
}

void emit_binary(OpCtx& ctx, const Tensor& a, const std::string& ap, const Tensor& b,
                 const std::string& bp, const Tensor& y, const std::string& yp,
                 const std::string& functor) {
  ctx.include("kiln_elementwise.h");
  const char* T = dtype_c_name(a.dtype);
  const char* U = dtype_c_name(y.dtype);
  const int64_t n = y.numel();
  if (a.numel() == n && b.numel() == n) {
    ctx.w().line("kiln::binary<{}, {}, {}>({}, {}, {}, {});", T, U, n, ap, bp, yp, functor);
    return;
  }
  if (a.numel() == n && b.numel() == 1) {
    ctx.w().line("kiln::binary_scalar_b<{}, {}, {}>({}, {}, {}, {});", T, U, n, ap, bp, yp, functor);
    return;
  }
  if (b.numel() == n && a.numel() == 1) {
    ctx.w().line("kiln::binary_scalar_a<{}, {}, {}>({}, {}, {}, {});", T, U, n, ap, bp, yp, functor);
    return;
  }
  // Collapse adjacent dims whose strides chain in both operands, then pad to 4 dims.
  std::vector<int64_t> sa = broadcast_strides(a.shape, y.shape), sb = broadcast_strides(b.shape, y.shape);
  std::vector<int64_t> d, da, db;
  for (size_t i = 0; i < y.shape.size(); ++i) {
    if (y.shape[i] == 1) continue;
    if (!d.empty() && da.back() == sa[i] * y.shape[i] && db.back() == sb[i] * y.shape[i]) {
      d.back() *= y.shape[i];
      da.back() = sa[i];
      db.back() = sb[i];
      continue;
    }
    d.push_back(y.shape[i]);
    da.push_back(sa[i]);
    db.push_back(sb[i]);
  }
  if (d.size() > 4) {
    // Rare: loop over the leading dims in generated code, one 4-D kernel call per slice.
    size_t lead = d.size() - 4;
    int64_t count = 1;
    for (size_t i = 0; i < lead; ++i) count *= d[i];
    for (int64_t k = 0; k < count; ++k) {
      int64_t rem = k, oa = 0, ob = 0, oy = 0, inner = n / count;
      for (size_t i = lead; i-- > 0;) {
        int64_t ix = rem % d[i];
        rem /= d[i];
        oa += ix * da[i];
        ob += ix * db[i];
      }
      oy = k * inner;
      ctx.w().line("kiln::binary_bcast<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({} + {}, {} + {}, {} + {}, {});",
                   T, U, d[lead], d[lead + 1], d[lead + 2], d[lead + 3], da[lead], da[lead + 1], da[lead + 2],
                   da[lead + 3], db[lead], db[lead + 1], db[lead + 2], db[lead + 3], ap, oa, bp, ob, yp, oy, functor);
    }
    return;
  }
  while (d.size() < 4) {
    d.insert(d.begin(), 1);
    da.insert(da.begin(), 0);
    db.insert(db.begin(), 0);
  }
  ctx.w().line("kiln::binary_bcast<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {});", T, U,
               d[0], d[1], d[2], d[3], da[0], da[1], da[2], da[3], db[0], db[1], db[2], db[3], ap, bp, yp, functor);
}

Status binary_emit(OpCtx& ctx, const std::string& functor) {
  std::vector<size_t> ins;
  for (size_t k = 0; k < ctx.num_inputs(); ++k)
    if (ctx.has_input(k)) ins.push_back(k);
  const Tensor& y = ctx.out(0);
  if (ins.size() == 1) {
    ctx.include("kiln_elementwise.h");
    // A single input: broadcast copy is not needed (the shapes are equal).
    ctx.w().line("kiln::copy<{}, {}>({}, {});", dtype_c_name(y.dtype), y.numel(), ctx.in_ptr(ins[0]), ctx.out_ptr(0));
    return Status::ok();
  }
  Shape first;
  broadcast_shapes(ctx.in(ins[0]).shape, ctx.in(ins[1]).shape, &first);
  if (ins.size() == 2 && first == y.shape) {
    emit_binary(ctx, ctx.in(ins[0]), ctx.in_ptr(ins[0]), ctx.in(ins[1]), ctx.in_ptr(ins[1]), y, ctx.out_ptr(0), functor);
    return Status::ok();
  }
  // Variadic or growing broadcast: y = broadcast(x0), then y = f(y, xk) for each further input
  // (elementwise on the dense output, so reading and writing y in one kernel is safe).
  emit_binary(ctx, ctx.in(ins[0]), ctx.in_ptr(ins[0]), y, ctx.out_ptr(0), y, ctx.out_ptr(0), "kiln::OpFirst{}");
  for (size_t k = 1; k < ins.size(); ++k)
    emit_binary(ctx, y, ctx.out_ptr(0), ctx.in(ins[k]), ctx.in_ptr(ins[k]), y, ctx.out_ptr(0), functor);
  return Status::ok();
}

}  // namespace kiln
