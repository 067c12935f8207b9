#include "compiler/ops/shape_util.h"

#include <cmath>
#include <cstring>

namespace kiln {

std::vector<int64_t> dense_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

int64_t dims_product(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e && i < s.size(); ++i) p *= s[i];
  return p;
}

StridedView permuted_view(const Shape& shape, const std::vector<int64_t>& perm) {
  std::vector<int64_t> st = dense_strides(shape);
  StridedView v;
  for (int64_t p : perm) {
    v.dims.push_back(shape[static_cast<size_t>(p)]);
    v.strides.push_back(st[static_cast<size_t>(p)]);
  }
  return v;
}

void eval_view(const Tensor& src, const StridedView& v, uint8_t* dst) {
  const size_t es = dtype_size(src.dtype);
  const int64_t n = shape_numel(v.dims);
  const size_t r = v.dims.size();
  std::vector<int64_t> idx(r, 0);
  int64_t off = v.offset;
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * es, src.data.data() + static_cast<size_t>(off) * es, es);
    for (size_t d = r; d-- > 0;) {
      off += v.strides[d];
      if (++idx[d] < v.dims[d]) break;
      off -= v.strides[d] * v.dims[d];
      idx[d] = 0;
    }
  }
}

std::string ptr_plus(const std::string& p, int64_t off) {
  return off ? fmt::format("{} + {}", p, off) : p;
}

void emit_view(OpCtx& ctx, DType t, const StridedView& v, const std::string& src, const std::string& dst) {
  const int64_t n = shape_numel(v.dims);
  if (n == 0) return;
  std::vector<int64_t> d, s;
  for (size_t k = 0; k < v.dims.size(); ++k) {
    if (v.dims[k] == 1) continue;
    if (!d.empty() && s.back() == v.dims[k] * v.strides[k]) {
      d.back() *= v.dims[k];
      s.back() = v.strides[k];
      continue;
    }
    d.push_back(v.dims[k]);
    s.push_back(v.strides[k]);
  }
  ctx.include("kiln_shape.h");
  const char* T = dtype_c_name(t);
  if (d.empty() || (d.size() == 1 && s[0] == 1)) {
    ctx.w().line("kiln::copy<{}, {}>({}, {});", T, n, ptr_plus(src, v.offset), dst);
    return;
  }
  // Beyond 6 dims (rare: most merge), one call per index of the leading dims.
  const size_t lead = d.size() > 6 ? d.size() - 6 : 0;
  const Shape outer(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(lead));
  const int64_t count = shape_numel(outer), inner = n / count;
  std::vector<int64_t> dd(d.begin() + static_cast<std::ptrdiff_t>(lead), d.end());
  std::vector<int64_t> ss(s.begin() + static_cast<std::ptrdiff_t>(lead), s.end());
  while (dd.size() < 6) {
    dd.insert(dd.begin(), 1);
    ss.insert(ss.begin(), 0);
  }
  for (int64_t k = 0; k < count; ++k) {
    int64_t rem = k, off = v.offset;
    for (size_t i = lead; i-- > 0;) {
      off += rem % d[i] * s[i];
      rem /= d[i];
    }
    ctx.w().line("kiln::strided_copy<{}, {}, {}>({}, {});", T, fmt::join(dd, ", "), fmt::join(ss, ", "),
                 ptr_plus(src, off), ptr_plus(dst, k * inner));
  }
}

static std::string int_literal(DType t, int64_t v, uint64_t u) {
  if (t == DType::kUInt64 || t == DType::kUInt32) return fmt::format("{}u", u);
  if (v == INT64_MIN) return "(-9223372036854775807LL - 1)";
  return t == DType::kInt64 ? fmt::format("{}LL", v) : fmt::format("{}", v);
}

std::string c_literal(DType t, double v) {
  std::string lit;
  if (t == DType::kFloat32) {
    lit = c_float(static_cast<float>(v));
  } else if (t == DType::kFloat64) {
    lit = std::isfinite(v) ? fmt::format("{}", v) : c_float(static_cast<float>(v));
    if (lit.find_first_of(".en") == std::string::npos) lit += ".0";
  } else if (t == DType::kBool) {
    lit = v != 0 ? "1" : "0";
  } else {
    // Saturate: an out-of-range double -> integer conversion is undefined.
    double c = std::isnan(v) ? 0.0 : std::fmax(std::fmin(v, 9.2e18), -9.2e18);
    lit = int_literal(t, static_cast<int64_t>(c), c < 0 ? 0 : static_cast<uint64_t>(c));
  }
  return fmt::format("{}({})", dtype_c_name(t), lit);
}

std::string c_literal(const Tensor& x, int64_t i) {
  if (dtype_is_float(x.dtype) || x.dtype == DType::kBool) return c_literal(x.dtype, x.float_at(i));
  uint64_t u = x.dtype == DType::kUInt64 ? x.as<uint64_t>()[i] : static_cast<uint64_t>(x.int_at(i));
  return fmt::format("{}({})", dtype_c_name(x.dtype), int_literal(x.dtype, x.int_at(i), u));
}

