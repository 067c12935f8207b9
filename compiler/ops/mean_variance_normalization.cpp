// MeanVarianceNormalization (opset 9..17): y = (x - mean) / (sqrt(variance) + 1e-9) with the
// statistics over `axes` (default [0, 2, 3]). Float32. The kept dims must be contiguous
// (e.g. axes [0, 2, 3], [2, 3], [1, 2, 3] on NCHW); other axis sets are not supported.
#include <cmath>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

// X seen as [A, B, CN] with statistics over A and CN for each b.
struct MvnDims {
  int64_t A, B, CN;
};

Status resolve(OpCtx& ctx, MvnDims* d) {
  const Shape& xs = ctx.in(0).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  std::vector<bool> reduced(xs.size(), false);
  for (int64_t a : ctx.node().attr_ints("axes", {0, 2, 3})) {
    if (!normalize_axis(&a, rank)) return ctx.invalid(fmt::format("axis {} is out of range", a));
    reduced[static_cast<size_t>(a)] = true;
  }
  // Kept dims of size 1 can count as reduced: that may make the kept block contiguous.
  for (size_t i = 0; i < xs.size(); ++i) reduced[i] = reduced[i] || xs[i] == 1;
  // [A: dims before the first kept one][B: the kept block][CN: dims after it].
  size_t first = 0, last = xs.size();
  while (first < xs.size() && reduced[first]) ++first;
  while (last > first && reduced[last - 1]) --last;
  *d = {1, 1, 1};
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i >= first && i < last && reduced[i]) return ctx.unsupported("the dims kept by axes must be contiguous");
    (i < first ? d->A : i < last ? d->B : d->CN) *= xs[i];
  }
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(0).dtype);
  MvnDims d;
  KILN_TRY(resolve(ctx, &d));
  if (d.A * d.CN == 0) return ctx.unsupported("empty inputs are not supported");
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  MvnDims d;
  KILN_TRY(resolve(ctx, &d));
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as_mut<float>();
  const double count = static_cast<double>(d.A * d.CN);
  for (int64_t b = 0; b < d.B; ++b) {
    double m = 0, v = 0;
    for (int64_t a = 0; a < d.A; ++a)
      for (int64_t c = 0; c < d.CN; ++c) m += x[(a * d.B + b) * d.CN + c];
    m /= count;
    for (int64_t a = 0; a < d.A; ++a)
      for (int64_t c = 0; c < d.CN; ++c) v += (x[(a * d.B + b) * d.CN + c] - m) * (x[(a * d.B + b) * d.CN + c] - m);
    const double sd = std::sqrt(v / count) + 1e-9;
    for (int64_t a = 0; a < d.A; ++a)
      for (int64_t c = 0; c < d.CN; ++c)
        y[(a * d.B + b) * d.CN + c] = static_cast<float>((x[(a * d.B + b) * d.CN + c] - m) / sd);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  MvnDims d;
  KILN_TRY(resolve(ctx, &d));
  ctx.include("kiln_norm.h");
  ctx.w().line("kiln::mvn<{}, {}, {}>({}, {});", d.A, d.B, d.CN, ctx.in_ptr(0), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_MeanVarianceNormalization = {"MeanVarianceNormalization", 9, 17, infer, eval, emit, nullptr};

}  // namespace kiln
