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

// The cubic convolution weights of the four taps floor(x) - 1 .. floor(x) + 2 for
// ratio = x - floor(x), as the ONNX reference (Keys' kernel with parameter A).
void cubic_weights(double ratio, double A, double* c) {
  auto near = [A](double t) { return ((A + 2) * t - (A + 3)) * t * t + 1; };          // |t| <= 1
  auto far = [A](double t) { return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A; };     // 1 < |t| < 2
  c[0] = far(ratio + 1);
  c[1] = near(ratio);
  c[2] = near(1 - ratio);
  c[3] = far(2 - ratio);
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
  if (s.mode != ResizeMode::kNearest && !dtype_is_float(ctx.in(0).dtype)) return ctx.unsupported_type(ctx.in(0).dtype);
  const int taps = s.mode == ResizeMode::kNearest ? 1 : s.mode == ResizeMode::kLinear ? 2 : 4;
  axes->assign(r, ResizeAxis());
  for (size_t d = 0; d < r; ++d) {
    if (!(s.scales[d] > 0) || s.out[d] < 0 || s.out[d] > (1 << 24))
      return ctx.invalid(fmt::format("invalid scale {} or size {} for dim {}", s.scales[d], s.out[d], d));
    if (in[d] == 0 && s.out[d] > 0) return ctx.invalid("cannot resize an empty dim to a non-empty one");
    ResizeAxis& a = (*axes)[d];
    a.taps = taps;
    for (int64_t o = 0; o < s.out[d]; ++o) {
      double x;
      int64_t idx[4] = {-1, -1, -1, -1};
      double w[4] = {1, 0, 0, 0};
      if (source_coordinate(s, d, in[d], s.out[d], o, &x)) {
        auto clamp = [&](int64_t i) { return i < 0 ? 0 : (i >= in[d] ? in[d] - 1 : i); };
        const int64_t f = static_cast<int64_t>(std::floor(x));
        if (s.mode == ResizeMode::kNearest) {
          idx[0] = clamp(nearest_index(s, s.scales[d], x));
        } else if (s.mode == ResizeMode::kLinear) {
          idx[0] = clamp(f);
          idx[1] = clamp(f + 1);
          w[1] = x - std::floor(x);
          w[0] = 1 - w[1];
        } else {
          cubic_weights(x - std::floor(x), s.cubic_a, w);
          double sum = 0;
          for (int k = 0; k < 4; ++k) {
            const int64_t i = f - 1 + k;
            if (s.exclude_outside && (i < 0 || i >= in[d])) w[k] = 0;
            sum += w[k];
            idx[k] = clamp(i);
          }
          if (s.exclude_outside && sum != 0)
            for (double& v : w) v /= sum;
        }
      }
      a.idx.insert(a.idx.end(), idx, idx + taps);
      a.w.insert(a.w.end(), w, w + taps);
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
    const uint32_t taps = static_cast<uint32_t>(r ? axes[0].taps : 1);
    uint32_t combos = 1;  // taps^r
    for (size_t d = 0; d < r; ++d) combos *= taps;
    for (int64_t i = 0; i < ctx.out(0).numel(); ++i) {
      bool extrapolate = false;
      for (size_t d = 0; d < r; ++d) extrapolate |= axes[d].idx[static_cast<size_t>(o[d]) * taps] < 0;
      if (extrapolate) {
        y[i] = static_cast<T>(s.extrapolation);
      } else if (taps == 1) {  // nearest: a copy (exact for every type)
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d) off += axes[d].idx[static_cast<size_t>(o[d])] * st[d];
        y[i] = x[off];
      } else {
        // Sum over every combination of the axes' taps, weighted by the product of their weights.
        double acc = 0;
        for (uint32_t combo = 0; combo < combos; ++combo) {
          double wgt = 1;
          int64_t off = 0;
          uint32_t rest = combo;
          for (size_t d = 0; d < r; ++d) {
            const size_t k = static_cast<size_t>(o[d]) * taps + rest % taps;
            rest /= taps;
            wgt *= axes[d].w[k];
            off += axes[d].idx[k] * st[d];
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

// Whether axis a maps output index o to input index o alone (an identity resize of that dim).
bool is_identity(const ResizeAxis& a, int64_t in) {
  if (static_cast<int64_t>(a.idx.size()) != in * a.taps) return false;
  for (int64_t o = 0; o < in; ++o) {
    double at_o = 0;
    for (int k = 0; k < a.taps; ++k) {
      const size_t j = static_cast<size_t>(o * a.taps + k);
      if (a.idx[j] == o) at_o += a.w[j];
      else if (a.w[j] != 0) return false;
    }
    if (at_o != 1) return false;
  }
  return true;
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
    if (s.out[d] != in[d] || !is_identity(axes[d], in[d]))
      return ctx.unsupported("only the last two dims may be resized", "keep the scales of leading dims at 1");
  if (ctx.out(0).numel() == 0) return Status::ok();
  const ResizeAxis& ax = axes[r - 1];
  const int K = ax.taps;
  ResizeAxis hy;  // rank 1: a single row, all weight on row 0
  hy.taps = K;
  hy.idx.assign(static_cast<size_t>(K), 0);
  hy.w.assign(static_cast<size_t>(K), 0.0);
  hy.w[0] = 1.0;
  const ResizeAxis& ay = r >= 2 ? axes[r - 2] : hy;
  const int64_t ih = r >= 2 ? in[r - 2] : 1, iw = in[r - 1];
  const int64_t oh = static_cast<int64_t>(ay.idx.size()) / K, ow = static_cast<int64_t>(ax.idx.size()) / K;
  const int64_t nc = ctx.out(0).numel() / (oh * ow);
  const DType t = ctx.in(0).dtype;
  const std::string base = ctx.node().name;
  ctx.include("kiln_shape.h");
  auto ints = [&](const std::string& name, const std::vector<int32_t>& v) {
    return ctx.add_const(base + name, table(base + name, DType::kInt32, v.data(), v.size()));
  };
  auto floats = [&](const std::string& name, const std::vector<float>& v) {
    return ctx.add_const(base + name, table(base + name, DType::kFloat32, v.data(), v.size()));
  };
  // Weights of taps [from, to) of every output index, as float32.
  auto weights = [](const ResizeAxis& a, int from, int to) {
    std::vector<float> v;
    for (size_t o = 0; o < a.w.size(); o += static_cast<size_t>(a.taps))
      for (int k = from; k < to; ++k) v.push_back(static_cast<float>(a.w[o + static_cast<size_t>(k)]));
    return v;
  };
  const std::string head = fmt::format("{}, {}, {}, {}, {}, {}", dtype_c_name(t), nc, ih, iw, oh, ow);
  if (s.mode == ResizeMode::kNearest) {
    ctx.w().line("kiln::resize_nearest<{}>({}, {}, {}, {}, {});", head, ctx.in_ptr(0), ctx.out_ptr(0),
                 ints("_rows", ay.idx), ints("_cols", ax.idx), c_literal(t, s.extrapolation));
  } else if (s.mode == ResizeMode::kLinear) {
    // The linear kernel takes the weight of the second tap only.
    ctx.w().line("kiln::resize_linear<{}>({}, {}, {}, {}, {}, {}, {});", head, ctx.in_ptr(0), ctx.out_ptr(0),
                 ints("_rows", ay.idx), floats("_row_weights", weights(ay, 1, 2)), ints("_cols", ax.idx),
                 floats("_col_weights", weights(ax, 1, 2)), c_literal(t, s.extrapolation));
  } else {
    ctx.w().line("kiln::resize_taps<{}, {}>({}, {}, {}, {}, {}, {}, {});", head, K, ctx.in_ptr(0), ctx.out_ptr(0),
                 ints("_rows", ay.idx), floats("_row_weights", weights(ay, 0, K)), ints("_cols", ax.idx),
                 floats("_col_weights", weights(ax, 0, K)), c_literal(t, s.extrapolation));
  }
  return Status::ok();
}

Status infer_resize(OpCtx& ctx, const ResizeSpec& spec) {
  std::vector<ResizeAxis> axes;
  KILN_TRY(plan_resize(ctx, spec, &axes));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = spec.out;
  y.shape_known = true;
  return Status::ok();
}

}  // namespace kiln
