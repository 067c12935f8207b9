#include "compiler/ops/reduce_util.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace kiln {

bool reduce_numeric_type(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kInt32 || t == DType::kInt64;
}

bool reduce_real_type(DType t) { return t == DType::kFloat32 || t == DType::kFloat64; }

namespace {

// A Reduce* node's axes resolved against its input.
struct ReducePlan {
  std::vector<bool> reduced;  // per input axis
  bool noop = false;          // ReduceSum-13 with no axes and noop_with_empty_axes=1: identity
  Shape out;
};

Status reduce_plan(OpCtx& ctx, const ReduceSchema& s, ReducePlan* p) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(0).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  const bool from_input = ctx.opset() >= s.axes_input_opset;
  std::vector<int64_t> axes;
  if (from_input) {
    if (n.has_attr("axes")) return ctx.invalid(fmt::format("axes is an input since opset {}, not an attribute", s.axes_input_opset));
    if (ctx.has_input(1)) {
      KILN_TRY(ctx.require_const(1, "axes"));
      axes = ctx.in(1).to_ints();
    }
  } else {
    if (ctx.has_input(1)) return ctx.invalid(fmt::format("axes is an attribute before opset {}", s.axes_input_opset));
    axes = n.attr_ints("axes", {});
  }
  const bool keep = n.attr_int("keepdims", 1) != 0;
  p->noop = axes.empty() && from_input && n.attr_int("noop_with_empty_axes", 0) != 0;
  // No axes means all axes (unless noop).
  p->reduced.assign(xs.size(), axes.empty() && !p->noop);
  for (int64_t a : axes) {
    int64_t axis = a;
    if (!normalize_axis(&axis, rank)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, rank));
    if (p->reduced[static_cast<size_t>(axis)]) return ctx.invalid(fmt::format("axis {} is repeated", a));
    p->reduced[static_cast<size_t>(axis)] = true;
  }
  p->out.clear();
  for (size_t d = 0; d < xs.size(); ++d) {
    if (!p->reduced[d])
      p->out.push_back(xs[d]);
    else if (keep)
      p->out.push_back(1);
  }
  return Status::ok();
}

template <typename T>
T from_double(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    // Through int64 so that integer results wrap like the kernel's int64 accumulator.
    if (!std::isfinite(v) || std::fabs(v) >= 9.2e18) return T(0);
    return static_cast<T>(static_cast<int64_t>(v));
  }
}

}  // namespace

Status reduce_infer(OpCtx& ctx, const ReduceSchema& s) {
  const Tensor& x = ctx.in(0);
  if (!s.accepts(x.dtype)) return ctx.unsupported_type(x.dtype);
  if (x.numel() == 0) return ctx.unsupported("reducing an empty tensor is not supported");
  ReducePlan p;
  KILN_TRY(reduce_plan(ctx, s, &p));
  Tensor& y = ctx.out(0);
  y.dtype = x.dtype;
  y.shape = p.out;
  y.shape_known = true;
  return Status::ok();
}

Status reduce_eval(OpCtx& ctx, const ReduceSchema& s, double (*f)(const std::vector<double>&)) {
  ReducePlan p;
  KILN_TRY(reduce_plan(ctx, s, &p));
  const Tensor& x = ctx.in(0);
  if (p.noop) return eval_copy_bytes(ctx);
  // Bucket every input element under its output's flat index (row-major over kept axes).
  const Shape& xs = x.shape;
  std::vector<int64_t> out_stride(xs.size(), 0);
  int64_t st = 1;
  for (size_t d = xs.size(); d-- > 0;) {
    if (p.reduced[d]) continue;
    out_stride[d] = st;
    st *= xs[d];
  }
  std::vector<std::vector<double>> buckets(static_cast<size_t>(ctx.out(0).numel()));
  std::vector<int64_t> idx(xs.size(), 0);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t o = 0;
    for (size_t d = 0; d < xs.size(); ++d) o += idx[d] * out_stride[d];
    buckets[static_cast<size_t>(o)].push_back(x.float_at(i));
    for (size_t d = xs.size(); d-- > 0;) {
      if (++idx[d] < xs[d]) break;
      idx[d] = 0;
    }
  }
  dispatch_dtype(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* y = ctx.out(0).as_mut<T>();
    for (size_t k = 0; k < buckets.size(); ++k) y[k] = from_double<T>(f(buckets[k]));
  });
  return Status::ok();
}

