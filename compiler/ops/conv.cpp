// Conv (opset 1..17): 1-D, 2-D and 3-D convolution, groups (incl. depthwise), pads,
// strides, dilations and auto_pad. Float32. A fused activation (passes/fuse_activations) is
// applied as each output is stored.
#include <cmath>

#include "compiler/ops/nn_util.h"
#include "compiler/ops/simd_util.h"
#include "compiler/ops/sparse_util.h"

namespace kiln {

namespace {

// Attributes resolved against the input shape, always as 3-D (see Window).
struct ConvGeom {
  int64_t N, C, M, G;
  Window w;
};

Status resolve(OpCtx& ctx, ConvGeom* g) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(0).shape;
  const Shape& ws = ctx.in(1).shape;
  if (xs.size() < 3 || xs.size() > 5)
    return ctx.unsupported(fmt::format("{}-D convolution is not supported (1-D, 2-D and 3-D are)",
                                       static_cast<int64_t>(xs.size()) - 2));
  if (ws.size() != xs.size()) return ctx.invalid("W must have the same rank as X");
  g->G = n.attr_int("group", 1);
  g->N = xs[0];
  g->C = xs[1];
  g->M = ws[0];
  if (g->G <= 0 || g->C % g->G || g->M % g->G || ws[1] * g->G != g->C)
    return ctx.invalid(fmt::format("group={} does not divide C={} / M={} (W has {} input channels)", g->G, g->C, g->M, ws[1]));
  auto ks = n.attr_ints("kernel_shape", Shape(ws.begin() + 2, ws.end()));
  if (ks != Shape(ws.begin() + 2, ws.end())) return ctx.invalid("kernel_shape does not match W");
  return resolve_window(ctx, xs, ks, false, &g->w);
}

Status infer(OpCtx& ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (ctx.has_input(i) && ctx.in(i).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(i).dtype);
  ConvGeom g;
  KILN_TRY(resolve(ctx, &g));
  if (ctx.has_input(2) && ctx.in(2).numel() != g.M) return ctx.invalid("B must have M elements");
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = window_out_shape(ctx.in(0).shape, g.M, g.w);
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  ConvGeom g;
  KILN_TRY(resolve(ctx, &g));
  const Window& k = g.w;
  const float* x = ctx.in(0).as<float>();
  const float* w = ctx.in(1).as<float>();
  const float* b = ctx.has_input(2) ? ctx.in(2).as<float>() : nullptr;
  float* y = ctx.out(0).as_mut<float>();
  const int64_t CG = g.C / g.G, MG = g.M / g.G;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t m = 0; m < g.M; ++m)
      for (int64_t od = 0; od < k.OD; ++od)
        for (int64_t oh = 0; oh < k.OH; ++oh)
          for (int64_t ow = 0; ow < k.OW; ++ow) {
            double acc = b ? b[m] : 0.0;
            for (int64_t c = 0; c < CG; ++c)
              for (int64_t kd = 0; kd < k.KD; ++kd)
                for (int64_t kh = 0; kh < k.KH; ++kh)
                  for (int64_t kw = 0; kw < k.KW; ++kw) {
                    int64_t id = od * k.SD - k.PF + kd * k.DD, ih = oh * k.SH - k.PT + kh * k.DH,
                            iw = ow * k.SW - k.PL + kw * k.DW;
                    if (id < 0 || id >= k.D || ih < 0 || ih >= k.H || iw < 0 || iw >= k.W) continue;
                    int64_t ci = (m / MG) * CG + c;
                    acc += static_cast<double>(x[(n * g.C + ci) * k.in_plane() + k.in_at(id, ih, iw)]) *
                           w[((m * CG + c) * k.KD + kd) * k.KH * k.KW + kh * k.KW + kw];
                  }
            y[(n * g.M + m) * k.out_plane() + k.out_at(od, oh, ow)] =
                apply_fused_act(ctx.node(), static_cast<float>(acc));
          }
  return Status::ok();
}

// The pointwise condition: a 1x1 kernel, no stride, no pad, one group (the product W . X).
bool is_pointwise(const ConvGeom& g) {
  const Window& k = g.w;
  return k.taps() == 1 && k.SD == 1 && k.SH == 1 && k.SW == 1 && k.PF == 0 && k.PT == 0 && k.PL == 0 &&
         k.out_plane() == k.in_plane() && g.G == 1;
}

