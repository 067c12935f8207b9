#include "compiler/ops/resize_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {

namespace {

// The source coordinate of output index o (ONNX reference semantics); false: extrapolate.
bool source_coordinate(const ResizeSpec& s, size_t d, int64_t in, int64_t out, int64_t o, double* x) {
  const double scale = s.scales[d];
  const double out_len = scale * static_cast<double>(in);  // the reference's "output_width"
  const std::string& m = s.coordinate_mode;
  if (m == "half_pixel") {
    *x = (o + 0.5) / scale - 0.5;
  } else if (m == "pytorch_half_pixel") {
    *x = out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  } else if (m == "align_corners") {
    *x = out_len == 1 ? 0.0 : o * static_cast<double>(in - 1) / (out_len - 1);
  } else if (m == "asymmetric" || m == "legacy") {
    *x = o / scale;
  } else if (m == "tf_half_pixel_for_nn") {
    *x = (o + 0.5) / scale;
  } else {  // tf_crop_and_resize
    const double b = s.roi[d], e = s.roi[s.roi.size() / 2 + d];
    *x = out_len == 1 ? (e - b) * static_cast<double>(in - 1) / 2 : o * (e - b) * static_cast<double>(in - 1) / (out_len - 1);
    *x += b * static_cast<double>(in - 1);
    // Float32 roi values put some samples a hair outside [0, in - 1] where exact arithmetic puts
    // them on the edge; runtimes disagree there, so treat such samples as inside (clamped).
    const double eps = 1e-6 * std::max<double>(1.0, static_cast<double>(in - 1));
    if (*x < -eps || *x > static_cast<double>(in - 1) + eps) return false;
  }
  return true;
}

int64_t nearest_index(const ResizeSpec& s, double scale, double x) {
  const double f = std::floor(x);
  if (x == f) return static_cast<int64_t>(f);
  if (s.coordinate_mode == "legacy") return static_cast<int64_t>(scale < 1 ? std::ceil(x) : f);
  const double ratio = x - f;
  const std::string& m = s.nearest_mode;
  bool up = m == "ceil" || (m == "round_prefer_floor" && ratio > 0.5) || (m == "round_prefer_ceil" && ratio >= 0.5);
  return static_cast<int64_t>(f) + (up ? 1 : 0);
}

}  // namespace

Status plan_resize(OpCtx& ctx, const ResizeSpec& s, std::vector<ResizeAxis>* axes) {
  const Shape& in = ctx.in(0).shape;
  const size_t r = in.size();
  static const char* kModes[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                 "tf_half_pixel_for_nn", "tf_crop_and_resize", "legacy"};
  bool known = false;
  for (const char* m : kModes) known |= s.coordinate_mode == m;
  if (!known) return ctx.unsupported(fmt::format("coordinate_transformation_mode '{}' is not supported", s.coordinate_mode));
  const std::string& nm = s.nearest_mode;
  if (nm != "round_prefer_floor" && nm != "round_prefer_ceil" && nm != "floor" && nm != "ceil")
    return ctx.unsupported(fmt::format("nearest_mode '{}' is not supported", nm));
  if (s.scales.size() != r || s.out.size() != r) return ctx.invalid("scales/sizes must have one value per input dim");
  if (s.coordinate_mode == "tf_crop_and_resize" && s.roi.size() != 2 * r)
    return ctx.invalid("roi must have 2 * rank values for tf_crop_and_resize");
  if (s.linear && !dtype_is_float(ctx.in(0).dtype)) return ctx.unsupported_type(ctx.in(0).dtype);
  axes->assign(r, ResizeAxis());
  for (size_t d = 0; d < r; ++d) {
    if (!(s.scales[d] > 0) || s.out[d] < 0 || s.out[d] > (1 << 24))
      return ctx.invalid(fmt::format("invalid scale {} or size {} for dim {}", s.scales[d], s.out[d], d));
    if (in[d] == 0 && s.out[d] > 0) return ctx.invalid("cannot resize an empty dim to a non-empty one");
    ResizeAxis& a = (*axes)[d];
    for (int64_t o = 0; o < s.out[d]; ++o) {
      double x;
      int64_t i0 = -1, i1 = -1;
      float w = 0.0f;
      if (source_coordinate(s, d, in[d], s.out[d], o, &x)) {
        auto clamp = [&](int64_t i) { return i < 0 ? 0 : (i >= in[d] ? in[d] - 1 : i); };
        if (s.linear) {
          const double f = std::floor(x);
          i0 = clamp(static_cast<int64_t>(f));
          i1 = clamp(static_cast<int64_t>(f) + 1);
          w = static_cast<float>(x - f);
        } else {
          i0 = i1 = clamp(nearest_index(s, s.scales[d], x));
        }
      }
      a.i0.push_back(static_cast<int32_t>(i0));
      a.i1.push_back(static_cast<int32_t>(i1));
      a.w.push_back(w);
    }
  }
  return Status::ok();
}