Status reduce_emit(OpCtx& ctx, const ReduceSchema& s, const char* functor, bool real_acc) {
  ReducePlan p;
  KILN_TRY(reduce_plan(ctx, s, &p));
  const Tensor& x = ctx.in(0);
  const char* T = dtype_c_name(x.dtype);
  if (p.noop) {
    ctx.w().line("kiln::copy<{}, {}>({}, {});", T, x.numel(), ctx.in_ptr(0), ctx.out_ptr(0));
    return Status::ok();
  }
  ctx.include("kiln_reduce.h");
  const char* A = dtype_is_float(x.dtype) ? T : (real_acc ? "double" : "int64_t");
  // Collapse to alternating kept/reduced groups k0 r0 k1 r1 ...: size-1 axes do not matter and
  // neighbours with the same role merge.
  std::vector<int64_t> k = {1}, r;
  bool prev_reduced = false;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    const int64_t dim = x.shape[d];
    if (dim == 1) continue;
    if (!p.reduced[d]) {
      k.back() *= dim;
    } else if (prev_reduced) {
      r.back() *= dim;
    } else {
      r.push_back(dim);
      k.push_back(1);
    }
    prev_reduced = p.reduced[d];
  }
  if (r.empty()) {  // every reduced axis has size 1
    r.push_back(1);
    k.push_back(1);
  }
  if (r.size() == 1) {
    ctx.w().line("kiln::reduce<{}, {}, {}, {}, {}>({}, {}, {});", T, A, k[0], r[0], k[1], ctx.in_ptr(0),
                 ctx.out_ptr(0), functor);
    return Status::ok();
  }
  if (r.size() > 3)
    return ctx.unsupported(fmt::format("reducing {} separated groups of axes is not supported (at most 3)", r.size()),
                           "transpose the reduced axes next to each other");
  r.resize(3, 1);
  k.resize(4, 1);
  ctx.w().line("kiln::reduce_strided<{}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {});", T, A, k[0], r[0], k[1], r[1],
               k[2], r[2], k[3], ctx.in_ptr(0), ctx.out_ptr(0), functor);
  return Status::ok();
}

ReduceAxisView reduce_axis_view(const Shape& s, int64_t axis, bool flatten_tail) {
  ReduceAxisView v;
  for (size_t d = 0; d < s.size(); ++d) {
    int64_t i = static_cast<int64_t>(d);
    if (i < axis)
      v.outer *= s[d];
    else if (i == axis || flatten_tail)
      v.n *= s[d];
    else
      v.inner *= s[d];
  }
  return v;
}

Status softmax_view(OpCtx& ctx, ReduceAxisView* v) {
  const Shape& s = ctx.in(0).shape;
  // Opset 13 normalises along one axis (default -1); before, the input is coerced to 2-D at
  // `axis` (default 1) and normalised along the whole tail.
  const bool coerce = ctx.opset() < 13;
  int64_t axis = ctx.node().attr_int("axis", coerce ? 1 : -1);
  const int64_t rank = static_cast<int64_t>(s.size());
  if (rank == 0) return ctx.invalid("the input must have rank 1 or more");
  int64_t a = axis;
  if (!normalize_axis(&a, rank)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", axis, rank));
  *v = reduce_axis_view(s, a, coerce);
  return Status::ok();
}

Status softmax_infer(OpCtx& ctx) {
  const Tensor& x = ctx.in(0);
  if (!reduce_real_type(x.dtype)) return ctx.unsupported_type(x.dtype);
  ReduceAxisView v;
  KILN_TRY(softmax_view(ctx, &v));
  Tensor& y = ctx.out(0);
  y.dtype = x.dtype;
  y.shape = x.shape;
  y.shape_known = true;
  return Status::ok();
}

namespace {
template <typename T>
void softmax_ref(const T* x, T* y, const ReduceAxisView& v, bool log) {
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t k) { return (o * v.n + k) * v.inner + i; };
      double m = x[at(0)], s = 0;
      for (int64_t k = 0; k < v.n; ++k) m = std::max<double>(m, x[at(k)]);
      for (int64_t k = 0; k < v.n; ++k) s += std::exp(x[at(k)] - m);
      for (int64_t k = 0; k < v.n; ++k)
        y[at(k)] = static_cast<T>(log ? x[at(k)] - m - std::log(s) : std::exp(x[at(k)] - m) / s);
    }
}
}  // namespace