// Floats of conv2d_blocked's row buffer: the C * KH input rows of one output row, padded.
int64_t row_buffer_floats(const ConvGeom& g) {
  const Window& k = g.w;
  return g.C * k.KH * ((k.OW - 1) * k.SW + (k.KW - 1) * k.DW + 1);
}

// Outputs along one dim whose window lies inside the input (as runtime conv_inner_begin/end).
int64_t inner_outputs(int64_t n, int64_t k, int64_t s, int64_t p, int64_t d, int64_t o) {
  const int64_t begin = p <= 0 ? 0 : (p + s - 1) / s;
  const int64_t last = n - 1 - (k - 1) * d + p;
  const int64_t end = last < 0 ? 0 : std::min(last / s + 1, o);
  return std::max<int64_t>(0, end - begin);
}

// Floats of depthwise2d_padded's plane: the padded input span of one channel.
int64_t padded_plane_floats(const Window& k) {
  return ((k.OH - 1) * k.SH + (k.KH - 1) * k.DH + 1) * ((k.OW - 1) * k.SW + (k.KW - 1) * k.DW + 1);
}

// The register-blocked float kernels (runtime/kiln_conv_blocked.h), where the target has an FPU:
// "pointwise", "depthwise", "depthwise_padded", "rows" (a one-group 2-D convolution, through a
// row buffer when the arena has room for it), or "" for the plain kernels.
std::string blocked_variant(const OpCtx& ctx, const ConvGeom& g) {
  if (!ctx.has_target() || !use_blocked_float(ctx.target()) || ctx.in(0).shape.size() == 5) return "";
  if (is_pointwise(g)) return "pointwise";
  if (g.G == g.C && g.G == g.M) {
    // Small images, where more than a quarter of the outputs touch the padding, copy each channel
    // into a zero-padded plane first; larger ones run their border outputs checked.
    const Window& k = g.w;
    const int64_t inner = inner_outputs(k.H, k.KH, k.SH, k.PT, k.DH, k.OH) * inner_outputs(k.W, k.KW, k.SW, k.PL, k.DW, k.OW);
    // In place, the plane replaces the one-channel temporary: taken when not much larger.
    const bool inplace = ctx.node().attr_int("kiln_inplace_dw", 0) != 0;
    if (4 * inner < 3 * k.OH * k.OW || (inplace && 4 * padded_plane_floats(k) <= 5 * k.OH * k.OW))
      return "depthwise_padded";
    return "depthwise";
  }
  if (g.G == 1) return "rows";
  return "";
}

// Emits the blocked kernel call for batch n; false when the node keeps the plain kernels.
bool emit_blocked(OpCtx& ctx, const ConvGeom& g, const std::string& xo, const std::string& yo,
                  std::string* packed) {
  std::string v = blocked_variant(ctx, g);
  if (v.empty()) return false;
  // The row buffer is optional planned scratch (see scratch()): without it the direct variant runs.
  const bool row_buffer = ctx.node().attr_int("kiln_scratch_bytes", 0) >= row_buffer_floats(g) * 4;
  const bool plane = ctx.node().attr_int("kiln_scratch_bytes", 0) >= padded_plane_floats(g.w) * 4;
  if (v == "depthwise_padded" && !plane) {
    if (ctx.node().attr_int("kiln_inplace_dw", 0)) return false;
    v = "depthwise";  // the plane was optional (see scratch()) and dropped
  }
  const Window& k = g.w;
  include_blocked(ctx);
  const Tensor& w = ctx.in(1);
  if ((v == "pointwise" || v == "rows") && packed->empty())
    *packed = ctx.add_const(w.name + "_p4", pack_rows4(w, g.M, w.name + " (rows packed by 4)"));
  std::string bias = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)";
  std::string act = blocked_act_expr(ctx.node());
  if (v == "pointwise") {
    ctx.w().line("kiln::pointwise_blocked<{}, {}, {}>({}{}, {}, {}, {}{}, {});", g.M, g.C, k.in_plane(),
                 ctx.in_ptr(0), xo, *packed, bias, ctx.out_ptr(0), yo, act);
  } else if (v == "depthwise_padded") {
    // In place too: y = x (see passes/inplace.cpp); the plane is the only temporary.
    const bool inplace = ctx.node().attr_int("kiln_inplace_dw", 0) != 0;
    ctx.w().line("kiln::depthwise2d_padded<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, {});",
                 g.C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW,
                 inplace ? ctx.out_ptr(0) : ctx.in_ptr(0), xo, ctx.in_ptr(1), bias, ctx.scratch_ptr(DType::kFloat32),
                 ctx.out_ptr(0), yo, act);
  } else if (v == "depthwise") {
    ctx.w().line("kiln::depthwise2d_blocked<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}{}, {});",
                 g.C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(0), xo,
                 ctx.in_ptr(1), bias, ctx.out_ptr(0), yo, act);
  } else if (!row_buffer) {
    ctx.w().line("kiln::conv2d_blocked_direct<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}{}, {});",
                 g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(0),
                 xo, *packed, bias, ctx.out_ptr(0), yo, act);
  } else {
    ctx.w().line("kiln::conv2d_blocked<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}{}, {});",
                 g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.in_ptr(0),
                 xo, *packed, bias, ctx.scratch_ptr(DType::kFloat32), ctx.out_ptr(0), yo, act);
  }
  return true;
}

