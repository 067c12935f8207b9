#include "compiler/ops/qconv.h"

#include "compiler/ops/nn_util.h"
#include "compiler/ops/qfast.h"
#include "compiler/ops/qmve.h"
#include "compiler/ops/simd_util.h"
#include "compiler/ops/sparse_util.h"

namespace kiln {

namespace {

struct Geom {
  int64_t N, C, M, G;
  Window w;
};

bool has(const OpCtx& ctx, size_t i) { return i != kNoInput && ctx.has_input(i); }

Status resolve(OpCtx& ctx, const QConvIo& io, Geom* g) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(io.x).shape;
  const Shape& ws = ctx.in(io.w).shape;
  if (xs.size() != 3 && xs.size() != 4)
    return ctx.unsupported(fmt::format("{}-D convolution is not supported (1-D and 2-D are)",
                                       static_cast<int64_t>(xs.size()) - 2));
  if (ws.size() != xs.size()) return ctx.invalid("W must have the same rank as X");
  g->G = n.attr_int("group", 1);
  g->N = xs[0];
  g->C = xs[1];
  g->M = ws[0];
  if (g->G <= 0 || g->C % g->G || g->M % g->G || ws[1] * g->G != g->C)
    return ctx.invalid(fmt::format("group={} does not divide C={} / M={} (W has {} input channels)", g->G, g->C, g->M,
                                   ws[1]));
  auto ks = n.attr_ints("kernel_shape", Shape(ws.begin() + 2, ws.end()));
  if (ks != Shape(ws.begin() + 2, ws.end())) return ctx.invalid("kernel_shape does not match W");
  return resolve_window(ctx, xs, ks, false, &g->w);
}

// Everything but x is a compile-time constant: the fast kernel with folded parameters applies.
bool all_params_const(const OpCtx& ctx, const QConvIo& io) {
  for (size_t i : {io.x_scale, io.x_zp, io.w, io.w_scale, io.w_zp, io.y_scale, io.y_zp, io.bias})
    if (has(ctx, i) && !ctx.in(i).is_const) return false;
  return true;
}

float scalar_f(const OpCtx& ctx, size_t i, int64_t k = 0) { return ctx.in(i).as<float>()[k]; }
int32_t zp_at(const OpCtx& ctx, size_t i, int64_t k = 0) {
  if (!has(ctx, i)) return 0;
  return int_elem(ctx.in(i), ctx.in(i).numel() == 1 ? 0 : k);
}

// Scales and output zero point known to the compiler: multipliers become constants.
bool scales_const(const OpCtx& ctx, const QConvIo& io) {
  return qparam_is_const(ctx, io.x_scale, io.x_zp) && qparam_is_const(ctx, io.w_scale, io.w_zp) &&
         qparam_is_const(ctx, io.y_scale, io.y_zp);
}

// Per-output-channel multipliers sx * sw[m] / sy, in double as the runtime derives them;
// constant ones share a shift when they can (channel_multipliers).
std::vector<QuantMultiplier> multipliers(const OpCtx& ctx, const QConvIo& io, int64_t M) {
  std::vector<double> reals;
  const bool pc = ctx.in(io.w_scale).numel() != 1;
  for (int64_t m = 0; m < M; ++m)
    reals.push_back(static_cast<double>(scalar_f(ctx, io.x_scale)) *
                    static_cast<double>(scalar_f(ctx, io.w_scale, pc ? m : 0)) /
                    static_cast<double>(scalar_f(ctx, io.y_scale)));
  if (scales_const(ctx, io)) return channel_multipliers(reals, ctx.node().attr_ints("kiln_shift_hull"));
  std::vector<QuantMultiplier> v;
  for (double r : reals) v.push_back(quantize_multiplier(r));
  return v;
}

// The DSP kernels of runtime/kiln_int8_fast.h (constant parameters, a core with the DSP extension),
// the Helium kernels of runtime/kiln_int8_mve.h (a core with MVE, int8 x and weights), and on cores
// without either the depthwise and row-buffer kernels of runtime/kiln_int8_nodsp.h.
enum class FastKind {
  kNone,
  kPointwise,
  kDepthwise3x3,
  kIm2col,
  kDepthwisePlane,
  kRowsPlain,
  kMvePointwise,
  kMveDepthwise,
  kMveIm2col
};

bool is_pointwise(const Geom& g) {
  const Window& k = g.w;
  return k.KH == 1 && k.KW == 1 && k.SH == 1 && k.SW == 1 && k.PT == 0 && k.PL == 0 && k.OH == k.H && k.OW == k.W &&
         g.G == 1;
}

// x int8 and W minus its zero points within int8 (VMLADAVA.S8 multiplies int8 by int8).
bool mve_fits(const OpCtx& ctx, const QConvIo& io, const Geom& g) {
  if (ctx.in(io.x).dtype != DType::kInt8) return false;
  std::vector<int32_t> zw(static_cast<size_t>(g.M));
  for (int64_t m = 0; m < g.M; ++m) zw[static_cast<size_t>(m)] = zp_at(ctx, io.w_zp, m);
  return mve_weights_fit(ctx.in(io.w), zw, g.M, ctx.in(io.w).numel() / g.M);
}

FastKind fast_kind(const OpCtx& ctx, const QConvIo& io, const Geom& g) {
  if (!ctx.has_target() || !io.requantize() || !all_params_const(ctx, io)) return FastKind::kNone;
  const Window& k = g.w;
  if (ctx.target().has_mve && mve_fits(ctx, io, g)) {
    if (is_pointwise(g)) return FastKind::kMvePointwise;
    if (g.G == g.C && g.M == g.C) return FastKind::kMveDepthwise;
    if (g.G == 1) return FastKind::kMveIm2col;
  }
  if (!ctx.target().has_dsp) {
    // A core with a vector unit (the host) takes the kernels of compiler/ops/simd_util.h instead.
    if (qconv_simd_applies(ctx, true, g.C, g.M, g.G, g.w)) return FastKind::kNone;
    if (g.G == g.C && g.M == g.C) return FastKind::kDepthwisePlane;
    return g.G == 1 && !is_pointwise(g) ? FastKind::kRowsPlain : FastKind::kNone;
  }
  if (is_pointwise(g)) return FastKind::kPointwise;
  if (g.G == g.C && g.M == g.C && k.KH == 3 && k.KW == 3 && k.DH == 1 && k.DW == 1 && k.SH == k.SW &&
      (k.SH == 1 || k.SH == 2))
    return FastKind::kDepthwise3x3;
  if (g.G == 1) return FastKind::kIm2col;
  return FastKind::kNone;
}

// Input channels per chunk of the im2col columns (kiln::qconv_im2col_fast): all of them when the
// window fits LDRD's reach (510 int16), else the largest divisor of C whose chunk does and is a
// whole number of groups of four; all (the compiled loop) when none is.
int64_t im2col_chunk_channels(const Geom& g) {
  const int64_t khw = g.w.KH * g.w.KW, k4 = (g.C * khw + 3) / 4 * 4;
  if (k4 * 2 <= 1020) return g.C;
  for (int64_t cc = g.C - 1; cc >= 1; --cc)
    if (g.C % cc == 0 && cc * khw % 4 == 0 && cc * khw * 2 <= 1020) return cc;
  return g.C;
}

int64_t fast_scratch_bytes(FastKind f, const Geom& g) {
  const Window& k = g.w;
  switch (f) {
    case FastKind::kPointwise: return (g.C + 3) / 4 * 4 * 4;
    case FastKind::kDepthwise3x3: return ((k.OH - 1) * k.SH + 3) * ((k.OW - 1) * k.SW + 3) + 4;
    case FastKind::kIm2col: return (g.C * k.KH * k.KW + 3) / 4 * 4 * 4;
    case FastKind::kDepthwisePlane:
      return ((k.OH - 1) * k.SH + (k.KH - 1) * k.DH + 1) * ((k.OW - 1) * k.SW + (k.KW - 1) * k.DW + 1);
    case FastKind::kRowsPlain: return g.C * k.KH * ((k.OW - 1) * k.SW + (k.KW - 1) * k.DW + 1);
    case FastKind::kMvePointwise: return (g.C + 15) / 16 * 16 * 8;
    case FastKind::kMveIm2col: {  // the columns, and for rows of eight or more the padded band
      const int64_t band = ((k.OW + 7) / 8 * 8 - 1) * k.SW + (k.KW - 1) * k.DW + 1;
      return (g.C * k.KH * k.KW + 15) / 16 * 16 * 8 + (k.OW >= 8 ? g.C * k.KH * band : 0);
    }
    case FastKind::kMveDepthwise: {  // the padded plane, and for stride 1 the wide output rows
      const int64_t wp = (k.OW - 1) * k.SW + (k.KW - 1) * k.DW + 1;
      return ((k.OH - 1) * k.SH + (k.KH - 1) * k.DH + 1) * wp + (k.SH == 1 && k.SW == 1 ? k.OH * wp : 0);
    }
    case FastKind::kNone: break;
  }
  return 0;
}

}  // namespace

