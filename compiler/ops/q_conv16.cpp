// kiln.QConv16 (kiln's own op, domain "kiln"): convolution of int16 X (zero point 0) with int8 W
// (zero point 0; scale per tensor or per output channel) plus an optional int32 or int64 bias at
// x_scale * w_scale, requantized to int16 at y_scale (TFLite's 16x8 Conv). Inputs: X, x_scale,
// W, w_scale, y_scale, B. Geometry as Conv, 1-D and 2-D: group (depthwise), pads, strides,
// dilations, auto_pad. Accumulates in int64; a fused Relu/Clip (kiln_act) narrows the clamp.
// passes/fold_qdq makes it from DQ(int16) -> Conv -> Q(int16) (runtime/kiln_int16.h qconv16).
#include "compiler/ops/nn_util.h"
#include "compiler/ops/qint16.h"

namespace kiln {
namespace {

struct Geom {
  int64_t N, C, M, G;
  Window w;
  float sx, sy;
  std::vector<QuantMultiplier> mult;  // per output channel
};

Status resolve(OpCtx& ctx, Geom* g) {
  const Node& n = ctx.node();
  const Shape& xs = ctx.in(0).shape;
  const Shape& ws = ctx.in(2).shape;
  if (xs.size() != 3 && xs.size() != 4) return ctx.unsupported("only 1-D and 2-D int16 convolution is supported");
  if (ws.size() != xs.size()) return ctx.invalid("W must have the same rank as X");
  g->G = n.attr_int("group", 1);
  g->N = xs[0];
  g->C = xs[1];
  g->M = ws[0];
  if (g->G <= 0 || g->C % g->G || g->M % g->G || ws[1] * g->G != g->C)
    return ctx.invalid(fmt::format("group={} does not divide C={} / M={}", g->G, g->C, g->M));
  auto ks = n.attr_ints("kernel_shape", Shape(ws.begin() + 2, ws.end()));
  if (ks != Shape(ws.begin() + 2, ws.end())) return ctx.invalid("kernel_shape does not match W");
  KILN_TRY(resolve_window(ctx, xs, ks, false, &g->w));
  return weighted_multipliers16(ctx, g->M, &g->sx, &g->sy, &g->mult);
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kInt16) return ctx.unsupported_type(ctx.in(0).dtype);
  if (ctx.in(2).dtype != DType::kInt8 || !ctx.in(2).is_const) return ctx.invalid("W must be a constant int8 tensor");
  Geom g;
  KILN_TRY(resolve(ctx, &g));
  KILN_TRY(check_bias16(ctx, 5, g.M));
  set_output16(ctx, window_out_shape(ctx.in(0).shape, g.M, g.w), g.sy);
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Geom g;
  KILN_TRY(resolve(ctx, &g));
  const Window& k = g.w;
  const Tensor& x = ctx.in(0);
  const int8_t* w = ctx.in(2).as<int8_t>();
  int16_t* y = ctx.out(0).as_mut<int16_t>();
  int32_t lo, hi;
  quant_output_range(ctx.node(), DType::kInt16, g.sy, 0, &lo, &hi);
  const int64_t CG = g.C / g.G, MG = g.M / g.G;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t m = 0; m < g.M; ++m)
      for (int64_t oh = 0; oh < k.OH; ++oh)
        for (int64_t ow = 0; ow < k.OW; ++ow) {
          int64_t acc = ctx.has_input(5) ? ctx.in(5).int_at(m) : 0;
          for (int64_t c = 0; c < CG; ++c)
            for (int64_t kh = 0; kh < k.KH; ++kh)
              for (int64_t kw = 0; kw < k.KW; ++kw) {
                const int64_t ih = oh * k.SH - k.PT + kh * k.DH, iw = ow * k.SW - k.PL + kw * k.DW;
                if (ih < 0 || ih >= k.H || iw < 0 || iw >= k.W) continue;  // padding: zero
                const int64_t ci = (m / MG) * CG + c;
                acc += x.int_at(((n * g.C + ci) * k.H + ih) * k.W + iw) * w[((m * CG + c) * k.KH + kh) * k.KW + kw];
              }
          y[((n * g.M + m) * k.OH + oh) * k.OW + ow] = clamp16(requant16(acc, g.mult[static_cast<size_t>(m)]), lo, hi);
        }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Geom g;
  KILN_TRY(resolve(ctx, &g));
  const Window& k = g.w;
  include_int16(ctx);
  int32_t lo, hi;
  quant_output_range(ctx.node(), DType::kInt16, g.sy, 0, &lo, &hi);
  const std::string mults = emit_multipliers16(ctx, g.mult);
  const std::string bias = bias_arg16(ctx, 5);
  const int64_t in_batch = g.C * k.H * k.W, out_batch = g.M * k.OH * k.OW;
  const bool pointwise = k.KH == 1 && k.KW == 1 && k.SH == 1 && k.SW == 1 && k.PT == 0 && k.PL == 0 &&
                         k.OH == k.H && k.OW == k.W && g.G == 1;
  for (int64_t n = 0; n < g.N && pointwise; ++n)
    ctx.w().line("kiln::qconv16_pointwise<{}, {}, {}>({}{}, {}, {}, {}, {}, {}, {}{});", g.C, k.H * k.W, g.M,
                 ctx.in_ptr(0), n ? fmt::format(" + {}", n * in_batch) : "", ctx.in_ptr(2), bias, mults, lo, hi,
                 ctx.out_ptr(0), n ? fmt::format(" + {}", n * out_batch) : "");
  for (int64_t n = 0; n < g.N && !pointwise; ++n)
    ctx.w().line("kiln::qconv16<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}{}, {}, {}, {}, {}, {}, {}{});",
                 g.C, k.H, k.W, g.M, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, k.DH, k.DW, g.G, ctx.in_ptr(0),
                 n ? fmt::format(" + {}", n * in_batch) : "", ctx.in_ptr(2), bias, mults, lo, hi, ctx.out_ptr(0),
                 n ? fmt::format(" + {}", n * out_batch) : "");
  return Status::ok();
}

int64_t macs(OpCtx& ctx) {
  Geom g;
  if (!resolve(ctx, &g)) return 0;
  return g.N * g.M * g.w.OH * g.w.OW * (g.C / g.G) * g.w.KH * g.w.KW;
}

}  // namespace

const OpDef kOp_QConv16 = {"kiln.QConv16", 1, 1, infer, eval, emit, macs};

}  // namespace kiln