Status eval_resize(OpCtx& ctx, const ResizeSpec& s) {
  std::vector<ResizeAxis> axes;
  KILN_TRY(plan_resize(ctx, s, &axes));
  const Shape& in = ctx.in(0).shape;
  const size_t r = in.size();
  const std::vector<int64_t> st = dense_strides(in);
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.in(0).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    std::vector<int64_t> o(r, 0);
    for (int64_t i = 0; i < ctx.out(0).numel(); ++i) {
      bool extrapolate = false;
      for (size_t d = 0; d < r; ++d) extrapolate |= axes[d].i0[static_cast<size_t>(o[d])] < 0;
      if (extrapolate) {
        y[i] = static_cast<T>(s.extrapolation);
      } else if (!s.linear) {
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d) off += axes[d].i0[static_cast<size_t>(o[d])] * st[d];
        y[i] = x[off];
      } else {
        // Sum over the 2^r corners of the cell, each weighted by the product of its axis weights.
        double acc = 0;
        for (uint32_t corner = 0; corner < (1u << r); ++corner) {
          double wgt = 1;
          int64_t off = 0;
          for (size_t d = 0; d < r; ++d) {
            const ResizeAxis& a = axes[d];
            const size_t k = static_cast<size_t>(o[d]);
            const bool second = (corner >> d) & 1u;
            wgt *= second ? a.w[k] : 1.0 - a.w[k];
            off += (second ? a.i1[k] : a.i0[k]) * st[d];
          }
          if (wgt != 0) acc += wgt * static_cast<double>(x[off]);
        }
        y[i] = static_cast<T>(acc);
      }
      for (size_t d = r; d-- > 0;) {
        if (++o[d] < s.out[d]) break;
        o[d] = 0;
      }
    }
  });
  return Status::ok();
}

namespace {

Tensor table(const std::string& name, DType t, const void* data, size_t n) {
  Tensor k;
  k.name = name;
  k.dtype = t;
  k.shape = {static_cast<int64_t>(n)};
  k.is_const = true;
  k.alloc();
  if (n) std::memcpy(k.data.data(), data, k.bytes());
  return k;
}

}  // namespace

Status emit_resize(OpCtx& ctx, const ResizeSpec& s) {
  std::vector<ResizeAxis> axes;
  KILN_TRY(plan_resize(ctx, s, &axes));
  const Shape& in = ctx.in(0).shape;
  const size_t r = in.size();
  if (r == 0) return ctx.unsupported("resizing a scalar is not supported");
  // Leading dims must map one to one; the kernel sees [NC, H, W].
  for (size_t d = 0; d + 2 < r; ++d)
    for (int64_t o = 0; o < s.out[d]; ++o) {
      const size_t k = static_cast<size_t>(o);
      if (s.out[d] != in[d] || axes[d].i0[k] != o || (s.linear && axes[d].w[k] != 0))
        return ctx.unsupported("only the last two dims may be resized", "keep the scales of leading dims at 1");
    }
  if (ctx.out(0).numel() == 0) return Status::ok();
  ResizeAxis hy;  // rank 1: a single row
  hy.i0 = hy.i1 = {0};
  hy.w = {0.0f};
  const ResizeAxis& ay = r >= 2 ? axes[r - 2] : hy;
  const ResizeAxis& ax = axes[r - 1];
  const int64_t ih = r >= 2 ? in[r - 2] : 1, iw = in[r - 1];
  const int64_t oh = static_cast<int64_t>(ay.i0.size()), ow = static_cast<int64_t>(ax.i0.size());
  const int64_t nc = ctx.out(0).numel() / (oh * ow);
  const DType t = ctx.in(0).dtype;
  const std::string base = ctx.node().name;
  ctx.include("kiln_shape.h");
  if (!s.linear) {
    std::string ry = ctx.add_const(base + "_rows", table(base + "_rows", DType::kInt32, ay.i0.data(), ay.i0.size()));
    std::string rx = ctx.add_const(base + "_cols", table(base + "_cols", DType::kInt32, ax.i0.data(), ax.i0.size()));
    ctx.w().line("kiln::resize_nearest<{}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {});", dtype_c_name(t), nc, ih, iw, oh, ow,
                 ctx.in_ptr(0), ctx.out_ptr(0), ry, rx, c_literal(t, s.extrapolation));
    return Status::ok();
  }
  auto pairs = [](const ResizeAxis& a) {
    std::vector<int32_t> p;
    for (size_t k = 0; k < a.i0.size(); ++k) {
      p.push_back(a.i0[k]);
      p.push_back(a.i1[k]);
    }
    return p;
  };
  std::vector<int32_t> py = pairs(ay), px = pairs(ax);
  std::string ry = ctx.add_const(base + "_rows", table(base + "_rows", DType::kInt32, py.data(), py.size()));
  std::string wy = ctx.add_const(base + "_row_weights", table(base + "_row_weights", DType::kFloat32, ay.w.data(), ay.w.size()));
  std::string rx = ctx.add_const(base + "_cols", table(base + "_cols", DType::kInt32, px.data(), px.size()));
  std::string wx = ctx.add_const(base + "_col_weights", table(base + "_col_weights", DType::kFloat32, ax.w.data(), ax.w.size()));
  ctx.w().line("kiln::resize_linear<{}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});", dtype_c_name(t), nc, ih, iw, oh,
               ow, ctx.in_ptr(0), ctx.out_ptr(0), ry, wy, rx, wx, c_literal(t, s.extrapolation));
  return Status::ok();
}

}  // namespace kiln
