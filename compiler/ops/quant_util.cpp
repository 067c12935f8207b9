#include "compiler/ops/quant_util.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace kiln {

const char* const kMsDomain = "com.microsoft";

QuantMultiplier quantize_multiplier(double m) {
  QuantMultiplier q;
  if (!(m > 0.0) || std::isnan(m)) return q;
  int e = 0;
  const double frac = std::frexp(m, &e);  // m = frac * 2^e, frac in [0.5, 1)
  int64_t fixed = static_cast<int64_t>(std::round(frac * 2147483648.0));
  if (fixed == (int64_t(1) << 31)) {
    fixed /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    fixed = 0;
  }
  if (e > 30) {
    e = 30;
    fixed = std::numeric_limits<int32_t>::max();
  }
  q.mult = static_cast<int32_t>(fixed);
  q.shift = e;
  return q;
}

std::vector<QuantMultiplier> channel_multipliers(const std::vector<double>& reals, const std::vector<int64_t>& hull) {
  std::vector<QuantMultiplier> v;
  int top = std::numeric_limits<int>::min(), bottom = std::numeric_limits<int>::max();
  for (double r : reals) {
    v.push_back(quantize_multiplier(r));
    if (v.back().mult == 0) return v;  // a zero scale: keep TFLite's form
    top = std::max(top, v.back().shift);
    bottom = std::min(bottom, v.back().shift);
  }
  if (hull.size() == 2) {
    bottom = static_cast<int>(std::min<int64_t>(bottom, hull[0]));
    top = static_cast<int>(std::max<int64_t>(top, hull[1]));
  }
  if (v.empty() || top - bottom > 6) return v;
  std::vector<QuantMultiplier> shared(v.size());
  for (size_t c = 0; c < v.size(); ++c) {
    const double m = std::round(std::ldexp(reals[c], 31 - top));
    if (m >= 2147483648.0) return v;  // not expected: reals[c] < 2^top
    shared[c].mult = static_cast<int32_t>(m);
    shared[c].shift = top;
  }
  return shared;
}

// The same arithmetic as runtime/kiln_int8.h: one rounding of the exact product, ties to even.
int32_t multiply_by_quantized_multiplier(int32_t x, QuantMultiplier q) {
  const int total = 31 - q.shift;
  const int64_t p = static_cast<int64_t>(x) * static_cast<int64_t>(q.mult);
  const int64_t half = (int64_t(1) << (total - 1)) - 1 + ((p >> total) & 1);
  return static_cast<int32_t>((p + half) >> total);
}

int64_t dtype_min(DType t) {
  switch (t) {
    case DType::kInt8: return -128;
    case DType::kUInt8: return 0;
    case DType::kInt16: return -32768;
    case DType::kUInt16: return 0;
    case DType::kInt32: return std::numeric_limits<int32_t>::min();
    default: return 0;
  }
}

int64_t dtype_max(DType t) {
  switch (t) {
    case DType::kInt8: return 127;
    case DType::kUInt8: return 255;
    case DType::kInt16: return 32767;
    case DType::kUInt16: return 65535;
    case DType::kInt32: return std::numeric_limits<int32_t>::max();
    default: return 0;
  }
}

bool is_quant_type(DType t) { return t == DType::kInt8 || t == DType::kUInt8; }

double round_half_even(double v) { return std::nearbyint(v); }  // default mode: ties to even

int32_t int_elem(const Tensor& t, int64_t i) { return static_cast<int32_t>(t.int_at(i)); }

bool qparam_is_const(const OpCtx& ctx, size_t si, size_t zi) {
  return ctx.has_input(si) && ctx.in(si).is_const && (!ctx.has_input(zi) || ctx.in(zi).is_const);
}

Status check_qparam_shape(const OpCtx& ctx, size_t si, size_t zi, int64_t channels, const char* what) {
  if (!ctx.has_input(si)) return ctx.invalid(fmt::format("{} scale is required", what));
  const Tensor& s = ctx.in(si);
  if (s.dtype != DType::kFloat32) return ctx.unsupported_type(s.dtype);
  if (s.numel() != 1 && s.numel() != channels)
    return ctx.invalid(fmt::format("{} scale has {} elements; 1 or {} expected", what, s.numel(), channels));
  if (ctx.has_input(zi)) {
    const Tensor& z = ctx.in(zi);
    if (z.numel() != s.numel())
      return ctx.invalid(fmt::format("{} zero point has {} elements, its scale {}", what, z.numel(), s.numel()));
    if (!is_quant_type(z.dtype) && z.dtype != DType::kInt16 && z.dtype != DType::kInt32) return ctx.unsupported_type(z.dtype);
  }
  return Status::ok();
}

