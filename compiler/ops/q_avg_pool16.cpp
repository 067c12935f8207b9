// kiln.QAvgPool16 (kiln's own op, domain "kiln"): AveragePool of int16 X (zero point 0, NCHW, 1-D
// or 2-D windows; kernel_shape, strides, pads, auto_pad, ceil_mode, count_include_pad),
// requantized to int16 at y_scale. Inputs: X, x_scale, y_scale. passes/fold_qdq makes it from
// DQ(int16) -> AveragePool|GlobalAveragePool -> Q(int16) (a global pool is one window over the
// plane). The window sum (int64) is scaled by x_scale / (y_scale * count) with one 16-bit
// multiplier per distinct count (runtime/kiln_int16.h qavgpool16).
#include <algorithm>

#include "compiler/ops/nn_util.h"
#include "compiler/ops/qint16.h"

namespace kiln {
namespace {

struct Pool : AvgPoolWindow {
  float sx, sy;
};

Status resolve(OpCtx& ctx, Pool* p) {
  KILN_TRY(resolve_avg_pool(ctx, p));
  KILN_TRY(read_scale16(ctx, 1, &p->sx));
  return read_scale16(ctx, 2, &p->sy);
}

QuantMultiplier multiplier(const Pool& p, int64_t count) {
  return quantize_multiplier16(static_cast<double>(p.sx) / (static_cast<double>(p.sy) * static_cast<double>(count)));
}

Status infer(OpCtx& ctx) {
  if (ctx.in(0).dtype != DType::kInt16) return ctx.unsupported_type(ctx.in(0).dtype);
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  bool var;
  KILN_TRY(avg_pool_varying_count(ctx, p, &var));
  std::vector<QuantMultiplier> m;
  for (int64_t c = 1; c <= p.w.KH * p.w.KW; ++c) m.push_back(multiplier(p, c));
  KILN_TRY(check_multipliers16(ctx, m));
  set_output16(ctx, window_out_shape(ctx.in(0).shape, ctx.in(0).shape[1], p.w), p.sy);
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  const Window& k = p.w;
  const Tensor& x = ctx.in(0);
  int16_t* y = ctx.out(0).as_mut<int16_t>();
  int32_t lo, hi;
  quant_output_range(ctx.node(), DType::kInt16, p.sy, 0, &lo, &hi);
  for (int64_t c = 0; c < p.planes; ++c)
    for (int64_t oh = 0; oh < k.OH; ++oh)
      for (int64_t ow = 0; ow < k.OW; ++ow) {
        int64_t acc = 0;
        for (int64_t ih = std::max<int64_t>(0, oh * k.SH - k.PT); ih < std::min(k.H, oh * k.SH - k.PT + k.KH); ++ih)
          for (int64_t iw = std::max<int64_t>(0, ow * k.SW - k.PL); iw < std::min(k.W, ow * k.SW - k.PL + k.KW); ++iw)
            acc += x.int_at((c * k.H + ih) * k.W + iw);
        y[(c * k.OH + oh) * k.OW + ow] = clamp16(requant16(acc, multiplier(p, avg_pool_divisor(p, oh, ow))), lo, hi);
      }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  const Window& k = p.w;
  bool var;
  KILN_TRY(avg_pool_varying_count(ctx, p, &var));
  int32_t lo, hi;
  quant_output_range(ctx.node(), DType::kInt16, p.sy, 0, &lo, &hi);
  include_int16(ctx);
  std::vector<QuantMultiplier> m;  // by count (entry 0 unused), or the one divisor
  if (var)
    for (int64_t c = 0; c <= k.KH * k.KW; ++c) m.push_back(multiplier(p, std::max<int64_t>(c, 1)));
  else
    m.push_back(multiplier(p, avg_pool_divisor(p, 0, 0)));
  ctx.w().line("kiln::qavgpool16<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {});", p.planes, k.H,
               k.W, k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, var ? "true" : "false", ctx.in_ptr(0),
               emit_multipliers16(ctx, m), lo, hi, ctx.out_ptr(0));
  return Status::ok();
}

int64_t macs(OpCtx& ctx) { return ctx.out(0).numel(); }

}  // namespace

const OpDef kOp_QAvgPool16 = {"kiln.QAvgPool16", 1, 1, infer, eval, emit, macs};

}  // namespace kiln