Status qconv_infer(OpCtx& ctx, const QConvIo& io) {
  const DType xt = ctx.in(io.x).dtype, wt = ctx.in(io.w).dtype;
  if (!is_quant_type(xt)) return ctx.unsupported_type(xt);
  if (!is_quant_type(wt)) return ctx.unsupported_type(wt);
  if (has(ctx, io.x_zp) && (ctx.in(io.x_zp).dtype != xt || ctx.in(io.x_zp).numel() != 1))
    return ctx.invalid("x_zero_point must be one element of x's type");
  Geom g;
  KILN_TRY(resolve(ctx, io, &g));
  if (has(ctx, io.w_zp) && (ctx.in(io.w_zp).dtype != wt || (ctx.in(io.w_zp).numel() != 1 && ctx.in(io.w_zp).numel() != g.M)))
    return ctx.invalid("w_zero_point must have w's type and 1 or M elements");
  if (has(ctx, io.bias) && (ctx.in(io.bias).dtype != DType::kInt32 || ctx.in(io.bias).numel() != g.M))
    return ctx.invalid("B must be int32 with M elements");
  Tensor& y = ctx.out(0);
  y.quant = QuantParams{};
  if (io.requantize()) {
    KILN_TRY(check_qparam_shape(ctx, io.x_scale, io.x_zp, 1, "x"));
    KILN_TRY(check_qparam_shape(ctx, io.w_scale, io.w_zp, g.M, "w"));
    KILN_TRY(check_qparam_shape(ctx, io.y_scale, io.y_zp, 1, "y"));
    if (!has(ctx, io.y_zp) || !is_quant_type(ctx.in(io.y_zp).dtype))
      return ctx.invalid("y_zero_point (int8 or uint8) is required");
    y.dtype = ctx.in(io.y_zp).dtype;
    if (qparam_is_const(ctx, io.y_scale, io.y_zp)) {
      y.quant.scale = {scalar_f(ctx, io.y_scale)};
      y.quant.zero_point = {zp_at(ctx, io.y_zp)};
    }
  } else {
    y.dtype = DType::kInt32;
  }
  y.shape = window_out_shape(ctx.in(io.x).shape, g.M, g.w);
  y.shape_known = true;
  return Status::ok();
}