Status emit(OpCtx& ctx) {
  ConvGeom g;
  KILN_TRY(resolve(ctx, &g));
  const Window& k = g.w;
  std::string bias = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)";
  const int64_t in_batch = g.C * k.in_plane(), out_batch = g.M * k.out_plane();
  const bool three_d = ctx.in(0).shape.size() == 5;
  // A pointwise convolution is the matrix product W[M, C] . X[C, D*H*W]: the product kernel
  // streams whole rows of X instead of gathering one pixel per channel.
  const bool pointwise = is_pointwise(g);
  const bool inplace_pw = ctx.node().attr_int("kiln_inplace_pw", 0) != 0;  // see passes/inplace.cpp
  // Zero-aware weights (compiler/ops/sparse_util.h) where the cost model picks them, before the
  // blocked kernels: at the densities it accepts, skipping zeros beats blocking the dense product.
  CsrWeights csr;
  const bool sparse = pointwise && !inplace_pw && emit_csr_weights(ctx, ctx.node().name + "_w", ctx.in(1), g.M, &csr);
  std::string packed;  // the weights packed for the blocked kernels, once for every batch
  for (int64_t n = 0; n < g.N; ++n) {
    std::string xo = n ? fmt::format(" + {}", n * in_batch) : "";
    std::string yo = n ? fmt::format(" + {}", n * out_batch) : "";
    if (!sparse && emit_conv_simd(ctx, g.C, g.M, g.G, k, xo, yo, &packed)) continue;  // SIMD targets
    if (inplace_pw && blocked_variant(ctx, g) == "pointwise") {  // the blocked tiles on gathered blocks
      include_blocked(ctx);
      const Tensor& w = ctx.in(1);
      if (packed.empty()) packed = ctx.add_const(w.name + "_p4", pack_rows4(w, g.M, w.name + " (rows packed by 4)"));
      ctx.w().line("kiln::pointwise_blocked_inplace<{}, {}, {}, {}>({}, {}, {}, {}, {}, {});", g.M, g.C, k.H * k.W,
                   kInplacePointwiseBlock, ctx.in_ptr(0), packed, bias, ctx.out_ptr(0), ctx.scratch_ptr(DType::kFloat32),
                   blocked_act_expr(ctx.node()));
      continue;
    }
    if (inplace_pw) {  // pointwise_blocked is not in-place safe: this one gathers each block first
      ctx.include("kiln_conv.h");
      ctx.w().line("kiln::pointwise_inplace<{}, {}, {}, {}>({}, {}, {}, {}, {}, {});", g.C, k.H * k.W, g.M,
                   kInplacePointwiseBlock, ctx.in_ptr(0), ctx.out_ptr(0), ctx.in_ptr(1), bias,
                   ctx.scratch_ptr(DType::kFloat32), fused_act_expr(ctx.node()));
      continue;
    }
    if (sparse) {
      ctx.w().line("kiln::conv_pointwise_csr<{}, {}, {}>({}{}, {}, {}, {}, {}, {}{}, {});", g.C, k.H * k.W, g.M,
                   ctx.in_ptr(0), xo, csr.vals, csr.cols, csr.rows, bias, ctx.out_ptr(0), yo, fused_act_expr(ctx.node()));
      continue;
    }
    if ((!ctx.node().attr_int("kiln_inplace_dw", 0) || blocked_variant(ctx, g) == "depthwise_padded") &&
        emit_blocked(ctx, g, xo, yo, &packed))
      continue;
    ctx.include(pointwise ? "kiln_linalg.h" : "kiln_conv.h");
    if (pointwise) {
      ctx.w().line("kiln::gemm_nn<{}, {}, {}, {}, 1, 1, 0>({}, {}{}, {}, 1.0f, 1.0f, {}{}, {});", g.M, k.in_plane(),
                   g.C, g.C, ctx.in_ptr(1), ctx.in_ptr(0), xo, bias, ctx.out_ptr(0), yo, fused_act_expr(ctx.node()));
      continue;
    }
    if (ctx.node().attr_int("kiln_inplace_dw", 0)) {  // see passes/inplace.cpp (2-D only)
      if (blocked_variant(ctx, g) == "depthwise") include_blocked(ctx);
      ctx.w().line("kiln::depthwise2d{}_inplace<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {});",
                   blocked_variant(ctx, g) == "depthwise" ? "_blocked" : "", g.C, k.H, k.W, k.KH, k.KW, k.OH,
                   k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.out_ptr(0), ctx.in_ptr(1), bias, ctx.scratch_ptr(DType::kFloat32),
                   blocked_variant(ctx, g) == "depthwise" ? blocked_act_expr(ctx.node()) : fused_act_expr(ctx.node()));
      continue;
    }
    if (three_d) {
      ctx.w().line("kiln::conv3d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>"
                   "({}{}, {}, {}, {}{}, {});",
                   g.C, k.D, k.H, k.W, g.M, k.KD, k.KH, k.KW, k.OD, k.OH, k.OW, k.SD, k.SH, k.SW, k.PF, k.PT, k.PL,
                   k.DD, k.DH, k.DW, g.G, ctx.in_ptr(0), xo, ctx.in_ptr(1), bias, ctx.out_ptr(0), yo,
                   fused_act_expr(ctx.node()));
      continue;
    }
    ctx.w().line("kiln::conv2d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}{}, {});",
                 g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, g.G,
                 ctx.in_ptr(0), xo, ctx.in_ptr(1), bias, ctx.out_ptr(0), yo, fused_act_expr(ctx.node()));
  }
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  ConvGeom g;
  if (!resolve(ctx, &g)) return 0;
  return g.N * g.M * g.w.out_plane() * (g.C / g.G) * g.w.taps();
}

