// Conv (opset 1..17): N-D convolution for 1-D and 2-D inputs, groups (incl. depthwise), pads,
// strides, dilations and auto_pad. Float32. A fused activation (passes/fuse_activations) is
// applied as each output is stored.
#include <cmath>

#include "compiler/ops/op.h"

namespace kiln {

namespace {

// Attributes resolved against the input shape, always as 2-D (a 1-D conv has H = KH = 1).
struct ConvGeom {
  int64_t N, C, H, W, M, KH, KW, OH, OW, SH, SW, DH, DW, PT, PL, PB, PR, G;
};

Status resolve(OpCtx& ctx, ConvGeom* g) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(0).shape;
  const Shape& ws = ctx.in(1).shape;
  if (xs.size() != 3 && xs.size() != 4)
    return ctx.unsupported(fmt::format("{}-D convolution is not supported (1-D and 2-D are)", xs.size() - 2));
  if (ws.size() != xs.size()) return ctx.invalid("W must have the same rank as X");
  const size_t sp = xs.size() - 2;
  auto ks = n.attr_ints("kernel_shape", Shape(ws.begin() + 2, ws.end()));
  auto strides = n.attr_ints("strides", std::vector<int64_t>(sp, 1));
  auto dil = n.attr_ints("dilations", std::vector<int64_t>(sp, 1));
  auto pads = n.attr_ints("pads", std::vector<int64_t>(2 * sp, 0));
  if (ks.size() != sp || strides.size() != sp || dil.size() != sp || pads.size() != 2 * sp)
    return ctx.invalid("kernel_shape/strides/dilations/pads do not match the input rank");
  g->G = n.attr_int("group", 1);
  g->N = xs[0];
  g->C = xs[1];
  g->M = ws[0];
  if (g->G <= 0 || g->C % g->G || g->M % g->G || ws[1] * g->G != g->C)
    return ctx.invalid(fmt::format("group={} does not divide C={} / M={} (W has {} input channels)", g->G, g->C, g->M, ws[1]));
  bool two = sp == 2;
  g->H = two ? xs[2] : 1;
  g->W = xs[sp + 1];
  g->KH = two ? ks[0] : 1;
  g->KW = ks[sp - 1];
  g->SH = two ? strides[0] : 1;
  g->SW = strides[sp - 1];
  g->DH = two ? dil[0] : 1;
  g->DW = dil[sp - 1];
  std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  int64_t in[2] = {g->H, g->W}, k[2] = {g->KH, g->KW}, s[2] = {g->SH, g->SW}, d[2] = {g->DH, g->DW};
  int64_t pb[2] = {two ? pads[0] : 0, pads[sp - 1]};
  int64_t pe[2] = {two ? pads[2] : 0, pads[2 * sp - 1]};
  int64_t out[2];
  for (int i = 0; i < 2; ++i) {
    int64_t ek = (k[i] - 1) * d[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out[i] = (in[i] + s[i] - 1) / s[i];
      int64_t total = std::max<int64_t>(0, (out[i] - 1) * s[i] + ek - in[i]);
      pb[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe[i] = total - pb[i];
    } else if (auto_pad == "VALID") {
      pb[i] = pe[i] = 0;
      out[i] = (in[i] - ek) / s[i] + 1;
    } else if (auto_pad == "NOTSET") {
      out[i] = (in[i] + pb[i] + pe[i] - ek) / s[i] + 1;
    } else {
      return ctx.invalid(fmt::format("unknown auto_pad '{}'", auto_pad));
    }
    if (out[i] <= 0) return ctx.invalid("the kernel is larger than the padded input");
  }
  g->PT = pb[0];
  g->PL = pb[1];
  g->PB = pe[0];
  g->PR = pe[1];
  g->OH = out[0];
  g->OW = out[1];
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kFloat32 || ctx.in(1).dtype != DType::kFloat32)
    return ctx.unsupported_type(ctx.in(0).dtype);
  ConvGeom g;
  KILN_TRY(resolve(ctx, &g));
  if (ctx.has_input(2) && ctx.in(2).numel() != g.M) return ctx.invalid("B must have M elements");
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = ctx.in(0).shape.size() == 4 ? Shape{g.N, g.M, g.OH, g.OW} : Shape{g.N, g.M, g.OW};
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  ConvGeom g;
  KILN_TRY(resolve(ctx, &g));
  const float* x = ctx.in(0).as<float>();
  const float* w = ctx.in(1).as<float>();
  const float* b = ctx.has_input(2) ? ctx.in(2).as<float>() : nullptr;
  float* y = ctx.out(0).as_mut<float>();
  const int64_t CG = g.C / g.G, MG = g.M / g.G;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t m = 0; m < g.M; ++m)
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          double acc = b ? b[m] : 0.0;
          for (int64_t c = 0; c < CG; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                int64_t ih = oh * g.SH - g.PT + kh * g.DH, iw = ow * g.SW - g.PL + kw * g.DW;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                int64_t ci = (m / MG) * CG + c;
                acc += static_cast<double>(x[((n * g.C + ci) * g.H + ih) * g.W + iw]) *
                       w[((m * CG + c) * g.KH + kh) * g.KW + kw];
              }
          y[((n * g.M + m) * g.OH + oh) * g.OW + ow] = apply_fused_act(ctx.node(), static_cast<float>(acc));
        }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  ConvGeom g;
  KILN_TRY(resolve(ctx, &g));
  ctx.include("kiln_conv.h");
  std::string bias = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)";
  const int64_t in_batch = g.C * g.H * g.W, out_batch = g.M * g.OH * g.OW;
  for (int64_t n = 0; n < g.N; ++n) {
    std::string xo = n ? fmt::format(" + {}", n * in_batch) : "";
    std::string yo = n ? fmt::format(" + {}", n * out_batch) : "";
    ctx.w().line("kiln::conv2d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}{}, {});",
                 g.C, g.H, g.W, g.M, g.KH, g.KW, g.OH, g.OW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.G,
                 ctx.in_ptr(0), xo, ctx.in_ptr(1), bias, ctx.out_ptr(0), yo, fused_act_expr(ctx.node()));
  }
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  ConvGeom g;
  if (!resolve(ctx, &g)) return 0;
  return g.N * g.M * g.OH * g.OW * (g.C / g.G) * g.KH * g.KW;
}

}  // namespace

const OpDef kOp_Conv = {"Conv", 1, 17, infer, eval, emit, macs};

}  // namespace kiln