Status qconv_eval(OpCtx& ctx, const QConvIo& io) {
  Geom g;
  KILN_TRY(resolve(ctx, io, &g));
  const Window& k = g.w;
  const Tensor& x = ctx.in(io.x);
  const Tensor& w = ctx.in(io.w);
  Tensor& y = ctx.out(0);
  const int32_t zx = zp_at(ctx, io.x_zp);
  std::vector<QuantMultiplier> mult;
  int32_t zy = 0, lo = 0, hi = 0;
  if (io.requantize()) {
    mult = multipliers(ctx, io, g.M);
    zy = zp_at(ctx, io.y_zp);
    quant_output_range(ctx.node(), y.dtype, scalar_f(ctx, io.y_scale), zy, &lo, &hi);
  }
  const int64_t CG = g.C / g.G, MG = g.M / g.G;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t m = 0; m < g.M; ++m) {
      const int32_t zw = zp_at(ctx, io.w_zp, m);
      for (int64_t oh = 0; oh < k.OH; ++oh)
        for (int64_t ow = 0; ow < k.OW; ++ow) {
          int32_t acc = has(ctx, io.bias) ? int_elem(ctx.in(io.bias), m) : 0;
          for (int64_t c = 0; c < CG; ++c)
            for (int64_t kh = 0; kh < k.KH; ++kh)
              for (int64_t kw = 0; kw < k.KW; ++kw) {
                int64_t ih = oh * k.SH - k.PT + kh * k.DH, iw = ow * k.SW - k.PL + kw * k.DW;
                if (ih < 0 || ih >= k.H || iw < 0 || iw >= k.W) continue;  // padding: x = zx
                int64_t ci = (m / MG) * CG + c;
                acc += (int_elem(x, ((n * g.C + ci) * k.H + ih) * k.W + iw) - zx) *
                       (int_elem(w, ((m * CG + c) * k.KH + kh) * k.KW + kw) - zw);
              }
          const int64_t yi = ((n * g.M + m) * k.OH + oh) * k.OW + ow;
          if (!io.requantize()) {
            y.as_mut<int32_t>()[yi] = acc;
            continue;
          }
          int32_t v = zy + multiply_by_quantized_multiplier(acc, mult[static_cast<size_t>(m)]);
          v = std::max(lo, std::min(hi, v));
          if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[yi] = static_cast<int8_t>(v);
          else y.as_mut<uint8_t>()[yi] = static_cast<uint8_t>(v);
        }
    }
  return Status::ok();
}