Status ints_attr_or_input(OpCtx& ctx, const char* attr, size_t input, int input_opset,
                          std::vector<int64_t>* out, bool* present) {
  *present = false;
  if (ctx.opset() < input_opset) {
    if (!ctx.node().has_attr(attr)) return Status::ok();
    *out = ctx.node().attr_ints(attr);
  } else {
    if (!ctx.has_input(input)) return Status::ok();
    KILN_TRY(ctx.require_const(input, attr));
    *out = ctx.in(input).to_ints();
  }
  *present = true;
  return Status::ok();
}

Status check_elements(OpCtx& ctx, const Shape& data, const Shape& indices, size_t* axis) {
  const int64_t r = static_cast<int64_t>(data.size());
  int64_t a = ctx.node().attr_int("axis", 0);
  if (!normalize_axis(&a, r)) return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, r));
  *axis = static_cast<size_t>(a);
  if (indices.size() != data.size()) return ctx.invalid("indices must have the data's rank");
  for (size_t k = 0; k < data.size(); ++k)
    if (k != *axis && indices[k] > data[k])
      return ctx.invalid(fmt::format("indices shape {} exceeds data shape {}", shape_str(indices), shape_str(data)));
  DType it = ctx.in(1).dtype;
  if (it != DType::kInt32 && it != DType::kInt64) return ctx.unsupported_type(it);
  return Status::ok();
}

Status for_each_element_index(OpCtx& ctx, const Shape& data, const Tensor& indices, size_t axis,
                              const std::function<void(int64_t, int64_t)>& f) {
  const std::vector<int64_t> st = dense_strides(data);
  const size_t r = data.size();
  std::vector<int64_t> ix(r, 0);
  for (int64_t i = 0; i < indices.numel(); ++i) {
    int64_t v = indices.int_at(i);
    if (v < 0) v += data[axis];
    if (v < 0 || v >= data[axis])
      return ctx.invalid(fmt::format("index {} is out of range for a dim of {}", indices.int_at(i), data[axis]));
    int64_t off = 0;
    for (size_t k = 0; k < r; ++k) off += (k == axis ? v : ix[k]) * st[k];
    f(i, off);
    for (size_t k = r; k-- > 0;) {
      if (++ix[k] < indices.shape[k]) break;
      ix[k] = 0;
    }
  }
  return Status::ok();
}

Status elements_template_args(OpCtx& ctx, const Shape& data, const Shape& indices, size_t axis, std::string* args) {
  const std::vector<int64_t> st = dense_strides(data);
  std::vector<int64_t> d, s;
  for (size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] == 1) continue;
    const int64_t sk = k == axis ? 0 : st[k];
    if (!d.empty() && s.back() == indices[k] * sk && sk != 0) {
      d.back() *= indices[k];
      s.back() = sk;
      continue;
    }
    d.push_back(indices[k]);
    s.push_back(sk);
  }
  if (d.size() > 4) return ctx.unsupported(fmt::format("{} index dims that cannot be merged (at most 4)", d.size()));
  while (d.size() < 4) {
    d.insert(d.begin(), 1);
    s.insert(s.begin(), 0);
  }
  *args = fmt::format("{}, {}, {}, {}", fmt::join(d, ", "), fmt::join(s, ", "), data[axis], st[axis]);
  return Status::ok();
}

std::string scatter_functor(const std::string& reduction) {
  if (reduction == "add") return "kiln::ScatterAdd{}";
  if (reduction == "mul") return "kiln::ScatterMul{}";
  return "kiln::ScatterSet{}";
}

Status eval_scatter_elements(OpCtx& ctx, const std::string& reduction) {
  size_t axis;
  KILN_TRY(check_elements(ctx, ctx.in(0).shape, ctx.in(1).shape, &axis));
  Status st;
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T* y = ctx.out(0).as_mut<T>();
    const T* u = ctx.in(2).as<T>();
    std::memcpy(y, ctx.in(0).as<T>(), ctx.out(0).bytes());
    st = for_each_element_index(ctx, ctx.in(0).shape, ctx.in(1), axis, [&](int64_t i, int64_t off) {
      if (reduction == "add") y[off] = static_cast<T>(y[off] + u[i]);
      else if (reduction == "mul") y[off] = static_cast<T>(y[off] * u[i]);
      else y[off] = u[i];
    });
  });
  return st;
}

Status emit_scatter_elements(OpCtx& ctx, const std::string& reduction) {
  size_t axis;
  const Shape& ds = ctx.in(0).shape;
  KILN_TRY(check_elements(ctx, ds, ctx.in(1).shape, &axis));
  std::string args;
  KILN_TRY(elements_template_args(ctx, ds, ctx.in(1).shape, axis, &args));
  if (ctx.out(0).numel() == 0) return Status::ok();
  ctx.include("kiln_shape.h");
  const char* T = dtype_c_name(ctx.in(0).dtype);
  ctx.w().line("kiln::copy<{}, {}>({}, {});", T, ctx.out(0).numel(), ctx.in_ptr(0), ctx.out_ptr(0));
  if (ctx.in(1).numel() == 0) return Status::ok();
  ctx.w().line("kiln::scatter_elements<{}, {}, {}>({}, {}, {}, {});", T, dtype_c_name(ctx.in(1).dtype), args,
               ctx.in_ptr(2), ctx.in_ptr(1), ctx.out_ptr(0), scatter_functor(reduction));
  return Status::ok();
}

}  // namespace kiln