Status read_qparam(const OpCtx& ctx, size_t si, size_t zi, int64_t channels, QParam* q) {
  KILN_TRY(check_qparam_shape(ctx, si, zi, channels, "the"));
  KILN_TRY(ctx.require_const(si, "scale"));
  if (ctx.has_input(zi)) KILN_TRY(ctx.require_const(zi, "zero point"));
  const Tensor& s = ctx.in(si);
  q->scale.assign(s.as<float>(), s.as<float>() + s.numel());
  for (float v : q->scale)
    if (!(v > 0.0f) || std::isinf(v)) return ctx.invalid(fmt::format("scale {} is not positive and finite", v));
  q->zero_point.assign(q->scale.size(), 0);
  if (ctx.has_input(zi))
    for (int64_t i = 0; i < ctx.in(zi).numel(); ++i) q->zero_point[static_cast<size_t>(i)] = int_elem(ctx.in(zi), i);
  return Status::ok();
}

Status resolve_qaxis(const OpCtx& ctx, size_t si, QAxis* a) {
  const Shape& xs = ctx.in(0).shape;
  const Tensor& s = ctx.in(si);
  *a = QAxis{};
  if (s.numel() == 1 && s.shape.size() <= 1) return Status::ok();
  if (s.shape.size() != 1) return ctx.invalid("the scale must be a scalar or a 1-D tensor");
  if (ctx.opset() < 13) return ctx.invalid("per-axis quantization needs opset 13");
  int64_t axis = ctx.node().attr_int("axis", 1);
  if (!normalize_axis(&axis, static_cast<int64_t>(xs.size())))
    return ctx.invalid(fmt::format("axis {} is out of range for rank {}", axis, xs.size()));
  if (s.numel() != xs[static_cast<size_t>(axis)])
    return ctx.invalid(fmt::format("the scale has {} elements, axis {} has {}", s.numel(), axis, xs[static_cast<size_t>(axis)]));
  a->axis = axis;
  a->channels = s.numel();
  for (size_t i = static_cast<size_t>(axis) + 1; i < xs.size(); ++i) a->inner *= xs[i];
  return Status::ok();
}

void quant_output_range(const Node& n, DType y, float y_scale, int32_t y_zp, int32_t* lo, int32_t* hi) {
  *lo = static_cast<int32_t>(dtype_min(y));
  *hi = static_cast<int32_t>(dtype_max(y));
  std::string act = n.attr_string("kiln_act", "");
  if (act != "Relu" && act != "Clip") return;
  // The clamp commutes with QuantizeLinear's monotonic rounding: Q(clip(v)) = clip(Q(v)).
  auto q = [&](float v) -> double {
    return std::isinf(v) ? v : round_half_even(static_cast<double>(v / y_scale)) + y_zp;
  };
  double l = q(n.attr_float("kiln_act_lo", -std::numeric_limits<float>::infinity()));
  double h = q(n.attr_float("kiln_act_hi", std::numeric_limits<float>::infinity()));
  if (l > *lo) *lo = static_cast<int32_t>(std::min<double>(l, *hi));
  if (h < *hi) *hi = static_cast<int32_t>(std::max<double>(h, *lo));
}

Tensor int32_tensor(const std::string& name, const std::vector<int32_t>& v) {
  Tensor t;
  t.name = name;
  t.dtype = DType::kInt32;
  t.shape = {static_cast<int64_t>(v.size())};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size(); ++i) t.as_mut<int32_t>()[i] = v[i];
  return t;
}