// In-place pointwise (passes/inplace.cpp) needs one block of input pixels of scratch, in-place
// depthwise one output channel, the blocked
// convolution its row buffer, the padded depthwise (in place or not) its plane.
int64_t scratch(OpCtx& ctx) {
  ConvGeom g;
  if (!resolve(ctx, &g)) return 0;
  const int64_t simd = conv_simd_scratch(ctx, g.C, g.M, g.G, g.w);
  if (simd >= 0) return simd;
  if (ctx.node().attr_int("kiln_inplace_pw", 0)) return g.C * kInplacePointwiseBlock * static_cast<int64_t>(sizeof(float));
  const std::string v = blocked_variant(ctx, g);
  if (v == "depthwise_padded") {
    // Optional out of place (depthwise2d_blocked needs none); in place it replaces the temporary.
    if (!ctx.node().attr_int("kiln_inplace_dw", 0)) ctx.node().set_int("kiln_scratch_optional", 1);
    return padded_plane_floats(g.w) * static_cast<int64_t>(sizeof(float));
  }
  if (ctx.node().attr_int("kiln_inplace_dw", 0)) return g.w.out_plane() * static_cast<int64_t>(sizeof(float));
  if (v == "rows") {
    // Optional: plan-memory drops it where it would raise the arena (the direct variant runs).
    ctx.node().set_int("kiln_scratch_optional", 1);
    return row_buffer_floats(g) * static_cast<int64_t>(sizeof(float));
  }
  return 0;
}

}  // namespace

const OpDef kOp_Conv = {"Conv", 1, 17, infer, eval, emit, macs, scratch};

}  // namespace kiln
