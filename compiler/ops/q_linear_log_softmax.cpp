// kiln.QLinearLogSoftmax (kiln's own op, domain "kiln"; inputs and attributes as com.microsoft
// QLinearSoftmax): LogSoftmax of a per-tensor quantized X (int8/uint8) along `axis`, quantized to
// y_scale / y_zero_point. passes/fold_qdq makes it from DequantizeLinear -> LogSoftmax ->
// QuantizeLinear. Integers only (runtime/kiln_int8_lut.h qlogsoftmax): the exp table of
// QLinearSoftmax for the sum, a Q16 logarithm (leading one + interpolated table), one
// multiply per element. Within one step of float LogSoftmax -> QuantizeLinear.
#include <cmath>
#include <cstring>

#include "compiler/ops/qsoftmax.h"

namespace kiln {
namespace {

std::vector<int32_t> ln_table() {
  std::vector<int32_t> t(257);
  for (int i = 0; i <= 256; ++i) t[static_cast<size_t>(i)] = static_cast<int32_t>(std::lround(65536.0 * std::log1p(i / 256.0)));
  return t;
}

// The kernel's arithmetic, step for step (runtime/kiln_int8_lut.h ln_q16, floor_shift16).
int32_t ln_q16(uint32_t v, const std::vector<int32_t>& lntab) {
  int e = 31;
  while (!(v >> e)) --e;
  const uint32_t m = e >= 16 ? v >> (e - 16) : v << (16 - e);
  const uint32_t frac = m - 65536u, i = frac >> 8, f = frac & 255u;
  const int32_t lnm = lntab[i] + ((lntab[i + 1] - lntab[i]) * static_cast<int32_t>(f) + 128) / 256;
  return (e - 16) * 45426 + lnm;
}
int64_t floor_shift16(int64_t z) { return z >= 0 ? z >> 16 : -((-z + 65535) >> 16); }

int64_t x_mult(const QSoftmaxGeometry& g) { return std::llround(65536.0 * g.x.s(0) / static_cast<double>(g.y.s(0))); }
int64_t y_recip(const QSoftmaxGeometry& g) { return std::llround(65536.0 / static_cast<double>(g.y.s(0))); }

Status infer(OpCtx& ctx) { return qsoftmax_infer(ctx); }

Status eval(OpCtx& ctx) {
  QSoftmaxGeometry g;
  KILN_TRY(qsoftmax_resolve(ctx, &g));
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  const auto exptab = qsoftmax_exp_table(g.x.s(0));
  const auto lntab = ln_table();
  const int64_t a = x_mult(g), r = y_recip(g);
  const int32_t lo = static_cast<int32_t>(dtype_min(y.dtype)), hi = static_cast<int32_t>(dtype_max(y.dtype));
  qsoftmax_eval_rows(g, x, y, exptab, [&](int32_t d, uint32_t sum) {
    const int64_t lb = (static_cast<int64_t>(ln_q16(sum, lntab)) * r + 32768) >> 16;
    const int64_t q = floor_shift16(static_cast<int64_t>(d) * a - lb + 32768);
    return std::max(lo, std::min(hi, g.y.z(0) + static_cast<int32_t>(std::max<int64_t>(q, -65536))));
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  QSoftmaxGeometry g;
  KILN_TRY(qsoftmax_resolve(ctx, &g));
  const std::string exptab = qsoftmax_emit_table(ctx, g.x.s(0));
  const auto ln = ln_table();
  Tensor t;
  t.dtype = DType::kInt32;
  t.shape = {257};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  std::memcpy(t.data.data(), ln.data(), t.data.size());
  const std::string lntab = ctx.add_const("kiln_ln_q16", t);
  ctx.include("kiln_int8_lut.h");
  ctx.w().line("kiln::qlogsoftmax<{}, {}, {}>({}, {}, {}, {}, {}, {}, {}, {}, {});", g.outer, g.n, g.inner, ctx.in_ptr(0),
               exptab, lntab, x_mult(g), y_recip(g), g.y.z(0), dtype_min(ctx.out(0).dtype), dtype_max(ctx.out(0).dtype),
               ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_QLinearLogSoftmax = {"kiln.QLinearLogSoftmax", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
