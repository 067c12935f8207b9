// ConvTranspose (opset 1..17): 1-D, 2-D and 3-D transposed convolution with groups, strides,
// pads, dilations, output_padding, output_shape and auto_pad. Float32. A fused activation
// (passes/fuse_activations) is applied to the finished outputs.
#include <vector>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

// Always 3-D (missing leading spatial dims have extent 1, as in Window). W is [C, M/G, KD, KH, KW].
struct ConvTGeom {
  int64_t N, C, M, G;
  int64_t D, H, W, KD, KH, KW, SD, SH, SW, DD, DH, DW, PF, PT, PL, OD, OH, OW;
};

Status resolve(OpCtx& ctx, ConvTGeom* g) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(0).shape;
  const Shape& ws = ctx.in(1).shape;
  if (xs.size() < 3 || xs.size() > 5)
    return ctx.unsupported(fmt::format("{}-D transposed convolution is not supported (1-D, 2-D and 3-D are)",
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
  // Dim i of the 3-D geometry is spatial dim i - lead of the input; the leading ones are unit dims.
  const size_t lead = 3 - sp;
  int64_t in[3], k[3], s[3], d[3], pb[3], out[3];
  for (size_t i = 0; i < 3; ++i) {
    if (i < lead) {
      in[i] = k[i] = s[i] = d[i] = out[i] = 1;
      pb[i] = 0;
      continue;
    }
    const size_t j = i - lead;
    in[i] = xs[2 + j];
    k[i] = ks[j];
    s[i] = strides[j];
    d[i] = dil[j];
    pb[i] = pads[j];
    int64_t pe = pads[sp + j];
    if (k[i] <= 0 || s[i] <= 0 || d[i] <= 0 || out_pad[j] < 0 || pb[i] < 0 || pe < 0)
      return ctx.invalid("kernel_shape, strides and dilations must be positive, pads non-negative");
    // The full (unpadded) output extent; pads crop it.
    const int64_t full = s[i] * (in[i] - 1) + out_pad[j] + (k[i] - 1) * d[i] + 1;
    int64_t want = -1;
    if (!out_shape.empty()) {
      want = out_shape[j];
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      want = in[i] * s[i];
    }
    if (want >= 0) {
      // As the ONNX spec and reference: an odd total pads more at the start unless SAME_UPPER; a
      // negative one (output_shape beyond the full result) extends the output with bias only.
      const int64_t total = full - want;
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);  // floor(total / 2)
      pb[i] = auto_pad == "SAME_UPPER" ? half : total - half;
      pe = total - pb[i];
    } else if (auto_pad == "VALID") {
      pb[i] = pe = 0;
    }
    out[i] = full - pb[i] - pe;
    if (out[i] <= 0) return ctx.invalid("the pads remove the whole output");
  }
  *g = ConvTGeom{g->N, g->C, g->M, g->G, in[0], in[1], in[2], k[0], k[1], k[2], s[0], s[1], s[2],
                 d[0], d[1], d[2], pb[0], pb[1], pb[2], out[0], out[1], out[2]};
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
  const int64_t out[3] = {g.OD, g.OH, g.OW};
  y.shape = {g.N, g.M};
  for (size_t i = 5 - ctx.in(0).shape.size(); i < 3; ++i) y.shape.push_back(out[i]);
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
  const int64_t in_plane = g.D * g.H * g.W, plane = g.OD * g.OH * g.OW;
  std::vector<double> acc(static_cast<size_t>(ctx.out(0).numel()), 0.0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t i = 0; i < in_plane; ++i) {
        const int64_t id = i / (g.H * g.W), ih = i / g.W % g.H, iw = i % g.W;
        for (int64_t mm = 0; mm < MG; ++mm)
          for (int64_t kd = 0; kd < g.KD; ++kd)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                int64_t od = id * g.SD - g.PF + kd * g.DD, oh = ih * g.SH - g.PT + kh * g.DH,
                        ow = iw * g.SW - g.PL + kw * g.DW;
                if (od < 0 || od >= g.OD || oh < 0 || oh >= g.OH || ow < 0 || ow >= g.OW) continue;
                int64_t m = (c / CG) * MG + mm;
                acc[static_cast<size_t>((n * g.M + m) * plane + (od * g.OH + oh) * g.OW + ow)] +=
                    static_cast<double>(x[(n * g.C + c) * in_plane + i]) *
                    w[(((c * MG + mm) * g.KD + kd) * g.KH + kh) * g.KW + kw];
              }
      }
  float* y = ctx.out(0).as_mut<float>();
  for (int64_t i = 0; i < ctx.out(0).numel(); ++i)
    y[i] = apply_fused_act(ctx.node(), static_cast<float>(acc[static_cast<size_t>(i)] + (b ? b[(i / plane) % g.M] : 0.0)));
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  ConvTGeom g;
  KILN_TRY(resolve(ctx, &g));
  ctx.include("kiln_conv.h");
  std::string bias = ctx.has_input(2) ? ctx.in_ptr(2) : "static_cast<const float*>(nullptr)";
  const int64_t in_batch = g.C * g.D * g.H * g.W, out_batch = g.M * g.OD * g.OH * g.OW;
  for (int64_t n = 0; n < g.N; ++n) {
    std::string xo = n ? fmt::format(" + {}", n * in_batch) : "";
    std::string yo = n ? fmt::format(" + {}", n * out_batch) : "";
    if (ctx.in(0).shape.size() == 5) {
      ctx.w().line("kiln::conv_transpose3d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
                   "{}, {}>({}{}, {}, {}, {}{}, {});",
                   g.C, g.D, g.H, g.W, g.M, g.KD, g.KH, g.KW, g.OD, g.OH, g.OW, g.SD, g.SH, g.SW, g.PF, g.PT, g.PL,
                   g.DD, g.DH, g.DW, g.G, ctx.in_ptr(0), xo, ctx.in_ptr(1), bias, ctx.out_ptr(0), yo,
                   fused_act_expr(ctx.node()));
      continue;
    }
    ctx.w().line("kiln::conv_transpose2d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}{}, {});",
                 g.C, g.H, g.W, g.M, g.KH, g.KW, g.OH, g.OW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.G,
                 ctx.in_ptr(0), xo, ctx.in_ptr(1), bias, ctx.out_ptr(0), yo, fused_act_expr(ctx.node()));
  }
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  ConvTGeom g;
  if (!resolve(ctx, &g)) return 0;
  return g.N * g.C * g.D * g.H * g.W * (g.M / g.G) * g.KD * g.KH * g.KW;
}

}  // namespace

const OpDef kOp_ConvTranspose = {"ConvTranspose", 1, 17, infer, eval, emit, macs};

}  // namespace kiln
