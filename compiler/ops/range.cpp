// Range (opset 11..17): start, start + delta, ... up to (not including) limit; float, double,
// int16, int32, int64. The three inputs must be constants, so the op always folds.
#include <cmath>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  for (size_t i = 0; i < 3; ++i) KILN_TRY(ctx.require_const(i, i == 0 ? "start" : i == 1 ? "limit" : "delta"));
  const DType t = ctx.in(0).dtype;
  if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kInt16 && t != DType::kInt32 && t != DType::kInt64)
    return ctx.unsupported_type(t);
  for (size_t i = 0; i < 3; ++i) {
    if (ctx.in(i).dtype != t) return ctx.invalid("start, limit and delta must have one type");
    if (ctx.in(i).numel() != 1) return ctx.invalid("start, limit and delta must be scalars");
  }
  int64_t n;
  if (dtype_is_float(t)) {
    const double s = ctx.in(0).float_at(0), l = ctx.in(1).float_at(0), d = ctx.in(2).float_at(0);
    if (d == 0 || !std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d)) return ctx.invalid("delta must be finite and non-zero");
    n = static_cast<int64_t>(std::max(std::ceil((l - s) / d), 0.0));
  } else {
    const int64_t s = ctx.in(0).int_at(0), l = ctx.in(1).int_at(0), d = ctx.in(2).int_at(0);
    if (d == 0) return ctx.invalid("delta must not be 0");
    const int64_t span = l - s;
    n = span == 0 || (span > 0) != (d > 0) ? 0 : (span + d + (d > 0 ? -1 : 1)) / d;
  }
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = {n};
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T start = ctx.in(0).as<T>()[0], delta = ctx.in(2).as<T>()[0];
    T* y = ctx.out(0).as_mut<T>();
    for (int64_t i = 0; i < ctx.out(0).numel(); ++i) y[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  });
  return Status::ok();
}

}  // namespace

const OpDef kOp_Range = {"Range", 11, 17, infer, eval, nullptr, nullptr};

}  // namespace kiln
