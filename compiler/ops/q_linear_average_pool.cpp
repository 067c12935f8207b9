// com.microsoft QLinearAveragePool (contrib opset 1): AveragePool of quantized X (int8/uint8,
// NCHW, 1-D or 2-D windows; kernel_shape, strides, pads, auto_pad, ceil_mode,
// count_include_pad) requantized to y_scale / y_zero_point (Y has X's type). Constant per-tensor
// scales. The integer window sum of (x - x_zp) is scaled by x_scale / (y_scale * count) with one
// fixed-point multiplier per distinct count. channels_last=1 is not supported.
#include "compiler/ops/nn_util.h"
#include "compiler/ops/quant_util.h"

namespace kiln {
namespace {

struct Pool : AvgPoolWindow {
  QParam x, y;
};

Status resolve(OpCtx& ctx, Pool* p) {
  if (ctx.node().attr_int("channels_last", 0) != 0) return ctx.unsupported("channels_last=1 is not supported");
  KILN_TRY(resolve_avg_pool(ctx, p));
  KILN_TRY(read_qparam(ctx, 1, 2, 1, &p->x));
  KILN_TRY(read_qparam(ctx, 3, 4, 1, &p->y));
  return Status::ok();
}

QuantMultiplier multiplier(const Pool& p, int64_t count) {
  return quantize_multiplier(static_cast<double>(p.x.s(0)) / (static_cast<double>(p.y.s(0)) * static_cast<double>(count)));
}

Status infer(OpCtx& ctx) {
  const DType t = ctx.in(0).dtype;
  if (!is_quant_type(t)) return ctx.unsupported_type(t);
  for (size_t zi : {2, 4})
    if (ctx.has_input(zi) && ctx.in(zi).dtype != t) return ctx.invalid("zero points must have X's type");
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  bool var;
  KILN_TRY(avg_pool_varying_count(ctx, p, &var));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = window_out_shape(ctx.in(0).shape, ctx.in(0).shape[1], p.w);
  y.shape_known = true;
  y.quant = QuantParams{};
  y.quant.scale = p.y.scale;
  y.quant.zero_point = p.y.zero_point;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  const Window& k = p.w;
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  int32_t lo, hi;
  quant_output_range(ctx.node(), y.dtype, p.y.s(0), p.y.z(0), &lo, &hi);
  for (int64_t c = 0; c < p.planes; ++c)
    for (int64_t oh = 0; oh < k.OH; ++oh)
      for (int64_t ow = 0; ow < k.OW; ++ow) {
        int32_t acc = 0;
        for (int64_t ih = std::max<int64_t>(0, oh * k.SH - k.PT); ih < std::min(k.H, oh * k.SH - k.PT + k.KH); ++ih)
          for (int64_t iw = std::max<int64_t>(0, ow * k.SW - k.PL); iw < std::min(k.W, ow * k.SW - k.PL + k.KW); ++iw)
            acc += int_elem(x, (c * k.H + ih) * k.W + iw) - p.x.z(0);
        int32_t v = p.y.z(0) + multiply_by_quantized_multiplier(acc, multiplier(p, avg_pool_divisor(p, oh, ow)));
        v = std::max(lo, std::min(hi, v));
        const int64_t yi = (c * k.OH + oh) * k.OW + ow;
        if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[yi] = static_cast<int8_t>(v);
        else y.as_mut<uint8_t>()[yi] = static_cast<uint8_t>(v);
      }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Pool p;
  KILN_TRY(resolve(ctx, &p));
  const Window& k = p.w;
  bool var;
  KILN_TRY(avg_pool_varying_count(ctx, p, &var));
  const int64_t d0 = avg_pool_divisor(p, 0, 0);
  int32_t lo, hi;
  quant_output_range(ctx.node(), ctx.out(0).dtype, p.y.s(0), p.y.z(0), &lo, &hi);
  ctx.include("kiln_int8.h");
  const char* yt = dtype_c_name(ctx.out(0).dtype);
  std::string out;
  if (var) {
    std::vector<int32_t> mult, shift;
    for (int64_t c = 0; c <= k.KH * k.KW; ++c) {
      QuantMultiplier q = multiplier(p, std::max<int64_t>(c, 1));
      mult.push_back(q.mult);
      shift.push_back(q.shift);
    }
    const std::string& nm = ctx.node().name;
    std::string ms = ctx.add_const(nm + "_mult", int32_tensor(nm + "_mult", mult));
    std::string ss = ctx.add_const(nm + "_shift", int32_tensor(nm + "_shift", shift));
    out = fmt::format("kiln::RequantPerChannelShift<{}>{{{}, {}, {}, {}, {}}}", yt, ms, ss, p.y.z(0), lo, hi);
  } else {
    const QuantMultiplier q = multiplier(p, d0);
    out = fmt::format("kiln::RequantPerTensor<{}, {}>{{{}, {}, {}, {}}}", yt, q.shift, q.mult, p.y.z(0), lo, hi);
  }
  if (!var && ctx.target().has_dsp && k.OH == 1 && k.OW == 1 && k.KH == k.H && k.KW == k.W && !k.PT && !k.PL &&
      !k.PB && !k.PR) {  // one window over the whole plane (KWS's pooling): the DSP byte sums
    ctx.include("kiln_int8_fast.h");
    ctx.w().line("kiln::qglobal_avgpool_fast<{}, {}>({}, {}, {}, {});", p.planes, k.H * k.W, ctx.in_ptr(0), p.x.z(0),
                 ctx.out_ptr(0), out);
    return Status::ok();
  }
  ctx.w().line("kiln::qavgpool2d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {});", p.planes, k.H, k.W,
               k.KH, k.KW, k.OH, k.OW, k.SH, k.SW, k.PT, k.PL, var ? "true" : "false", ctx.in_ptr(0), p.x.z(0),
               ctx.out_ptr(0), out);
  return Status::ok();
}

}  // namespace

const OpDef kOp_QLinearAveragePool = {"com.microsoft.QLinearAveragePool", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
