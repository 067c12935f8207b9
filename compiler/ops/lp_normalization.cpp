// LpNormalization (opset 1..17): x / ||x||_p along `axis` (default -1), p = 1 or 2. Float32. A
// zero vector stays zero (rather than 0/0).
#include <cmath>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

struct LpDims {
  int64_t outer, d, inner, p;
};

Status resolve(OpCtx& ctx, LpDims* r) {
  const Shape& xs = ctx.in(0).shape;
  int64_t axis = ctx.node().attr_int("axis", -1);
  if (!normalize_axis(&axis, static_cast<int64_t>(xs.size()))) return ctx.invalid("axis is out of range");
  r->outer = shape_numel(Shape(xs.begin(), xs.begin() + axis));
  r->d = xs[static_cast<size_t>(axis)];
  r->inner = shape_numel(Shape(xs.begin() + axis + 1, xs.end()));
  r->p = ctx.node().attr_int("p", 2);
  if (r->p != 1 && r->p != 2) return ctx.unsupported(fmt::format("p={} is not supported (1 and 2 are)", r->p));
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(0).dtype);
  LpDims r;
  KILN_TRY(resolve(ctx, &r));
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  LpDims r;
  KILN_TRY(resolve(ctx, &r));
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as_mut<float>();
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t i = 0; i < r.inner; ++i) {
      const int64_t base = o * r.d * r.inner + i;
      double s = 0;
      for (int64_t k = 0; k < r.d; ++k) {
        double v = x[base + k * r.inner];
        s += r.p == 1 ? std::fabs(v) : v * v;
      }
      const double norm = r.p == 1 ? s : std::sqrt(s);
      for (int64_t k = 0; k < r.d; ++k)
        y[base + k * r.inner] = norm > 0 ? static_cast<float>(x[base + k * r.inner] / norm) : 0.0f;
    }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  LpDims r;
  KILN_TRY(resolve(ctx, &r));
  ctx.include("kiln_norm.h");
  ctx.w().line("kiln::lpnorm<{}, {}, {}, {}>({}, {});", r.outer, r.d, r.inner, r.p, ctx.in_ptr(0), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_LpNormalization = {"LpNormalization", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
