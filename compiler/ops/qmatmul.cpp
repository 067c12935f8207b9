#include "compiler/ops/qmatmul.h"

#include "compiler/ops/qfast.h"
#include "compiler/ops/qmve.h"
#include "compiler/ops/sparse_util.h"

namespace kiln {

namespace {

// y[batch..., M, N] = a[batch..., M, K] . b[batch..., K, N]; b's layout is [K, N] unless trans_b
// ([N, K], QGemm). A batch dimension set that is empty (2-D operand) broadcasts.
struct Dims {
  Shape batch;
  int64_t B = 1, M = 0, N = 0, K = 0;
  int64_t a_stride = 0, b_stride = 0;  // elements per batch step, 0 when broadcast
  bool trans_b = false;
};

bool has(const OpCtx& ctx, size_t i) { return i != kNoInput && ctx.has_input(i); }

Status resolve(OpCtx& ctx, const QMatIo& io, Dims* d) {
  const Shape& as = ctx.in(io.a).shape;
  const Shape& bs = ctx.in(io.b).shape;
  if (io.gemm) {
    if (as.size() != 2 || bs.size() != 2) return ctx.invalid("A and B must be 2-D");
    if (ctx.node().attr_int("transA", 0) != 0) return ctx.unsupported("transA=1 is not supported");
    if (ctx.node().attr_float("alpha", 1.0f) != 1.0f) return ctx.unsupported("alpha other than 1 is not supported");
    d->trans_b = ctx.node().attr_int("transB", 0) != 0;
  } else if (as.size() < 2 || bs.size() < 2) {
    return ctx.unsupported("1-D operands are not supported");
  }
  d->M = as[as.size() - 2];
  d->K = as[as.size() - 1];
  d->N = d->trans_b ? bs[bs.size() - 2] : bs[bs.size() - 1];
  const int64_t kb = d->trans_b ? bs[bs.size() - 1] : bs[bs.size() - 2];
  if (kb != d->K) return ctx.invalid(fmt::format("A is {}, B is {}: inner dimensions differ", shape_str(as), shape_str(bs)));
  Shape ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  if (!broadcast_shapes(ab, bb, &d->batch)) return ctx.invalid("batch dimensions do not broadcast");
  d->B = shape_numel(d->batch);
  d->a_stride = shape_numel(ab) == 1 ? 0 : d->M * d->K;
  d->b_stride = shape_numel(bb) == 1 ? 0 : d->K * d->N;
  if ((d->a_stride && shape_numel(ab) != d->B) || (d->b_stride && shape_numel(bb) != d->B))
    return ctx.unsupported("partially broadcast batch dimensions are not supported");
  return Status::ok();
}

float f_at(const OpCtx& ctx, size_t i, int64_t k = 0) {
  const Tensor& t = ctx.in(i);
  return t.as<float>()[t.numel() == 1 ? 0 : k];
}
int32_t zp_at(const OpCtx& ctx, size_t i, int64_t k = 0) {
  if (!has(ctx, i)) return 0;
  return int_elem(ctx.in(i), ctx.in(i).numel() == 1 ? 0 : k);
}
int64_t b_index(const Dims& d, int64_t bt, int64_t k, int64_t n) {
  return bt * d.b_stride + (d.trans_b ? n * d.K + k : k * d.N + n);
}

bool params_const(const OpCtx& ctx, const QMatIo& io) {
  for (size_t i : {io.a_scale, io.a_zp, io.b_scale, io.b_zp, io.y_scale, io.y_zp, io.bias})
    if (has(ctx, i) && !ctx.in(i).is_const) return false;
  return true;
}

// Per-column multipliers sa * sb[n] / sy; constant ones share a shift when they can.
std::vector<QuantMultiplier> multipliers(const OpCtx& ctx, const QMatIo& io, int64_t N) {
  std::vector<double> reals;
  for (int64_t n = 0; n < N; ++n)
    reals.push_back(static_cast<double>(f_at(ctx, io.a_scale)) * static_cast<double>(f_at(ctx, io.b_scale, n)) /
                    static_cast<double>(f_at(ctx, io.y_scale)));
  if (params_const(ctx, io)) return channel_multipliers(reals, ctx.node().attr_ints("kiln_shift_hull"));
  std::vector<QuantMultiplier> v;
  for (double r : reals) v.push_back(quantize_multiplier(r));
  return v;
}

// QGemm's C: N values (1-D [N], [1, N] or a single value broadcast).
Status bias_values(const OpCtx& ctx, const QMatIo& io, int64_t N, std::vector<int32_t>* v) {
  v->assign(static_cast<size_t>(N), 0);
  if (!has(ctx, io.bias)) return Status::ok();
  const Tensor& c = ctx.in(io.bias);
  if (c.numel() != 1 && c.numel() != N) return ctx.unsupported("C must have 1 or N elements (a full [M, N] C is not supported)");
  if (!c.is_const) return ctx.require_const(io.bias, "C");
  for (int64_t n = 0; n < N; ++n) (*v)[static_cast<size_t>(n)] = int_elem(c, c.numel() == 1 ? 0 : n);
  return Status::ok();
}

// The constant weights as rows [N, K] without zero point.
Tensor fc_rows(const OpCtx& ctx, const QMatIo& io, const Dims& d, const std::string& name) {
  const Tensor& b = ctx.in(io.b);
  Tensor bt;
  bt.dtype = b.dtype;
  bt.shape = {d.N, d.K};
  bt.alloc();
  for (int64_t n = 0; n < d.N; ++n)
    for (int64_t k = 0; k < d.K; ++k)
      std::memcpy(&bt.data[static_cast<size_t>((n * d.K + k) * static_cast<int64_t>(dtype_size(b.dtype)))],
                  &b.data[static_cast<size_t>(b_index(d, 0, k, n) * static_cast<int64_t>(dtype_size(b.dtype)))],
                  dtype_size(b.dtype));
  std::vector<int32_t> zb(static_cast<size_t>(d.N));
  for (int64_t n = 0; n < d.N; ++n) zb[static_cast<size_t>(n)] = zp_at(ctx, io.b_zp, n);
  return offset_weights(name, bt, zb, d.N, d.K);
}

}  // namespace

Status qmatmul_infer(OpCtx& ctx, const QMatIo& io) {
  const DType at = ctx.in(io.a).dtype, bt = ctx.in(io.b).dtype;
  if (!is_quant_type(at)) return ctx.unsupported_type(at);
  if (!is_quant_type(bt)) return ctx.unsupported_type(bt);
  Dims d;
  KILN_TRY(resolve(ctx, io, &d));
  if (has(ctx, io.a_zp) && (ctx.in(io.a_zp).dtype != at || ctx.in(io.a_zp).numel() != 1))
    return ctx.unsupported("a_zero_point must be one element of a's type (per-row zero points are not supported)");
  if (has(ctx, io.b_zp) && (ctx.in(io.b_zp).dtype != bt || (ctx.in(io.b_zp).numel() != 1 && ctx.in(io.b_zp).numel() != d.N)))
    return ctx.invalid("b_zero_point must have b's type and 1 or N elements");
  if (has(ctx, io.bias) && ctx.in(io.bias).dtype != DType::kInt32) return ctx.invalid("C must be int32");
  Tensor& y = ctx.out(0);
  y.quant = QuantParams{};
  if (io.requantize()) {
    KILN_TRY(check_qparam_shape(ctx, io.a_scale, io.a_zp, 1, "a"));
    KILN_TRY(check_qparam_shape(ctx, io.b_scale, io.b_zp, d.N, "b"));
    if (!has(ctx, io.y_scale))
      return ctx.unsupported("a float output (no y_scale) is not supported");
    KILN_TRY(check_qparam_shape(ctx, io.y_scale, io.y_zp, 1, "y"));
    if (!has(ctx, io.y_zp) || !is_quant_type(ctx.in(io.y_zp).dtype))
      return ctx.invalid("y_zero_point (int8 or uint8) is required");
    y.dtype = ctx.in(io.y_zp).dtype;
    if (qparam_is_const(ctx, io.y_scale, io.y_zp)) {
      y.quant.scale = {f_at(ctx, io.y_scale)};
      y.quant.zero_point = {zp_at(ctx, io.y_zp)};
    }
  } else {
    y.dtype = DType::kInt32;
  }
  y.shape = d.batch;
  y.shape.push_back(d.M);
  y.shape.push_back(d.N);
  y.shape_known = true;
  return Status::ok();
}

Status qmatmul_eval(OpCtx& ctx, const QMatIo& io) {
  Dims d;
  KILN_TRY(resolve(ctx, io, &d));
  const Tensor& a = ctx.in(io.a);
  const Tensor& b = ctx.in(io.b);
  Tensor& y = ctx.out(0);
  std::vector<int32_t> bias;
  KILN_TRY(bias_values(ctx, io, d.N, &bias));
  std::vector<QuantMultiplier> mult;
  int32_t zy = 0, lo = 0, hi = 0;
  if (io.requantize()) {
    mult = multipliers(ctx, io, d.N);
    zy = zp_at(ctx, io.y_zp);
    quant_output_range(ctx.node(), y.dtype, f_at(ctx, io.y_scale), zy, &lo, &hi);
  }
  const int32_t za = zp_at(ctx, io.a_zp);
  for (int64_t bt = 0; bt < d.B; ++bt)
    for (int64_t i = 0; i < d.M; ++i)
      for (int64_t n = 0; n < d.N; ++n) {
        const int32_t zb = zp_at(ctx, io.b_zp, n);
        int32_t acc = bias[static_cast<size_t>(n)];
        for (int64_t k = 0; k < d.K; ++k)
          acc += (int_elem(a, bt * d.a_stride + i * d.K + k) - za) * (int_elem(b, b_index(d, bt, k, n)) - zb);
        const int64_t yi = (bt * d.M + i) * d.N + n;
        if (!io.requantize()) {
          y.as_mut<int32_t>()[yi] = acc;
          continue;
        }
        int32_t v = zy + multiply_by_quantized_multiplier(acc, mult[static_cast<size_t>(n)]);
        v = std::max(lo, std::min(hi, v));
        if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[yi] = static_cast<int8_t>(v);
        else y.as_mut<uint8_t>()[yi] = static_cast<uint8_t>(v);
      }
  return Status::ok();
}

Status qmatmul_emit(OpCtx& ctx, const QMatIo& io) {
  Dims d;
  KILN_TRY(resolve(ctx, io, &d));
  ctx.include("kiln_int8.h");
  const Tensor& a = ctx.in(io.a);
  const Tensor& b = ctx.in(io.b);
  const Tensor& y = ctx.out(0);
  const std::string& nm = ctx.node().name;
  const bool consts = params_const(ctx, io);

  const bool fc = b.is_const && d.b_stride == 0 && consts;
  std::string out;
  if (io.requantize() && consts && fc) {
    // below, with the folded weights
  } else if (io.requantize() && consts) {
    int32_t lo, hi;
    quant_output_range(ctx.node(), y.dtype, f_at(ctx, io.y_scale), zp_at(ctx, io.y_zp), &lo, &hi);
    out = requant_functor(ctx, y.dtype, multipliers(ctx, io, d.N), zp_at(ctx, io.y_zp), lo, hi);
  } else if (io.requantize()) {
    if (ctx.node().has_attr("kiln_act")) return KILN_ICE("fused activation with run-time scales");
    out = fmt::format("kiln::RequantRuntime<{}, {}, {}>{{{}, {}, {}, {}}}", dtype_c_name(y.dtype),
                      dtype_c_name(ctx.in(io.y_zp).dtype), ctx.in(io.b_scale).numel() != 1 ? "true" : "false",
                      ctx.in_ptr(io.a_scale), ctx.in_ptr(io.b_scale), ctx.in_ptr(io.y_scale), ctx.in_ptr(io.y_zp));
  } else {
    out = "kiln::StoreAcc{}";
  }

  if (fc) {
    // Constant weights: rows [N, K] without zero point; bias' = C - za * sum(row).
    Tensor weff = fc_rows(ctx, io, d, nm + "_w");
    std::vector<int32_t> bias;
    KILN_TRY(bias_values(ctx, io, d.N, &bias));
    const int32_t za = zp_at(ctx, io.a_zp);
    for (int64_t n = 0; n < d.N; ++n) {
      int64_t s = 0;
      for (int64_t k = 0; k < d.K; ++k) s += int_elem(weff, n * d.K + k);
      const int64_t v = bias[static_cast<size_t>(n)] - static_cast<int64_t>(za) * s;
      if (v < INT32_MIN || v > INT32_MAX) return ctx.unsupported("the zero-point-folded bias overflows int32");
      bias[static_cast<size_t>(n)] = static_cast<int32_t>(v);
    }
    if (io.requantize()) {
      std::vector<int64_t> braw;
      std::vector<int32_t> craw;
      KILN_TRY(bias_values(ctx, io, d.N, &craw));
      for (int32_t v : craw) braw.push_back(v);
      int32_t lo, hi;
      quant_output_range(ctx.node(), y.dtype, f_at(ctx, io.y_scale), zp_at(ctx, io.y_zp), &lo, &hi);
      out = requant_functor_fast(ctx, y.dtype, multipliers(ctx, io, d.N), zp_at(ctx, io.y_zp), lo, hi,
                                 acc_bounds(weff, d.N, d.K, braw, a.dtype, za));
    }
    std::string bsym = ctx.add_const(nm + "_bias", int32_tensor(nm + "_bias", bias));
    if (ctx.target().has_mve && mve_applies(a.dtype, weff)) {
      ctx.include("kiln_mve.h");
      ctx.include("kiln_int8_mve.h");
      std::string wsym = ctx.add_const(nm + "_wm", fc_weights_mve(nm + "_wm", weff, d.N, d.K));
      ctx.w().line("kiln::qfully_connected_mve<{}, {}, {}>({}, {}, {}, {}, {});", d.B * d.M, d.N, d.K,
                   ctx.in_ptr(io.a), wsym, bsym, ctx.out_ptr(0), out);
      return Status::ok();
    }
    if (ctx.target().has_dsp) {
      ctx.include("kiln_int8_fc.h");
      // int8 weights when the kernel policy narrowed this layer (compiler/driver/kernel_policy.cpp).
      const bool wide = !(narrow_weights(ctx) && fits_int8(weff));
      std::string wsym = ctx.add_const(nm + "_wf", wide ? fc_weights(nm + "_wf", weff, d.N, d.K)
                                                        : fc_weights_narrow(nm + "_wf", weff, d.N, d.K));
      ctx.w().line("kiln::qfully_connected_fast<{}, {}, {}, {}>({}, {}, {}, {}, {});", d.B * d.M, d.N, d.K,
                   wide ? "true" : "false", ctx.in_ptr(io.a), wsym, bsym, ctx.out_ptr(0), out);
      return Status::ok();
    }
    // Zero-aware weights where no fast kernel runs (the CSR cost model weighs the reference kernel).
    CsrWeights csr;
    if (emit_csr_weights(ctx, nm + "_w", weff, d.N, &csr)) {
      ctx.w().line("kiln::qfully_connected_csr<{}, {}, {}>({}, {}, {}, {}, {}, {}, {});", d.B * d.M, d.N, d.K,
                   ctx.in_ptr(io.a), csr.vals, csr.cols, csr.rows, bsym, ctx.out_ptr(0), out);
      return Status::ok();
    }
    std::string wsym = ctx.add_const(nm + "_w", weff);
    ctx.w().line("kiln::qfully_connected<{}, {}, {}>({}, {}, {}, {}, {});", d.B * d.M, d.N, d.K, ctx.in_ptr(io.a),
                 wsym, bsym, ctx.out_ptr(0), out);
    return Status::ok();
  }
  if (d.trans_b) return ctx.unsupported("transB=1 needs constant B");
  auto zptr = [&](size_t i, DType t) {
    return has(ctx, i) ? ctx.in_ptr(i) : fmt::format("static_cast<const {}*>(nullptr)", dtype_c_name(t));
  };
  std::string bias = "static_cast<const int32_t*>(nullptr)";
  if (has(ctx, io.bias)) {
    std::vector<int32_t> bv;
    KILN_TRY(bias_values(ctx, io, d.N, &bv));
    bias = ctx.add_const(nm + "_bias", int32_tensor(nm + "_bias", bv));
  }
  const bool bz_pc = has(ctx, io.b_zp) && ctx.in(io.b_zp).numel() != 1;
  ctx.w().line("kiln::qmatmul_generic<{}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});", d.B, d.M, d.N, d.K,
               d.a_stride, d.b_stride, bz_pc ? "true" : "false", ctx.in_ptr(io.a), zptr(io.a_zp, a.dtype),
               ctx.in_ptr(io.b), zptr(io.b_zp, b.dtype), bias, ctx.out_ptr(0), out);
  return Status::ok();
}

bool qmatmul_weight_choice(OpCtx& ctx, const QMatIo& io, WeightWidthChoice* c) {
  Dims d;
  if (!resolve(ctx, io, &d) || !ctx.has_target() || !ctx.target().has_dsp) return false;
  const Tensor& b = ctx.in(io.b);
  if (!(b.is_const && d.b_stride == 0 && params_const(ctx, io))) return false;
  const Tensor weff = fc_rows(ctx, io, d, "w");
  if (!fits_int8(weff) || (ctx.target().has_mve && mve_applies(ctx.in(io.a).dtype, weff))) return false;  // Helium: int8 anyway
  c->wide_bytes = fc_weights("w", weff, d.N, d.K).numel() * 4;
  c->narrow_bytes = fc_weights_narrow("w", weff, d.N, d.K).numel() * 4;
  c->narrow_extra = fc_narrow_extra(qmatmul_macs(ctx, io));
  return true;
}

int64_t qmatmul_macs(OpCtx& ctx, const QMatIo& io) {
  Dims d;
  if (!resolve(ctx, io, &d)) return 0;
  return d.B * d.M * d.N * d.K;
}

}  // namespace kiln