Status qconv_emit(OpCtx& ctx, const QConvIo& io) {
  Geom g;
  KILN_TRY(resolve(ctx, io, &g));
  const Window& k = g.w;
  ctx.include("kiln_int8.h");
  const Tensor& x = ctx.in(io.x);
  const Tensor& w = ctx.in(io.w);
  const Tensor& y = ctx.out(0);
  const int64_t in_batch = g.C * k.H * k.W, out_batch = g.M * k.OH * k.OW;
  const int64_t per_m = w.numel() / g.M;
  const std::string& nm = ctx.node().name;
  const bool folded = io.requantize() && all_params_const(ctx, io);

  std::string out;
  if (folded) {
    // below, once the weights are known
  } else if (io.requantize() && scales_const(ctx, io)) {
    int32_t lo, hi;
    quant_output_range(ctx.node(), y.dtype, scalar_f(ctx, io.y_scale), zp_at(ctx, io.y_zp), &lo, &hi);
    out = requant_functor(ctx, y.dtype, multipliers(ctx, io, g.M), zp_at(ctx, io.y_zp), lo, hi);
  } else if (io.requantize()) {
    if (ctx.node().has_attr("kiln_act")) return KILN_ICE("fused activation with run-time scales");
    out = fmt::format("kiln::RequantRuntime<{}, {}, {}>{{{}, {}, {}, {}}}", dtype_c_name(y.dtype),
                      dtype_c_name(ctx.in(io.y_zp).dtype), ctx.in(io.w_scale).numel() != 1 ? "true" : "false",
                      ctx.in_ptr(io.x_scale), ctx.in_ptr(io.w_scale), ctx.in_ptr(io.y_scale), ctx.in_ptr(io.y_zp));
  } else {
    out = "kiln::StoreAcc{}";
  }

  if (!folded) {
    auto zptr = [&](size_t i, DType t) {
      return has(ctx, i) ? ctx.in_ptr(i) : fmt::format("static_cast<const {}*>(nullptr)", dtype_c_name(t));
    };
    std::string bias = has(ctx, io.bias) ? ctx.in_ptr(io.bias) : "static_cast<const int32_t*>(nullptr)";
    const bool wz_pc = has(ctx, io.w_zp) && ctx.in(io.w_zp).numel() != 1;
    for (int64_t n = 0; n < g.N; ++n)
      ctx.w().line(
          "kiln::qconv2d_generic<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}, {}{}, "
          "{});",
          g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, g.G, wz_pc ? "true" : "false",
          ctx.in_ptr(io.x), n ? fmt::format(" + {}", n * in_batch) : "", zptr(io.x_zp, x.dtype), ctx.in_ptr(io.w),
          zptr(io.w_zp, w.dtype), bias, ctx.out_ptr(0), n ? fmt::format(" + {}", n * out_batch) : "", out);
    return Status::ok();
  }

  // Constant parameters: zero-point-free weights, bias' = B - zx * sum(w), per channel.
  std::vector<int32_t> zw(static_cast<size_t>(g.M));
  for (int64_t m = 0; m < g.M; ++m) zw[static_cast<size_t>(m)] = zp_at(ctx, io.w_zp, m);
  Tensor weff = offset_weights(nm + "_w", w, zw, g.M, per_m);
  const int32_t zx = zp_at(ctx, io.x_zp);
  std::vector<int32_t> bias(static_cast<size_t>(g.M)), wsum(static_cast<size_t>(g.M));
  for (int64_t m = 0; m < g.M; ++m) {
    int64_t s = 0;
    for (int64_t e = 0; e < per_m; ++e) s += int_elem(weff, m * per_m + e);
    const int64_t b = (has(ctx, io.bias) ? int_elem(ctx.in(io.bias), m) : 0) - static_cast<int64_t>(zx) * s;
    if (b < INT32_MIN || b > INT32_MAX) return ctx.unsupported("the zero-point-folded bias overflows int32");
    bias[static_cast<size_t>(m)] = static_cast<int32_t>(b);
    wsum[static_cast<size_t>(m)] = static_cast<int32_t>(s);
  }
  const bool pointwise = is_pointwise(g);
  const bool inplace_pw = ctx.node().attr_int("kiln_inplace_pw", 0) != 0, inplace_dw = ctx.node().attr_int("kiln_inplace_dw", 0) != 0;
  const bool padded = k.PT || k.PL || k.PB || k.PR;
  // A kernel needing scratch runs only when memory planning reserved it for this core.
  FastKind fast = fast_kind(ctx, io, g);
  const int64_t need = fast_scratch_bytes(fast, g);
  if (need && ctx.node().attr_int("kiln_scratch_bytes", 0) < need) fast = FastKind::kNone;
  {
    std::vector<int64_t> b(static_cast<size_t>(g.M), 0);
    if (has(ctx, io.bias))
      for (int64_t m = 0; m < g.M; ++m) b[static_cast<size_t>(m)] = int_elem(ctx.in(io.bias), m);
    int32_t lo, hi;
    quant_output_range(ctx.node(), y.dtype, scalar_f(ctx, io.y_scale), zp_at(ctx, io.y_zp), &lo, &hi);
    out = requant_functor_fast(ctx, y.dtype, multipliers(ctx, io, g.M), zp_at(ctx, io.y_zp), lo, hi,
                               acc_bounds(weff, g.M, per_m, b, x.dtype, zx));
  }
  std::string bsym = ctx.add_const(nm + "_bias", int32_tensor(nm + "_bias", bias));
  const bool nodsp = fast == FastKind::kDepthwisePlane || fast == FastKind::kRowsPlain;
  if (fast != FastKind::kNone) ctx.include(nodsp ? "kiln_int8_nodsp.h" : "kiln_int8_fast.h");
  const bool mve = fast == FastKind::kMvePointwise || fast == FastKind::kMveDepthwise || fast == FastKind::kMveIm2col;
  if (mve) {
    if (!mve_applies(x.dtype, weff)) return KILN_ICE("Helium kernel chosen for weights that do not fit int8");
    ctx.include("kiln_mve.h");
    ctx.include("kiln_int8_mve.h");
  }
  // int8 GEMM weights when the kernel policy narrowed this layer (compiler/driver/kernel_policy.cpp).
  const bool wide = !(narrow_weights(ctx) && fits_int8(weff));
  auto gemm_w = [&] { return wide ? gemm_weights(nm + "_wg", weff, g.M, per_m) : gemm_weights_narrow(nm + "_wg", weff, g.M, per_m); };
  CsrWeights csr;
  bool sparse = false, sparse_done = false;
  std::string simd_w;  // the SIMD kernels' weights, once for every batch
  for (int64_t n = 0; n < g.N; ++n) {
    std::string xo = n ? fmt::format(" + {}", n * in_batch) : "";
    std::string yo = n ? fmt::format(" + {}", n * out_batch) : "";
    if (fast == FastKind::kMvePointwise || fast == FastKind::kMveIm2col) {
      std::string wsym = n ? nm + "_wm" : ctx.add_const(nm + "_wm", gemm_weights_mve(nm + "_wm", weff, g.M, per_m));
      if (fast == FastKind::kMvePointwise)
        ctx.w().line("kiln::qconv_pointwise_mve<{}, {}, {}>({}{}, {}, {}, {}{}, {}, {});", g.C, k.H * k.W, g.M,
                     ctx.in_ptr(io.x), xo, wsym, bsym, ctx.out_ptr(0), yo, ctx.scratch_ptr(DType::kInt8), out);
      else
        ctx.w().line(
            "kiln::qconv_im2col_mve<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, {}, "
            "{});",
            g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(io.x), xo, wsym,
            bsym, zx, ctx.out_ptr(0), yo, ctx.scratch_ptr(DType::kInt8), out);
      continue;
    }
    if (fast == FastKind::kMveDepthwise) {
      std::string wsym = n ? nm + "_w" : ctx.add_const(nm + "_w", weff);
      ctx.w().line(
          "kiln::qdepthwise_mve<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, {}, {});",
          g.C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(io.x), xo, wsym, bsym,
          zx, ctx.out_ptr(0), yo, ctx.scratch_ptr(DType::kInt8), out);
      continue;
    }
    if (fast == FastKind::kPointwise) {
      std::string wsym = n ? nm + "_wg" : ctx.add_const(nm + "_wg", gemm_w());
      ctx.w().line("kiln::qconv_pointwise_fast<{}, {}, {}, {}>({}{}, {}, {}, {}{}, {}, {});", g.C, k.H * k.W, g.M,
                   wide ? "true" : "false", ctx.in_ptr(io.x), xo, wsym, bsym, ctx.out_ptr(0), yo, ctx.scratch_ptr(DType::kInt32), out);
      continue;
    }
    if (fast == FastKind::kDepthwise3x3) {
      std::string wsym = n ? nm + "_wd" : ctx.add_const(nm + "_wd", dw3x3_weights(nm + "_wd", weff, g.C));
      ctx.w().line("kiln::qdepthwise3x3_fast<{}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, {}, {});", g.C, k.H,
                   k.W, k.OH, k.OW, k.SH, k.PT, k.PL, ctx.in_ptr(io.x), xo, wsym, bsym, zx, ctx.out_ptr(0), yo,
                   ctx.scratch_ptr(x.dtype), out);
      continue;
    }
    if (fast == FastKind::kDepthwisePlane) {  // in place too (y == x): see the kernel
      std::string wsym = n ? nm + "_w" : ctx.add_const(nm + "_w", weff);
      ctx.w().line(
          "kiln::qdepthwise_plane<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, {}, {});",
          g.C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(io.x), xo, wsym, bsym,
          zx, ctx.out_ptr(0), yo, ctx.scratch_ptr(x.dtype), out);
      continue;
    }
    if (fast == FastKind::kRowsPlain) {
      std::string wsym = n ? nm + "_w" : ctx.add_const(nm + "_w", weff);
      ctx.w().line(
          "kiln::qconv2d_rows<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, {}, {});",
          g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(io.x), xo, wsym,
          bsym, zx, ctx.out_ptr(0), yo, ctx.scratch_ptr(x.dtype), out);
      continue;
    }
    if (fast == FastKind::kIm2col) {
      std::string wsym = n ? nm + "_wg" : ctx.add_const(nm + "_wg", gemm_w());
      ctx.w().line(
          "kiln::qconv_im2col_fast<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, "
          "{}, {});",
          g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, im2col_chunk_channels(g),
          wide ? "true" : "false", ctx.in_ptr(io.x), xo, wsym,
          bsym, zx, ctx.out_ptr(0), yo, ctx.scratch_ptr(DType::kInt32), out);
      continue;
    }
    // In place (passes/inplace.cpp) without a fast kernel: x and y are the same bytes, plus
    // planned scratch. (The fast pointwise and depthwise 3x3 kernels read a pixel pair / a
    // channel plane whole before writing it, so they run in place as they are.)
    // SIMD targets (compiler/ops/simd_util): in place here, else after the CSR cost model below.
    const bool simd = qconv_simd_applies(ctx, true, g.C, g.M, g.G, k);
    if (simd && (inplace_pw || inplace_dw)) {
      emit_qconv_simd(ctx, g.C, g.M, g.G, k, ctx.in_ptr(io.x) + xo, weff, nm, &simd_w, bsym, zx, ctx.out_ptr(0) + yo, out);
      continue;
    }
    if (inplace_pw || inplace_dw) {
      std::string wsym = n ? nm + "_w" : ctx.add_const(nm + "_w", weff);
      if (inplace_pw) {
        ctx.w().line("kiln::qconv_pointwise_inplace<{}, {}, {}, {}>({}{}, {}, {}, {}{}, {}, {});", g.C, k.H * k.W, g.M,
                     kInplacePointwiseBlock, ctx.in_ptr(io.x), xo, wsym, bsym, ctx.out_ptr(0), yo,
                     ctx.scratch_ptr(x.dtype), out);
        continue;
      }
      std::string wssym = padded ? (n ? nm + "_wsum" : ctx.add_const(nm + "_wsum", int32_tensor(nm + "_wsum", wsum))) : bsym;
      ctx.w().line(
          "kiln::qdepthwise2d_inplace<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}, {}{}, {}, "
          "{});",
          g.C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(io.x), xo, wsym, bsym,
          wssym, zx, ctx.out_ptr(0), yo, ctx.scratch_ptr(y.dtype), out);
      continue;
    }
    // Zero-aware weights (compiler/ops/sparse_util.h), where no fast kernel runs: the CSR cost
    // model weighs them against the reference kernel.
    if (pointwise && (n ? sparse_done : (sparse_done = true, sparse = emit_csr_weights(ctx, nm + "_w", weff, g.M, &csr)))) {
      ctx.w().line("kiln::qconv_pointwise_csr<{}, {}, {}>({}{}, {}, {}, {}, {}, {}{}, {});", g.C, k.H * k.W, g.M,
                   ctx.in_ptr(io.x), xo, csr.vals, csr.cols, csr.rows, bsym, ctx.out_ptr(0), yo, out);
      continue;
    }
    if (simd) {
      emit_qconv_simd(ctx, g.C, g.M, g.G, k, ctx.in_ptr(io.x) + xo, weff, nm, &simd_w, bsym, zx, ctx.out_ptr(0) + yo, out);
      continue;
    }
    std::string wsym = n ? nm + "_w" : ctx.add_const(nm + "_w", weff);
    std::string wssym = padded ? (n ? nm + "_wsum" : ctx.add_const(nm + "_wsum", int32_tensor(nm + "_wsum", wsum))) : bsym;
    if (pointwise) {
      ctx.w().line("kiln::qconv_pointwise<{}, {}, {}>({}{}, {}, {}, {}{}, {});", g.C, k.H * k.W, g.M, ctx.in_ptr(io.x),
                   xo, wsym, bsym, ctx.out_ptr(0), yo, out);
      continue;
    }
    ctx.w().line(
        "kiln::qconv2d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}, {}{}, {});",
        g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, g.G, ctx.in_ptr(io.x), xo, wsym,
        bsym, wssym, zx, ctx.out_ptr(0), yo, out);
  }
  return Status::ok();
}

