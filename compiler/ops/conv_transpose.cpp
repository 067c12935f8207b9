// ConvTranspose (opset 1..17): 1-D and 2-D transposed convolution with groups, strides, pads,
// dilations, output_padding, output_shape and auto_pad. Float32. A fused activation
// (passes/fuse_activations) is applied to the finished outputs.
#include <vector>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

// Always 2-D (a 1-D transposed conv has H = KH = 1). W is [C, M/G, KH, KW].
struct ConvTGeom {
  int64_t N, C, M, G;
  int64_t H, W, KH, KW, SH, SW, DH, DW, PT, PL, OH, OW;
};

Status resolve(OpCtx& ctx, ConvTGeom* g) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(0).shape;
  const Shape& ws = ctx.in(1).shape;
  if (xs.size() != 3 && xs.size() != 4)
    return ctx.unsupported(fmt::format("{}-D transposed convolution is not supported (1-D and 2-D are)",
                                       static_cast<int64_t>(xs.size()) - 2));
  if (ws.size() != xs.size()) return ctx.invalid("W must have the same rank as X");
  const size_t sp = xs.size() - 2;
  g->G = n.attr_int("group", 1);
  g->N = xs[0];
  g->C = xs[1];
  if (g->G <= 0 || ws[0] != g->C || g->C % g->G)
    return ctx.invalid(fmt::format("W {} does not fit C={} and group={}", shape_str(ws), g->C, g->G));
  g->M = ws[1] * g->G;
  const Shape wk(ws.begin() + 2, ws.end());
  auto ks = n.attr_ints("kernel_shape", wk);
  auto strides = n.attr_ints("strides", std::vector<int64_t>(sp, 1));
  auto dil = n.attr_ints("dilations", std::vector<int64_t>(sp, 1));
  auto pads = n.attr_ints("pads", std::vector<int64_t>(2 * sp, 0));
  auto out_pad = n.attr_ints("output_padding", std::vector<int64_t>(sp, 0));
  auto out_shape = n.attr_ints("output_shape");
  if (out_shape.size() == sp + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (ks != wk) return ctx.invalid("kernel_shape does not match W");
  if (strides.size() != sp || dil.size() != sp || pads.size() != 2 * sp || out_pad.size() != sp ||
      (!out_shape.empty() && out_shape.size() != sp))
    return ctx.invalid("strides/dilations/pads/output_padding/output_shape do not match the input rank");
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID")
    return ctx.invalid(fmt::format("unknown auto_pad '{}'", auto_pad));
  const bool two = sp == 2;
  int64_t in[2] = {two ? xs[2] : 1, xs[sp + 1]}, k[2] = {two ? ks[0] : 1, ks[sp - 1]};
  int64_t s[2] = {two ? strides[0] : 1, strides[sp - 1]}, d[2] = {two ? dil[0] : 1, dil[sp - 1]};
  int64_t op[2] = {two ? out_pad[0] : 0, out_pad[sp - 1]};
  int64_t pb[2] = {two ? pads[0] : 0, pads[sp - 1]}, pe[2] = {two ? pads[2] : 0, pads[2 * sp - 1]};
  int64_t out[2];
  for (int i = 0; i < 2; ++i) {
    if (k[i] <= 0 || s[i] <= 0 || d[i] <= 0 || op[i] < 0 || pb[i] < 0 || pe[i] < 0)
      return ctx.invalid("kernel_shape, strides and dilations must be positive, pads non-negative");
    // The full (unpadded) output extent; pads crop it.
    const int64_t full = s[i] * (in[i] - 1) + op[i] + (k[i] - 1) * d[i] + 1;
    int64_t want = -1;
    if (!out_shape.empty()) {
      if (two || i == 1) want = out_shape[two ? i : 0];  // (a 1-D conv's H is not in output_shape)
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      want = in[i] * s[i];
    }
    if (want >= 0) {
      // As the ONNX spec and reference: an odd total pads more at the start unless SAME_UPPER; a
      // negative one (output_shape beyond the full result) extends the output with bias only.
      const int64_t total = full - want;
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);  // floor(total / 2)
      pb[i] = auto_pad == "SAME_UPPER" ? half : total - half;
      pe[i] = total - pb[i];
    } else if (auto_pad == "VALID") {
      pb[i] = pe[i] = 0;
    }
    out[i] = full - pb[i] - pe[i];
    if (out[i] <= 0) return ctx.invalid("the pads remove the whole output");
  }
  *g = ConvTGeom{g->N, g->C, g->M, g->G, in[0], in[1], k[0], k[1], s[0], s[1],
                 d[0], d[1], pb[0], pb[1], out[0], out[1]};
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (ctx.has_input(i) && ctx.in(i).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(i).dtype);
  ConvTGeom g;
  KILN_TRY(resolve(ctx, &g));
  if (ctx.has_input(2) && ctx.in(2).numel() != g.M) return ctx.invalid("B must have M elements");
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = ctx.in(0).shape.size() == 4 ? Shape{g.N, g.M, g.OH, g.OW} : Shape{g.N, g.M, g.OW};
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  ConvTGeom g;
  KILN_TRY(resolve(ctx, &g));
  const float* x = ctx.in(0).as<float>();
  const float* w = ctx.in(1).as<float>();
  const float* b = ctx.has_input(2) ? ctx.in(2).as<float>() : nullptr;
  const int64_t CG = g.C / g.G, MG = g.M / g.G;
  std::vector<double> acc(static_cast<size_t>(ctx.out(0).numel()), 0.0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t ih = 0; ih < g.H; ++ih)
        for (int64_t iw = 0; iw < g.W; ++iw)
          for (int64_t mm = 0; mm < MG; ++mm)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                int64_t oh = ih * g.SH - g.PT + kh * g.DH, ow = iw * g.SW - g.PL + kw * g.DW;
                if (oh < 0 || oh >= g.OH || ow < 0 || ow >= g.OW) continue;
                int64_t m = (c / CG) * MG + mm;
                acc[static_cast<size_t>(((n * g.M + m) * g.OH + oh) * g.OW + ow)] +=
                    static_cast<double>(x[((n * g.C + c) * g.H + ih) * g.W + iw]) *
                    w[((c * MG + mm) * g.KH + kh) * g.KW + kw];
              }
  float* y = ctx.out(0).as_mut<float>();
  const int64_t plane = g.OH * g.OW;
  for (int64_t i = 0; i < ctx.out(0).numel(); ++i)
    y[i] = apply_fused_act(ctx.node(), static_cast<float>(acc[static_cast<size_t>(i)] + (b ? b[(i / plane) % g.M] : 0.0)));
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  ConvTGeom g;
  KILN_TRY(resolve(ctx, &g));
  ctx.include("kiln_conv.h");
  std::string bias = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)";
  const int64_t in_batch = g.C * g.H * g.W, out_batch = g.M * g.OH * g.OW;
  for (int64_t n = 0; n < g.N; ++n) {
    std::string xo = n ? fmt::format(" + {}", n * in_batch) : "";
    std::string yo = n ? fmt::format(" + {}", n * out_batch) : "";
    ctx.w().line("kiln::conv_transpose2d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}{}, {});",
                 g.C, g.H, g.W, g.M, g.KH, g.KW, g.OH, g.OW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.G,
                 ctx.in_ptr(0), xo, ctx.in_ptr(1), bias, ctx.out_ptr(0), yo, fused_act_expr(ctx.node()));
  }
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  ConvTGeom g;
  if (!resolve(ctx, &g)) return 0;
  return g.N * g.C * g.H * g.W * (g.M / g.G) * g.KH * g.KW;
}

}  // namespace

const OpDef kOp_ConvTranspose = {"ConvTranspose", 1, 17, infer, eval, emit, macs};

}  // namespace kiln
