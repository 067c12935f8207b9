// MaxPool (opset 1..17): 1-D, 2-D and 3-D windows with pads, strides, dilations, ceil_mode and
// auto_pad; the optional Indices output in row- or column-major order (storage_order). Float32,
// float64, int8, uint8. Padding never wins (it is not a value).
#include <limits>
#include <type_traits>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

// What an all-padding window yields (as the runtime's pool_lowest).
template <typename T>
T lowest() {
  if constexpr (std::is_floating_point<T>::value) return -std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::lowest();
}

Status resolve(OpCtx& ctx, Window* w) {
  if (!ctx.node().has_attr("kernel_shape")) return ctx.invalid("kernel_shape is required");
  return resolve_window(ctx, ctx.in(0).shape, ctx.node().attr_ints("kernel_shape"),
                        ctx.node().attr_int("ceil_mode", 0) != 0, w);
}

bool col_major(OpCtx& ctx) { return ctx.node().attr_int("storage_order", 0) != 0; }

Status infer(OpCtx& ctx) {
  DType t = ctx.in(0).dtype;
  if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kInt8 && t != DType::kUInt8 &&
      t != DType::kInt16)  // int16: --activations int16
    return ctx.unsupported_type(t);
  Window w;
  KILN_TRY(resolve(ctx, &w));
  const Shape& xs = ctx.in(0).shape;
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    if (!ctx.has_output(i)) continue;
    Tensor& y = ctx.out(i);
    y.dtype = i == 0 ? t : DType::kInt64;
    y.shape = window_out_shape(xs, xs[1], w);
    y.shape_known = true;
  }
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Window w;
  KILN_TRY(resolve(ctx, &w));
  const Shape& xs = ctx.in(0).shape;
  const int64_t planes = xs[0] * xs[1];
  const bool cm = col_major(ctx);
  int64_t* idx = ctx.has_output(1) ? ctx.out(1).as_mut<int64_t>() : nullptr;
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    const int64_t ip = w.in_plane();
    for (int64_t c = 0; c < planes; ++c)
      for (int64_t od = 0; od < w.OD; ++od)
        for (int64_t oh = 0; oh < w.OH; ++oh)
          for (int64_t ow = 0; ow < w.OW; ++ow) {
            T m = T(0);
            int64_t at = -1;
            for (int64_t kd = 0; kd < w.KD; ++kd)
              for (int64_t kh = 0; kh < w.KH; ++kh)
                for (int64_t kw = 0; kw < w.KW; ++kw) {
                  int64_t id = od * w.SD - w.PF + kd * w.DD, ih = oh * w.SH - w.PT + kh * w.DH,
                          iw = ow * w.SW - w.PL + kw * w.DW;
                  if (id < 0 || id >= w.D || ih < 0 || ih >= w.H || iw < 0 || iw >= w.W) continue;
                  T v = x[c * ip + w.in_at(id, ih, iw)];
                  if (at < 0 || v > m) {
                    m = v;
                    // storage_order=1: the first spatial dim varies fastest.
                    at = c * ip + (cm ? (iw * w.H + ih) * w.D + id : w.in_at(id, ih, iw));
                  }
                }
            int64_t o = c * w.out_plane() + w.out_at(od, oh, ow);
            y[o] = at < 0 ? lowest<T>() : m;
            if (idx) idx[o] = at < 0 ? c * ip : at;
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
  const bool three_d = xs.size() == 5;
  const std::string geom =
      three_d ? fmt::format("{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}", type,
                            xs[0] * xs[1], w.D, w.H, w.W, w.KD, w.KH, w.KW, w.OD, w.OH, w.OW, w.SD, w.SH, w.SW,
                            w.PF, w.PT, w.PL, w.DD, w.DH, w.DW)
              : fmt::format("{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}", type, xs[0] * xs[1], w.H, w.W,
                            w.KH, w.KW, w.OH, w.OW, w.SH, w.SW, w.PT, w.PL, w.DH, w.DW);
  const char* dims = three_d ? "3d" : "2d";
  if (ctx.has_output(1)) {
    ctx.w().line("kiln::maxpool{}_indices<{}, {}>({}, {}, {});", dims, geom, col_major(ctx) ? "true" : "false",
                 ctx.in_ptr(0), ctx.out_ptr(0), ctx.out_ptr(1));
  } else {
    ctx.w().line("kiln::maxpool{}<{}>({}, {});", dims, geom, ctx.in_ptr(0), ctx.out_ptr(0));
  }
  return Status::ok();
}

}  // namespace

const OpDef kOp_MaxPool = {"MaxPool", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
