// kiln.QGemm16 (kiln's own op, domain "kiln"): Y = A * W + B with A int16 (zero point 0), W a
// constant int8 matrix (zero point 0; scale per tensor or per output column), B an optional int32
// or int64 bias at a_scale * w_scale, Y int16 at y_scale (TFLite's 16x8 FullyConnected). Inputs:
// A, a_scale, W, w_scale, y_scale, B. W is [K, N], or [N, K] with transB=1; A is [..., K] (the
// leading dims are rows: Gemm's [M, K] and MatMul's batched rows alike), Y is [..., N].
// Accumulates in int64; a fused Relu/Clip (kiln_act) narrows the clamp. passes/fold_qdq makes
// it from DQ(int16) -> Gemm|MatMul(constant W) -> Q(int16) (runtime/kiln_int16.h qgemm16).
#include "compiler/ops/nn_util.h"
#include "compiler/ops/qint16.h"

namespace kiln {
namespace {

struct Geom {
  int64_t rows, N, K;
  bool tb;
  float sa, sy;
  std::vector<QuantMultiplier> mult;  // per output column
};

Status resolve(OpCtx& ctx, Geom* g) {
  const Shape& as = ctx.in(0).shape;
  const Shape& ws = ctx.in(2).shape;
  if (as.empty() || ws.size() != 2) return ctx.invalid("A must have rank 1 or more and W rank 2");
  g->tb = ctx.node().attr_int("transB", 0) != 0;
  g->K = g->tb ? ws[1] : ws[0];
  g->N = g->tb ? ws[0] : ws[1];
  if (as.back() != g->K) return ctx.invalid(fmt::format("A's last dim {} is not W's K {}", as.back(), g->K));
  g->rows = ctx.in(0).numel() / g->K;
  return weighted_multipliers16(ctx, g->N, &g->sa, &g->sy, &g->mult);
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kInt16) return ctx.unsupported_type(ctx.in(0).dtype);
  if (ctx.in(2).dtype != DType::kInt8 || !ctx.in(2).is_const) return ctx.invalid("W must be a constant int8 tensor");
  Geom g;
  KILN_TRY(resolve(ctx, &g));
  KILN_TRY(check_bias16(ctx, 5, g.N));
  Shape s = ctx.in(0).shape;
  s.back() = g.N;
  set_output16(ctx, s, g.sy);
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Geom g;
  KILN_TRY(resolve(ctx, &g));
  const Tensor& a = ctx.in(0);
  const int8_t* w = ctx.in(2).as<int8_t>();
  int16_t* y = ctx.out(0).as_mut<int16_t>();
  int32_t lo, hi;
  quant_output_range(ctx.node(), DType::kInt16, g.sy, 0, &lo, &hi);
  for (int64_t r = 0; r < g.rows; ++r)
    for (int64_t n = 0; n < g.N; ++n) {
      int64_t acc = ctx.has_input(5) ? ctx.in(5).int_at(n) : 0;
      for (int64_t k = 0; k < g.K; ++k) acc += a.int_at(r * g.K + k) * w[g.tb ? n * g.K + k : k * g.N + n];
      y[r * g.N + n] = clamp16(requant16(acc, g.mult[static_cast<size_t>(n)]), lo, hi);
    }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Geom g;
  KILN_TRY(resolve(ctx, &g));
  include_int16(ctx);
  int32_t lo, hi;
  quant_output_range(ctx.node(), DType::kInt16, g.sy, 0, &lo, &hi);
  const std::string& nm = ctx.node().name;
  // The kernel reads one row of W per output: [K, N] weights are transposed at compile time.
  const std::string w = g.tb ? ctx.in_ptr(2) : ctx.add_const(nm + "_wt", transpose_last2(ctx.in(2), nm + "_wt"));
  ctx.w().line("kiln::qgemm16<{}, {}, {}>({}, {}, {}, {}, {}, {}, {});", g.rows, g.N, g.K, ctx.in_ptr(0), w,
               bias_arg16(ctx, 5), emit_multipliers16(ctx, g.mult), lo, hi, ctx.out_ptr(0));
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  Geom g;
  if (!resolve(ctx, &g)) return 0;
  return g.rows * g.N * g.K;
}

}  // namespace

const OpDef kOp_QGemm16 = {"kiln.QGemm16", 1, 1, infer, eval, emit, macs};

}  // namespace kiln
