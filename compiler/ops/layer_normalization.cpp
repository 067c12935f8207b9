// LayerNormalization (opset 17): X normalised over its dims [axis, rank) with their mean and
// variance, y = x_hat * Scale + B (Scale, B broadcast to those dims); the optional Mean and
// InvStdDev outputs. Float32 (stash_type 1).
#include <cmath>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

struct LnDims {
  int64_t axis, outer, inner;
  Shape inner_shape;
};

Status resolve(OpCtx& ctx, LnDims* d) {
  const Shape& xs = ctx.in(0).shape;
  d->axis = ctx.node().attr_int("axis", -1);
  if (!normalize_axis(&d->axis, static_cast<int64_t>(xs.size()))) return ctx.invalid("axis is out of range");
  d->inner_shape = Shape(xs.begin() + d->axis, xs.end());
  d->inner = shape_numel(d->inner_shape);
  d->outer = shape_numel(Shape(xs.begin(), xs.begin() + d->axis));
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  if (!ctx.has_input(1)) return ctx.invalid("Scale is required");
  for (size_t i = 0; i < 3; ++i)
    if (ctx.has_input(i) && ctx.in(i).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(i).dtype);
  if (ctx.node().attr_int("stash_type", 1) != 1) return ctx.unsupported("only stash_type=1 (float) is supported");
  LnDims d;
  KILN_TRY(resolve(ctx, &d));
  if (d.inner == 0) return ctx.unsupported("empty normalized dims are not supported");
  for (size_t i = 1; i < 3; ++i) {
    Shape s;
    if (ctx.has_input(i) && (!broadcast_shapes(ctx.in(i).shape, d.inner_shape, &s) || s != d.inner_shape))
      return ctx.invalid(fmt::format("input {} {} does not broadcast to {}", i, shape_str(ctx.in(i).shape),
                                     shape_str(d.inner_shape)));
  }
  const Shape& xs = ctx.in(0).shape;
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    if (!ctx.has_output(i)) continue;
    Tensor& y = ctx.out(i);
    y.dtype = DType::kFloat32;
    y.shape = xs;
    if (i > 0)
      for (size_t k = static_cast<size_t>(d.axis); k < xs.size(); ++k) y.shape[k] = 1;
    y.shape_known = true;
  }
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  LnDims d;
  KILN_TRY(resolve(ctx, &d));
  const double eps = ctx.node().attr_float("epsilon", 1e-5f);
  const float* x = ctx.in(0).as<float>();
  auto param = [&](size_t i, double none) {
    std::vector<double> v(static_cast<size_t>(d.inner), none);
    if (!ctx.has_input(i)) return v;
    std::vector<int64_t> st = broadcast_strides(ctx.in(i).shape, d.inner_shape);
    for (int64_t k = 0; k < d.inner; ++k) {
      int64_t off = 0, rem = k;
      for (size_t j = d.inner_shape.size(); j-- > 0;) {
        off += (rem % d.inner_shape[j]) * st[j];
        rem /= d.inner_shape[j];
      }
      v[static_cast<size_t>(k)] = ctx.in(i).as<float>()[off];
    }
    return v;
  };
  std::vector<double> scale = param(1, 1.0), bias = param(2, 0.0);
  for (int64_t o = 0; o < d.outer; ++o) {
    const float* xr = x + o * d.inner;
    double m = 0, v = 0;
    for (int64_t i = 0; i < d.inner; ++i) m += xr[i];
    m /= static_cast<double>(d.inner);
    for (int64_t i = 0; i < d.inner; ++i) v += (xr[i] - m) * (xr[i] - m);
    const double r = 1.0 / std::sqrt(v / static_cast<double>(d.inner) + eps);
    for (int64_t i = 0; i < d.inner; ++i)
      ctx.out(0).as_mut<float>()[o * d.inner + i] = static_cast<float>((xr[i] - m) * r * scale[i] + bias[i]);
    if (ctx.has_output(1)) ctx.out(1).as_mut<float>()[o] = static_cast<float>(m);
    if (ctx.has_output(2)) ctx.out(2).as_mut<float>()[o] = static_cast<float>(r);
  }
  return Status::ok();
}

// Scale or B as the kernel takes it: a pointer and a stride of 1 (all values) or 0 (one value).
// Other broadcasts of a constant are expanded here.
Status param_ptr(OpCtx& ctx, size_t i, const LnDims& d, std::string* p, int* stride) {
  const Tensor& t = ctx.in(i);
  if (t.numel() == d.inner || t.numel() == 1) {
    *p = ctx.in_ptr(i);
    *stride = t.numel() == 1 ? 0 : 1;
    return Status::ok();
  }
  if (!t.is_const) return ctx.unsupported(fmt::format("input {} broadcast from {} must be a constant", i, shape_str(t.shape)));
  Tensor full;
  full.name = t.name + " (broadcast)";
  full.dtype = DType::kFloat32;
  full.shape = d.inner_shape;
  full.shape_known = true;
  full.is_const = true;
  full.alloc();
  std::vector<int64_t> st = broadcast_strides(t.shape, d.inner_shape);
  for (int64_t k = 0; k < d.inner; ++k) {
    int64_t off = 0, rem = k;
    for (size_t j = d.inner_shape.size(); j-- > 0;) {
      off += (rem % d.inner_shape[j]) * st[j];
      rem /= d.inner_shape[j];
    }
    full.as_mut<float>()[k] = t.as<float>()[off];
  }
  *p = ctx.add_const(t.name + "_full", full);
  *stride = 1;
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  LnDims d;
  KILN_TRY(resolve(ctx, &d));
  if (d.outer == 0) {
    ctx.w().line("// empty tensor: no code");
    return Status::ok();
  }
  ctx.include("kiln_norm.h");
  std::string sp, bp = "static_cast<const float*>(nullptr)";
  int ss = 0, sb = 0;
  KILN_TRY(param_ptr(ctx, 1, d, &sp, &ss));
  if (ctx.has_input(2)) KILN_TRY(param_ptr(ctx, 2, d, &bp, &sb));
  const std::string none = "static_cast<float*>(nullptr)";
  ctx.w().line("kiln::layernorm<{}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});", d.outer, d.inner, ss, sb,
               ctx.in_ptr(0), sp, bp, c_float(ctx.node().attr_float("epsilon", 1e-5f)), ctx.out_ptr(0),
               ctx.has_output(1) ? ctx.out_ptr(1) : none, ctx.has_output(2) ? ctx.out_ptr(2) : none);
  return Status::ok();
}

}  // namespace

const OpDef kOp_LayerNormalization = {"LayerNormalization", 17, 17, infer, eval, emit, nullptr};

}  // namespace kiln
