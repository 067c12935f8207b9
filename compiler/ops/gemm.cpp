// Gemm (opset 1..17): Y = alpha * A' . B' + beta * C with A' = transA ? A^T : A, B' likewise,
// C (optional from opset 11) broadcast unidirectionally to [M, N]. Float32 and float64. A fused
// activation (passes/fuse_activations) is applied as each output is stored. Integer types are not
// supported.
#include <type_traits>

#include "compiler/ops/nn_util.h"
#include "compiler/ops/simd_util.h"
#include "compiler/ops/sparse_util.h"

namespace kiln {
namespace {

struct GemmDims {
  int64_t M, N, K;
  bool trans_a, trans_b;
};

Status resolve(OpCtx& ctx, GemmDims* d) {
  const Shape& as = ctx.in(0).shape;
  const Shape& bs = ctx.in(1).shape;
  if (as.size() != 2 || bs.size() != 2) return ctx.invalid("A and B must be 2-D");
  d->trans_a = ctx.node().attr_int("transA", 0) != 0;
  d->trans_b = ctx.node().attr_int("transB", 0) != 0;
  d->M = d->trans_a ? as[1] : as[0];
  d->K = d->trans_a ? as[0] : as[1];
  d->N = d->trans_b ? bs[0] : bs[1];
  const int64_t kb = d->trans_b ? bs[1] : bs[0];
  if (kb != d->K)
    return ctx.invalid(fmt::format("A' is {}x{} but B' is {}x{}", d->M, d->K, kb, d->N));
  return Status::ok();
}

bool has_c(OpCtx& ctx) { return ctx.has_input(2) && ctx.node().attr_float("beta", 1.0f) != 0.0f; }

Status infer(OpCtx& ctx) {
  DType t = ctx.in(0).dtype;
  if (t != DType::kFloat32 && t != DType::kFloat64) return ctx.unsupported_type(t);
  if (ctx.in(1).dtype != t || (ctx.has_input(2) && ctx.in(2).dtype != t))
    return ctx.invalid("A, B and C must have the same type");
  GemmDims d;
  KILN_TRY(resolve(ctx, &d));
  if (ctx.has_input(2)) {
    Shape s;
    const Shape& cs = ctx.in(2).shape;
    if (cs.size() > 2 || !broadcast_shapes(cs, {d.M, d.N}, &s) || s != Shape{d.M, d.N})
      return ctx.invalid(fmt::format("C {} does not broadcast to {}x{}", shape_str(cs), d.M, d.N));
    if (ctx.opset() < 7 && ctx.node().attr_int("broadcast", 0) == 0 && cs != Shape{d.M, d.N})
      return ctx.invalid(fmt::format("C {} must be {}x{} when broadcast=0", shape_str(cs), d.M, d.N));
  }
  if (t != DType::kFloat32 && ctx.node().has_attr("kiln_act"))
    return KILN_ICE("a fused activation on a non-float32 Gemm");
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = {d.M, d.N};
  y.shape_known = true;
  return Status::ok();
}

template <typename T>
void eval_typed(OpCtx& ctx, const GemmDims& d) {
  const T* a = ctx.in(0).as<T>();
  const T* b = ctx.in(1).as<T>();
  const T* c = has_c(ctx) ? ctx.in(2).as<T>() : nullptr;
  std::vector<int64_t> cst = c ? broadcast_strides(ctx.in(2).shape, {d.M, d.N}) : std::vector<int64_t>{0, 0};
  const double alpha = ctx.node().attr_float("alpha", 1.0f), beta = ctx.node().attr_float("beta", 1.0f);
  T* y = ctx.out(0).as_mut<T>();
  for (int64_t m = 0; m < d.M; ++m)
    for (int64_t n = 0; n < d.N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < d.K; ++k)
        acc += static_cast<double>(a[d.trans_a ? k * d.M + m : m * d.K + k]) *
               b[d.trans_b ? n * d.K + k : k * d.N + n];
      double v = alpha * acc + (c ? beta * c[m * cst[0] + n * cst[1]] : 0.0);
      y[m * d.N + n] = std::is_same<T, float>::value ? apply_fused_act(ctx.node(), static_cast<float>(v))
                                                     : static_cast<T>(v);
    }
}

Status eval(OpCtx& ctx) {
  GemmDims d;
  KILN_TRY(resolve(ctx, &d));
  if (ctx.in(0).dtype == DType::kFloat32) eval_typed<float>(ctx, d);
  else eval_typed<double>(ctx, d);
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  GemmDims d;
  KILN_TRY(resolve(ctx, &d));
  if (d.M * d.N == 0) {
    ctx.w().line("// empty output: no code");
    return Status::ok();
  }
  ctx.include("kiln_linalg.h");
  const DType t = ctx.in(0).dtype;
  const Tensor& b = ctx.in(1);
  // The dot-product kernel wants B as [N, K] rows: transB=1 already is, constant weights are
  // repacked once here; an activation B stays [K, N] and uses the m-k-n kernel.
  // (Asking for a constant's pointer makes it part of the module, so only the one used is.)
  bool nt = d.trans_b || b.is_const;
  // Sparse constant weights may go CSR (compiler/ops/sparse_util.h: B' as [N, K] rows), where
  // the cost model picks it; else constant float weights on an FPU target feed the blocked
  // kernel, packed by four rows of [N, K] (runtime/kiln_conv_blocked.h).
  CsrWeights csr;
  const bool sparse = b.is_const && t == DType::kFloat32 &&
                      emit_csr_weights(ctx, ctx.node().name + "_w", d.trans_b ? b : transpose_last2(b, b.name + "_t"),
                                       d.N, &csr);
  if (!sparse && t == DType::kFloat32 && use_simd_float(ctx)) {  // SIMD targets (compiler/ops/simd_util)
    const std::vector<int64_t> cs = has_c(ctx) ? broadcast_strides(ctx.in(2).shape, {d.M, d.N}) : std::vector<int64_t>{0, 0};
    if (emit_gemm_simd(ctx, d.M, d.N, d.K, d.trans_b, d.trans_a ? 1 : d.K, d.trans_a ? d.M : 1, cs[0], cs[1],
                       has_c(ctx) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)",
                       ctx.node().attr_float("alpha", 1.0f), ctx.node().attr_float("beta", 1.0f)))
      return Status::ok();
  }
  const bool blocked =
      !sparse && t == DType::kFloat32 && b.is_const && ctx.has_target() && use_blocked_float(ctx.target());
  std::string bp;
  if (blocked) {
    Tensor bt = d.trans_b ? b : transpose_last2(b, b.name);
    bp = ctx.add_const(b.name + "_p4", pack_rows4(bt, d.N, b.name + " (transposed, rows packed by 4)"));
  } else if (!sparse) {
    bp = d.trans_b || !b.is_const ? ctx.in_ptr(1)
                                  : ctx.add_const(b.name + "_t", transpose_last2(b, b.name + " (transposed)"));
  }
  const int64_t sam = d.trans_a ? 1 : d.K, sak = d.trans_a ? d.M : 1;
  std::string cp = fmt::format("static_cast<const {}*>(nullptr)", dtype_c_name(t));
  std::vector<int64_t> cst = {0, 0};
  if (has_c(ctx)) {
    cp = ctx.in_ptr(2);
    cst = broadcast_strides(ctx.in(2).shape, {d.M, d.N});
  }
  std::string act = t == DType::kFloat32 ? (blocked ? blocked_act_expr(ctx.node()) : fused_act_expr(ctx.node()))
                                         : "kiln::ActKeep{}";
  if (sparse) {
    ctx.w().line("kiln::gemm_csr<{}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {}, {}, {});", d.M, d.N, d.K, sam,
                 sak, cst[0], cst[1], ctx.in_ptr(0), csr.vals, csr.cols, csr.rows, cp,
                 c_scalar(t, ctx.node().attr_float("alpha", 1.0f)), c_scalar(t, ctx.node().attr_float("beta", 1.0f)),
                 ctx.out_ptr(0), act);
    return Status::ok();
  }
  if (blocked) include_blocked(ctx);
  ctx.w().line("kiln::gemm_{}<{}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});",
               blocked ? "nt_blocked" : nt ? "nt" : "nn", d.M, d.N,
               d.K, sam, sak, cst[0], cst[1], ctx.in_ptr(0), bp, cp, c_scalar(t, ctx.node().attr_float("alpha", 1.0f)),
               c_scalar(t, ctx.node().attr_float("beta", 1.0f)), ctx.out_ptr(0), act);
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  GemmDims d;
  if (!resolve(ctx, &d)) return 0;
  return d.M * d.N * d.K;
}

}  // namespace

const OpDef kOp_Gemm = {"Gemm", 1, 17, infer, eval, emit, macs};

}  // namespace kiln