Status softmax_eval(OpCtx& ctx, bool log) {
  ReduceAxisView v;
  KILN_TRY(softmax_view(ctx, &v));
  if (ctx.in(0).dtype == DType::kFloat64)
    softmax_ref(ctx.in(0).as<double>(), ctx.out(0).as_mut<double>(), v, log);
  else
    softmax_ref(ctx.in(0).as<float>(), ctx.out(0).as_mut<float>(), v, log);
  return Status::ok();
}

Status softmax_emit(OpCtx& ctx, const char* kernel) {
  ReduceAxisView v;
  KILN_TRY(softmax_view(ctx, &v));
  if (ctx.in(0).numel() == 0) return Status::ok();
  ctx.include("kiln_reduce.h");
  ctx.w().line("kiln::{}<{}, {}, {}, {}>({}, {});", kernel, dtype_c_name(ctx.in(0).dtype), v.outer, v.n, v.inner,
               ctx.in_ptr(0), ctx.out_ptr(0));
  return Status::ok();
}

namespace {

Status arg_view(OpCtx& ctx, ReduceAxisView* v, int64_t* axis) {
  const Shape& s = ctx.in(0).shape;
  const int64_t rank = static_cast<int64_t>(s.size());
  int64_t a = ctx.node().attr_int("axis", 0);
  *axis = a;
  if (!normalize_axis(axis, rank)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, rank));
  *v = reduce_axis_view(s, *axis, false);
  if (v->n == 0) return ctx.invalid("the reduced axis is empty");
  return Status::ok();
}

}  // namespace

Status arg_infer(OpCtx& ctx) {
  const Tensor& x = ctx.in(0);
  if (x.dtype == DType::kBool || x.dtype == DType::kUndefined) return ctx.unsupported_type(x.dtype);
  ReduceAxisView v;
  int64_t axis;
  KILN_TRY(arg_view(ctx, &v, &axis));
  Tensor& y = ctx.out(0);
  y.dtype = DType::kInt64;
  y.shape = x.shape;
  if (ctx.node().attr_int("keepdims", 1) != 0)
    y.shape[static_cast<size_t>(axis)] = 1;
  else
    y.shape.erase(y.shape.begin() + axis);
  y.shape_known = true;
  return Status::ok();
}

Status arg_eval(OpCtx& ctx, bool max) {
  ReduceAxisView v;
  int64_t axis;
  KILN_TRY(arg_view(ctx, &v, &axis));
  const bool last = ctx.node().attr_int("select_last_index", 0) != 0;
  int64_t* y = ctx.out(0).as_mut<int64_t>();
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t i = 0; i < v.inner; ++i) {
        int64_t best = 0;
        for (int64_t k = 1; k < v.n; ++k) {
          T a = x[(o * v.n + k) * v.inner + i], b = x[(o * v.n + best) * v.inner + i];
          if (max ? (a > b || (last && a == b)) : (a < b || (last && a == b))) best = k;
        }
        y[o * v.inner + i] = best;
      }
  });
  return Status::ok();
}

Status arg_emit(OpCtx& ctx, bool max) {
  ReduceAxisView v;
  int64_t axis;
  KILN_TRY(arg_view(ctx, &v, &axis));
  if (ctx.in(0).numel() == 0) return Status::ok();
  const bool last = ctx.node().attr_int("select_last_index", 0) != 0;
  ctx.include("kiln_reduce.h");
  ctx.w().line("kiln::arg_reduce<{}, {}, {}, {}, {}, {}>({}, {});", dtype_c_name(ctx.in(0).dtype), v.outer, v.n,
               v.inner, max ? "true" : "false", last ? "true" : "false", ctx.in_ptr(0), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace kiln
