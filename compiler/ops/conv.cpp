// Conv (opset 1..17): 1-D, 2-D and 3-D convolution, groups (incl. depthwise), pads,
// strides, dilations and auto_pad. Float32. A fused activation (passes/fuse_activations) is
// applied as each output is stored.
#include <cmath>

#include "compiler/ops/nn_util.h"
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

Status emit(OpCtx& ctx) {
  ConvGeom g;
  KILN_TRY(resolve(ctx, &g));
  const Window& k = g.w;
  std::string bias = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)";
  const int64_t in_batch = g.C * k.in_plane(), out_batch = g.M * k.out_plane();
  const bool three_d = ctx.in(0).shape.size() == 5;
  // A pointwise convolution is the matrix product W[M, C] . X[C, D*H*W]: the product kernel
  // streams whole rows of X instead of gathering one pixel per channel.
  const bool pointwise = k.taps() == 1 && k.SD == 1 && k.SH == 1 && k.SW == 1 && k.PF == 0 && k.PT == 0 &&
                         k.PL == 0 && k.out_plane() == k.in_plane() && g.G == 1;
  const bool inplace_pw = ctx.node().attr_int("kiln_inplace_pw", 0) != 0;  // see passes/inplace.cpp
  CsrWeights csr;  // zero-aware weights (compiler/ops/sparse_util.h)
  const bool sparse = pointwise && !inplace_pw && emit_csr_weights(ctx, ctx.node().name + "_w", ctx.in(1), g.M, &csr);
  if (!sparse) ctx.include(pointwise && !inplace_pw ? "kiln_linalg.h" : "kiln_conv.h");
  for (int64_t n = 0; n < g.N; ++n) {
    std::string xo = n ? fmt::format(" + {}", n * in_batch) : "";
    std::string yo = n ? fmt::format(" + {}", n * out_batch) : "";
    if (inplace_pw) {
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
    if (pointwise) {
      ctx.w().line("kiln::gemm_nn<{}, {}, {}, {}, 1, 1, 0>({}, {}{}, {}, 1.0f, 1.0f, {}{}, {});", g.M, k.in_plane(),
                   g.C, g.C, ctx.in_ptr(1), ctx.in_ptr(0), xo, bias, ctx.out_ptr(0), yo, fused_act_expr(ctx.node()));
      continue;
    }
    if (ctx.node().attr_int("kiln_inplace_dw", 0)) {  // see passes/inplace.cpp (2-D only)
      ctx.w().line("kiln::depthwise2d_inplace<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {});",
                   g.C, k.H, k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, ctx.out_ptr(0),
                   ctx.in_ptr(1), bias, ctx.scratch_ptr(DType::kFloat32), fused_act_expr(ctx.node()));
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

// In-place depthwise (passes/inplace.cpp) needs one output channel of scratch, in-place pointwise
// one block of input pixels.
int64_t scratch(OpCtx& ctx) {
  ConvGeom g;
  if (!resolve(ctx, &g)) return 0;
  if (ctx.node().attr_int("kiln_inplace_dw", 0)) return g.w.out_plane() * static_cast<int64_t>(sizeof(float));
  if (ctx.node().attr_int("kiln_inplace_pw", 0)) return g.C * kInplacePointwiseBlock * static_cast<int64_t>(sizeof(float));
  return 0;
}

}  // namespace

const OpDef kOp_Conv = {"Conv", 1, 17, infer, eval, emit, macs, scratch};

}  // namespace kiln