Tensor offset_weights(const std::string& name, const Tensor& w, const std::vector<int32_t>& zp, int64_t channels,
                      int64_t per_channel) {
  std::vector<int32_t> v(static_cast<size_t>(channels * per_channel));
  bool fits8 = true;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t e = 0; e < per_channel; ++e) {
      int32_t x = int_elem(w, c * per_channel + e) - zp[zp.size() == 1 ? 0 : static_cast<size_t>(c)];
      v[static_cast<size_t>(c * per_channel + e)] = x;
      fits8 &= x >= -128 && x <= 127;
    }
  Tensor t;
  t.name = name;
  t.dtype = fits8 ? DType::kInt8 : DType::kInt16;
  t.shape = {channels, per_channel};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  for (size_t i = 0; i < v.size(); ++i) {
    if (fits8) t.as_mut<int8_t>()[i] = static_cast<int8_t>(v[i]);
    else t.as_mut<int16_t>()[i] = static_cast<int16_t>(v[i]);
  }
  return t;
}

std::string requant_functor(OpCtx& ctx, DType y, const std::vector<QuantMultiplier>& m, int32_t y_zp, int32_t lo,
                            int32_t hi) {
  bool one_mult = true, one_shift = true;
  for (const auto& q : m) {
    one_mult &= q.mult == m[0].mult;
    one_shift &= q.shift == m[0].shift;
  }
  if (one_mult && one_shift)
    return fmt::format("kiln::RequantPerTensor<{}, {}>{{{}, {}, {}, {}}}", dtype_c_name(y), m[0].shift, m[0].mult, y_zp,
                       lo, hi);
  std::vector<int32_t> mult, shift;
  for (const auto& q : m) {
    mult.push_back(q.mult);
    shift.push_back(q.shift);
  }
  const std::string& nm = ctx.node().name;
  std::string ms = ctx.add_const(nm + "_mult", int32_tensor(nm + "_mult", mult));
  if (one_shift)
    return fmt::format("kiln::RequantPerChannel<{}, {}>{{{}, {}, {}, {}}}", dtype_c_name(y), m[0].shift, ms, y_zp, lo,
                       hi);
  std::string ss = ctx.add_const(nm + "_shift", int32_tensor(nm + "_shift", shift));
  return fmt::format("kiln::RequantPerChannelShift<{}>{{{}, {}, {}, {}, {}}}", dtype_c_name(y), ms, ss, y_zp, lo, hi);
}

std::pair<std::string, std::string> add_scale_zero_point(Graph& g, const std::string& base, float scale, int32_t zp,
                                                         DType zp_type) {
  auto scalar = [&](const std::string& name, DType t, double v) {
    Tensor c;
    c.name = g.unique_name(name);
    c.dtype = t;
    c.shape_known = true;
    c.is_const = true;
    c.alloc();
    dispatch_dtype(t, [&](auto tag) {
      using T = decltype(tag);
      c.as_mut<T>()[0] = static_cast<T>(v);
    });
    g.tensors[c.name] = c;
    return c.name;
  };
  std::string s = scalar(base + "_scale", DType::kFloat32, scale);
  return {s, scalar(base + "_zero_point", zp_type, zp)};
}

// The order key of a float: its bits with a negative number's magnitude bits flipped, so keys
// order as the numbers do (-0 just below +0, NaNs outside the infinities).
static int32_t float_key(float f) {
  int32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b ^ ((b >> 31) & 0x7FFFFFFF);
}
static float key_float(int32_t k) {
  const int32_t b = k < 0 ? k ^ 0x7FFFFFFF : k;
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

std::vector<int32_t> quantize_thresholds(float s, int32_t z, int64_t lo, int64_t hi) {
  auto q = [&](int32_t key) {
    float v = key_float(key) / s;
    v = v > static_cast<float>(lo - z) ? v : static_cast<float>(lo - z);
    v = v < static_cast<float>(hi - z) ? v : static_cast<float>(hi - z);
    return static_cast<int64_t>(round_half_even(v)) + z;
  };
  const int32_t kmin = float_key(-INFINITY), kmax = float_key(INFINITY);
  std::vector<int32_t> t;
  for (int64_t v = lo + 1; v <= hi; ++v) {
    if (q(kmax) < v) {
      t.push_back(INT32_MAX);
      continue;
    }
    int64_t a = kmin, b = kmax;  // q(b) >= v; the answer is in (a, b] unless q(kmin) >= v
    if (q(kmin) >= v) b = kmin;
    while (b - a > 1) {
      const int64_t mid = a + (b - a) / 2;
      (q(static_cast<int32_t>(mid)) >= v ? b : a) = mid;
    }
    t.push_back(static_cast<int32_t>(b));
  }
  return t;
}

}  // namespace kiln