// The scratch of the kernel the emitter picks: the fast kernels' (which also run in place), else
// the in-place variants' (passes/inplace.cpp): one output channel (depthwise) or one block of
// input pixels (pointwise).
int64_t qconv_scratch(OpCtx& ctx, const QConvIo& io) {
  Geom g;
  if (!resolve(ctx, io, &g)) return 0;
  const FastKind fast = fast_kind(ctx, io, g);
  // The row buffer is optional: plan-memory drops it where it would raise the arena (qconv2d runs).
  if (fast == FastKind::kRowsPlain) ctx.node().set_int("kiln_scratch_optional", 1);
  if (fast != FastKind::kNone) return fast_scratch_bytes(fast, g);
  const int64_t simd = qconv_simd_scratch(ctx, io.requantize() && all_params_const(ctx, io), g.C, g.M, g.G, g.w);
  if (simd >= 0) return simd;
  if (ctx.node().attr_int("kiln_inplace_dw", 0)) return g.w.OH * g.w.OW;
  if (ctx.node().attr_int("kiln_inplace_pw", 0)) return g.C * kInplacePointwiseBlock;
  return 0;
}

bool qconv_weight_choice(OpCtx& ctx, const QConvIo& io, WeightWidthChoice* c) {
  Geom g;
  if (!resolve(ctx, io, &g)) return false;
  const FastKind fast = fast_kind(ctx, io, g);
  if (fast != FastKind::kPointwise && fast != FastKind::kIm2col) return false;
  if (ctx.node().attr_int("kiln_scratch_bytes", 0) < fast_scratch_bytes(fast, g)) return false;
  const Tensor& w = ctx.in(io.w);
  const int64_t per_m = w.numel() / g.M;
  std::vector<int32_t> zw(static_cast<size_t>(g.M));
  for (int64_t m = 0; m < g.M; ++m) zw[static_cast<size_t>(m)] = zp_at(ctx, io.w_zp, m);
  const Tensor weff = offset_weights("w", w, zw, g.M, per_m);
  if (!fits_int8(weff)) return false;
  c->wide_bytes = gemm_weights("w", weff, g.M, per_m).numel() * 4;
  c->narrow_bytes = gemm_weights_narrow("w", weff, g.M, per_m).numel() * 4;
  c->narrow_extra = gemm_narrow_extra(qconv_macs(ctx, io));
  return true;
}

int64_t qconv_macs(OpCtx& ctx, const QConvIo& io) {
  Geom g;
  if (!resolve(ctx, io, &g)) return 0;
  return g.N * g.M * g.w.OH * g.w.OW * (g.C / g.G) * g.w.KH * g.w.KW;
}

}  // namespace kiln
