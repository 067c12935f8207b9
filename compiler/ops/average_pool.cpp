// AveragePool (opset 1..17): 1-D, 2-D and 3-D windows with pads, strides, ceil_mode, auto_pad and
// count_include_pad (divide by the taps inside the padded input rather than inside the input).
// Float32 and float64.
#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, Window* w) {
  if (!ctx.node().has_attr("kernel_shape")) return ctx.invalid("kernel_shape is required");
  return resolve_window(ctx, ctx.in(0).shape, ctx.node().attr_ints("kernel_shape"),
                        ctx.node().attr_int("ceil_mode", 0) != 0, w);
}

bool include_pad(OpCtx& ctx) { return ctx.node().attr_int("count_include_pad", 0) != 0; }

Status infer(OpCtx& ctx) {
  DType t = ctx.in(0).dtype;
  if (t != DType::kFloat32 && t != DType::kFloat64) return ctx.unsupported_type(t);
  Window w;
  KILN_TRY(resolve(ctx, &w));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = window_out_shape(ctx.in(0).shape, ctx.in(0).shape[1], w);
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Window w;
  KILN_TRY(resolve(ctx, &w));
  const Shape& xs = ctx.in(0).shape;
  const int64_t planes = xs[0] * xs[1];
  const bool inc = include_pad(ctx);
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    for (int64_t c = 0; c < planes; ++c)
      for (int64_t od = 0; od < w.OD; ++od)
        for (int64_t oh = 0; oh < w.OH; ++oh)
          for (int64_t ow = 0; ow < w.OW; ++ow) {
            double s = 0;
            int64_t n = 0;
            for (int64_t kd = 0; kd < w.KD; ++kd)
              for (int64_t kh = 0; kh < w.KH; ++kh)
                for (int64_t kw = 0; kw < w.KW; ++kw) {
                  int64_t id = od * w.SD - w.PF + kd * w.DD, ih = oh * w.SH - w.PT + kh * w.DH,
                          iw = ow * w.SW - w.PL + kw * w.DW;
                  bool in_pads = id >= -w.PF && id < w.D + w.PK && ih >= -w.PT && ih < w.H + w.PB &&
                                 iw >= -w.PL && iw < w.W + w.PR;
                  bool inside = id >= 0 && id < w.D && ih >= 0 && ih < w.H && iw >= 0 && iw < w.W;
                  if (inside) s += static_cast<double>(x[c * w.in_plane() + w.in_at(id, ih, iw)]);
                  n += inc ? in_pads : inside;
                }
            y[c * w.out_plane() + w.out_at(od, oh, ow)] = static_cast<T>(n ? s / static_cast<double>(n) : 0.0);
          }
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Window w;
  KILN_TRY(resolve(ctx, &w));
  ctx.include("kiln_pool.h");
  const Shape& xs = ctx.in(0).shape;
  const std::string type = dtype_c_name(ctx.in(0).dtype);
  const char* inc = include_pad(ctx) ? "true" : "false";
  if (xs.size() == 5) {
    ctx.w().line("kiln::avgpool3d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
                 "{}, {}, {}>({}, {});",
                 type, xs[0] * xs[1], w.D, w.H, w.W, w.KD, w.KH, w.KW, w.OD, w.OH, w.OW, w.SD, w.SH, w.SW, w.PF, w.PT,
                 w.PL, w.PK, w.PB, w.PR, w.DD, w.DH, w.DW, inc, ctx.in_ptr(0), ctx.out_ptr(0));
  } else {
    ctx.w().line("kiln::avgpool2d<{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}>({}, {});", type,
                 xs[0] * xs[1], w.H, w.W, w.KH, w.KW, w.OH, w.OW, w.SH, w.SW, w.PT, w.PL, w.PB, w.PR, w.DH, w.DW, inc,
                 ctx.in_ptr(0), ctx.out_ptr(0));
  }
  return Status::ok();
}

}  // namespace

const OpDef kOp_AveragePool = {"AveragePool", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
