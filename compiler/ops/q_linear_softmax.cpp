// com.microsoft QLinearSoftmax (contrib opset 1): Softmax of a per-tensor quantized X (int8 or
// uint8) along `axis`, quantized to y_scale / y_zero_point (Y has X's type). The `opset`
// attribute says whose Softmax: before 13 the input is coerced to 2-D at `axis` (default 1),
// from 13 on the softmax runs along that one axis (default -1). Computed in integers only
// (runtime/kiln_int8_lut.h qsoftmax): a 256-entry exp table at x_scale, one 64-bit division per
// element. Within one step of float Softmax -> QuantizeLinear.
#include <cmath>

#include "compiler/ops/qsoftmax.h"

namespace kiln {
namespace {

uint64_t reciprocal(float sy) { return static_cast<uint64_t>(std::llround(65536.0 / static_cast<double>(sy))); }

Status infer(OpCtx& ctx) { return qsoftmax_infer(ctx); }

Status eval(OpCtx& ctx) {
  QSoftmaxGeometry g;
  KILN_TRY(qsoftmax_resolve(ctx, &g));
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  const auto table = qsoftmax_exp_table(g.x.s(0));
  const uint64_t r = reciprocal(g.y.s(0));
  const int32_t lo = static_cast<int32_t>(dtype_min(y.dtype)), hi = static_cast<int32_t>(dtype_max(y.dtype));
  qsoftmax_eval_rows(g, x, y, table, [&](int32_t d, uint32_t sum) {
    const uint64_t den = static_cast<uint64_t>(sum) << 16;
    const uint64_t q = (static_cast<uint64_t>(table[static_cast<size_t>(-d)]) * r + den / 2) / den;
    return std::max(lo, std::min(hi, g.y.z(0) + static_cast<int32_t>(std::min<uint64_t>(q, 65535))));
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  QSoftmaxGeometry g;
  KILN_TRY(qsoftmax_resolve(ctx, &g));
  const std::string tname = qsoftmax_emit_table(ctx, g.x.s(0));
  ctx.include("kiln_int8_lut.h");
  ctx.w().line("kiln::qsoftmax<{}, {}, {}>({}, {}, {}ull, {}, {}, {}, {});", g.outer, g.n, g.inner, ctx.in_ptr(0), tname,
               reciprocal(g.y.s(0)), g.y.z(0), dtype_min(ctx.out(0).dtype), dtype_max(ctx.out(0).dtype), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_QLinearSoftmax = {"com.microsoft.QLinearSoftmax", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
