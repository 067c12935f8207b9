#include "compiler/ops/nn_util.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln {

std::string c_scalar(DType t, double v) {
  if (t == DType::kFloat32) return c_float(static_cast<float>(v));
  if (std::isnan(v)) return "__builtin_nan(\"\")";
  if (std::isinf(v)) return v > 0 ? "__builtin_inf()" : "(-__builtin_inf())";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

Tensor transpose_last2(const Tensor& t, const std::string& name) {
  Tensor r = t;
  r.name = name;
  const size_t rank = t.shape.size();
  const int64_t rows = t.shape[rank - 2], cols = t.shape[rank - 1];
  std::swap(r.shape[rank - 2], r.shape[rank - 1]);
  const size_t es = dtype_size(t.dtype);
  const int64_t mats = rows * cols == 0 ? 0 : t.numel() / (rows * cols);
  for (int64_t b = 0; b < mats; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        std::memcpy(&r.data[((b * cols + j) * rows + i) * es], &t.data[((b * rows + i) * cols + j) * es], es);
  return r;
}

bool use_blocked_float(const Target& t) { return t.has_fpu_sp(); }

std::string blocked_act_expr(const Node& n) {
  const std::string act = n.attr_string("kiln_act", "");
  if (act.empty() || act == "LeakyRelu" || !n.has_attr("kiln_act_lo")) return fused_act_expr(n);
  const float lo = n.attr_float("kiln_act_lo", 0.0f);
  const float hi = n.attr_float("kiln_act_hi", std::numeric_limits<float>::infinity());
  if (lo != 0.0f || std::signbit(lo) || !(hi > 0.0f)) return fused_act_expr(n);
  if (std::isinf(hi)) return "kiln::ActReluBits{}";
  return fmt::format("kiln::ActClampBits{{{}}}", c_float(hi));
}

void include_blocked(OpCtx& ctx) {
  ctx.include("kiln_conv.h");
  ctx.include("kiln_linalg.h");
  ctx.include("kiln_float_asm.h");
  ctx.include("kiln_conv_blocked.h");
  ctx.include("kiln_conv_blocked_dw.h");
}

Tensor pack_rows4(const Tensor& t, int64_t M, const std::string& name) {
  Tensor r = t;
  r.name = name;
  const int64_t K = M == 0 ? 0 : t.numel() / M, M4 = M / 4 * 4;
  const float* src = t.as<float>();
  float* dst = r.as_mut<float>();
  for (int64_t m = 0; m < M4; ++m)
    for (int64_t k = 0; k < K; ++k) dst[(m / 4) * 4 * K + k * 4 + m % 4] = src[m * K + k];
  return r;
}

Status resolve_window(const OpCtx& ctx, const Shape& xs, const std::vector<int64_t>& kernel,
                      bool ceil_mode, Window* w) {
  const Node& n = ctx.node();
  if (xs.size() < 3) return ctx.invalid(fmt::format("X {} must be [N, C, spatial...]", shape_str(xs)));
  if (xs.size() > 5)
    return ctx.unsupported(fmt::format("{}-D windows are not supported (1-D, 2-D and 3-D are)",
                                       static_cast<int64_t>(xs.size()) - 2));
  const size_t sp = xs.size() - 2;
  auto strides = n.attr_ints("strides", std::vector<int64_t>(sp, 1));
  auto dil = n.attr_ints("dilations", std::vector<int64_t>(sp, 1));
  auto pads = n.attr_ints("pads", std::vector<int64_t>(2 * sp, 0));
  if (kernel.size() != sp || strides.size() != sp || dil.size() != sp || pads.size() != 2 * sp)
    return ctx.invalid("kernel_shape/strides/dilations/pads do not match the input rank");
  // Dim i of the 3-D window is spatial dim i - lead of the input; the leading ones are unit dims.
  const size_t lead = 3 - sp;
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
  std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  for (size_t i = 0; i < 3; ++i) {
    const bool real = i >= lead;
    const size_t j = i - lead;
    in[i] = real ? xs[2 + j] : 1;
    k[i] = real ? kernel[j] : 1;
    s[i] = real ? strides[j] : 1;
    d[i] = real ? dil[j] : 1;
    pb[i] = real ? pads[j] : 0;
    pe[i] = real ? pads[sp + j] : 0;
    if (k[i] <= 0 || s[i] <= 0 || d[i] <= 0 || pb[i] < 0 || pe[i] < 0)
      return ctx.invalid("kernel_shape, strides and dilations must be positive and pads non-negative");
    const int64_t ek = (k[i] - 1) * d[i] + 1;
    if (!real) {
      out[i] = 1;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out[i] = (in[i] + s[i] - 1) / s[i];
      int64_t total = std::max<int64_t>(0, (out[i] - 1) * s[i] + ek - in[i]);
      pb[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe[i] = total - pb[i];
    } else if (auto_pad == "VALID" || auto_pad == "NOTSET") {
      if (auto_pad == "VALID") pb[i] = pe[i] = 0;
      const int64_t span = in[i] + pb[i] + pe[i] - ek;
      if (span < 0) return ctx.invalid("the kernel is larger than the padded input");
      out[i] = (ceil_mode ? (span + s[i] - 1) / s[i] : span / s[i]) + 1;
      if (ceil_mode && (out[i] - 1) * s[i] >= in[i] + pb[i]) --out[i];
    } else {
      return ctx.invalid(fmt::format("unknown auto_pad '{}'", auto_pad));
    }
    if (out[i] <= 0) return ctx.invalid("the kernel is larger than the padded input");
  }
  *w = Window{in[0], in[1], in[2], k[0], k[1], k[2], s[0], s[1], s[2], d[0], d[1], d[2],
              pb[0], pb[1], pb[2], pe[0], pe[1], pe[2], out[0], out[1], out[2]};
  return Status::ok();
}

Shape window_out_shape(const Shape& xs, int64_t channels, const Window& w) {
  const int64_t out[3] = {w.OD, w.OH, w.OW};
  Shape y = {xs[0], channels};
  for (size_t i = 5 - xs.size(); i < 3; ++i) y.push_back(out[i]);
  return y;
}

Status global_pool_infer(OpCtx& ctx) {
  const Tensor& x = ctx.in(0);
  if (x.dtype != DType::kFloat32 && x.dtype != DType::kFloat64) return ctx.unsupported_type(x.dtype);
  if (x.shape.size() < 3) return ctx.invalid("X must be [N, C, spatial...]");
  if (x.numel() == 0) return ctx.unsupported("empty inputs are not supported");
  Tensor& y = ctx.out(0);
  y.dtype = x.dtype;
  y.shape = Shape(x.shape.size(), 1);
  y.shape[0] = x.shape[0];
  y.shape[1] = x.shape[1];
  y.shape_known = true;
  return Status::ok();
}

Status global_pool_emit(OpCtx& ctx, const char* kernel) {
  ctx.include("kiln_pool.h");
  const Tensor& x = ctx.in(0);
  const int64_t planes = x.shape[0] * x.shape[1];
  ctx.w().line("{}<{}, {}, {}>({}, {});", kernel, dtype_c_name(x.dtype), planes, x.numel() / planes, ctx.in_ptr(0),
               ctx.out_ptr(0));
  return Status::ok();
}

Status resolve_avg_pool(OpCtx& ctx, AvgPoolWindow* p) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(0).shape;
  if (xs.size() != 3 && xs.size() != 4) return ctx.unsupported("only 1-D and 2-D pooling is supported");
  auto ks = n.attr_ints("kernel_shape");
  if (ks.size() != xs.size() - 2) return ctx.invalid("kernel_shape must have one entry per spatial dim");
  KILN_TRY(resolve_window(ctx, xs, ks, n.attr_int("ceil_mode", 0) != 0, &p->w));
  if (p->w.DH != 1 || p->w.DW != 1) return ctx.unsupported("dilations are not supported");
  p->planes = xs[0] * xs[1];
  p->include_pad = n.attr_int("count_include_pad", 0) != 0;
  return Status::ok();
}

int64_t avg_pool_divisor(const AvgPoolWindow& p, int64_t oh, int64_t ow) {
  const Window& k = p.w;
  const int64_t h0 = oh * k.SH - k.PT, w0 = ow * k.SW - k.PL;
  const int64_t lo_h = p.include_pad ? -k.PT : 0, hi_h = p.include_pad ? k.H + k.PB : k.H;
  const int64_t lo_w = p.include_pad ? -k.PL : 0, hi_w = p.include_pad ? k.W + k.PR : k.W;
  const int64_t dh = std::min(h0 + k.KH, hi_h) - std::max(h0, lo_h);
  const int64_t dw = std::min(w0 + k.KW, hi_w) - std::max(w0, lo_w);
  return dh * dw;
}

Status avg_pool_varying_count(OpCtx& ctx, const AvgPoolWindow& p, bool* var) {
  *var = false;
  const int64_t d0 = avg_pool_divisor(p, 0, 0);
  for (int64_t oh = 0; oh < p.w.OH; ++oh)
    for (int64_t ow = 0; ow < p.w.OW; ++ow) *var |= avg_pool_divisor(p, oh, ow) != d0;
  if (*var && p.include_pad) return ctx.unsupported("count_include_pad=1 with windows of different sizes (ceil_mode)");
  return Status::ok();
}

}  // namespace kiln
