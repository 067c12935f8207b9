#include "passes/qdq_constants.h"

#include <cmath>
#include <limits>

#include "compiler/ops/quant_util.h"

namespace kiln::qdq {

bool recover(const Tensor& t, QConst* r) {
  if (!t.is_const || t.dtype != DType::kFloat32 || t.quant.scale.empty() ||
      t.quant.zero_point.size() != t.quant.scale.size())
    return false;
  const size_t C = t.quant.scale.size();
  int64_t inner = 1;
  if (C > 1) {
    if (t.quant.axis < 0 || t.quant.axis >= static_cast<int>(t.shape.size()) ||
        t.shape[static_cast<size_t>(t.quant.axis)] != static_cast<int64_t>(C))
      return false;
    for (size_t i = static_cast<size_t>(t.quant.axis) + 1; i < t.shape.size(); ++i) inner *= t.shape[i];
  }
  r->scale = t.quant.scale;
  r->zp = t.quant.zero_point;
  r->axis = C > 1 ? t.quant.axis : -1;
  r->q.resize(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    const size_t c = C == 1 ? 0 : static_cast<size_t>((i / inner) % static_cast<int64_t>(C));
    const float v = t.as<float>()[i], s = r->scale[c];
    const double k = round_half_even(static_cast<double>(v) / s);
    if (std::fabs(k) > 2147483647.0) return false;
    const int64_t q = static_cast<int64_t>(k) + r->zp[c];
    if (q < std::numeric_limits<int32_t>::min() || q > std::numeric_limits<int32_t>::max()) return false;
    if (static_cast<float>(q - r->zp[c]) * s != v) return false;  // not DequantizeLinear's output
    r->q[static_cast<size_t>(i)] = static_cast<int32_t>(q);
  }
  return true;
}

// int8 when the integers (and zero points) fit, else uint8; false when neither.
bool weight_type(const QConst& w, DType* t) {
  bool s8 = true, u8 = true;
  auto check = [&](int32_t v) {
    s8 &= v >= -128 && v <= 127;
    u8 &= v >= 0 && v <= 255;
  };
  for (int32_t v : w.q) check(v);
  for (int32_t v : w.zp) check(v);
  *t = s8 ? DType::kInt8 : DType::kUInt8;
  return s8 || u8;
}

Tensor const_tensor(const std::string& name, DType t, const Shape& shape) {
  Tensor r;
  r.name = name;
  r.dtype = t;
  r.shape = shape;
  r.shape_known = true;
  r.is_const = true;
  r.alloc();
  return r;
}

bool quantized_weights(Pending& pd, const std::string& wname, int ch_axis, int64_t channels, QWeights* out) {
  const Tensor& W = pd.g.tensor(wname);
  QConst q;
  DType t;
  if (!recover(W, &q) || !weight_type(q, &t)) return false;
  if (q.scale.size() > 1 && (q.axis != ch_axis || static_cast<int64_t>(q.scale.size()) != channels)) return false;
  out->w = pd.ints(wname + "_q", t, W.shape, q.q);
  out->scale = pd.floats(wname + "_scale", q.scale);
  Shape zs = q.zp.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(q.zp.size())};
  out->zp = pd.ints(wname + "_zp", t, zs, q.zp);
  out->s.clear();
  for (int64_t c = 0; c < channels; ++c) out->s.push_back(q.scale[q.scale.size() == 1 ? 0 : static_cast<size_t>(c)]);
  return true;
}

// An int32 bias at scale sx * sw[c]: the integers as stored when the bias was quantized at that
// scale (the usual case), else the float value requantized.
bool quantized_bias(Pending& pd, const std::string& bname, float sx, const std::vector<float>& sw, std::string* out) {
  const Tensor& B = pd.g.tensor(bname);
  if (!B.is_const || B.dtype != DType::kFloat32) return false;
  const int64_t N = static_cast<int64_t>(sw.size());
  if (B.numel() != N && B.numel() != 1) return false;
  QConst q;
  const bool have = recover(B, &q);
  std::vector<int32_t> v(static_cast<size_t>(N));
  for (int64_t c = 0; c < N; ++c) {
    const int64_t i = B.numel() == 1 ? 0 : c;
    const double want = static_cast<double>(sx) * sw[static_cast<size_t>(c)];
    if (have) {
      const size_t k = q.scale.size() == 1 ? 0 : static_cast<size_t>(i);
      if (std::fabs(q.scale[k] - want) <= 1e-6 * want) {
        v[static_cast<size_t>(c)] = q.q[static_cast<size_t>(i)] - q.zp[k];
        continue;
      }
    }
    const double r = round_half_even(B.as<float>()[i] / want);
    if (std::fabs(r) > 2147483647.0) return false;
    v[static_cast<size_t>(c)] = static_cast<int32_t>(r);
  }
  *out = pd.ints(bname + "_q", DType::kInt32, {N}, v);
  return true;
}

// int16 weights path: symmetric int8 weights (zero point 0) with per-tensor or per-channel
// scales along the output channel.
bool int8_symmetric_weights(Pending& pd, const std::string& wname, int ch_axis, int64_t channels, QWeights* out) {
  const Tensor& W = pd.g.tensor(wname);
  QConst q;
  if (!recover(W, &q)) return false;
  if (q.scale.size() > 1 && (q.axis != ch_axis || static_cast<int64_t>(q.scale.size()) != channels)) return false;
  for (int32_t z : q.zp)
    if (z != 0) return false;
  for (int32_t v : q.q)
    if (v < -128 || v > 127) return false;
  out->w = pd.ints(wname + "_q", DType::kInt8, W.shape, q.q);
  out->scale = pd.floats(wname + "_scale", q.scale);
  out->s.clear();
  for (int64_t c = 0; c < channels; ++c) out->s.push_back(q.scale[q.scale.size() == 1 ? 0 : static_cast<size_t>(c)]);
  return true;
}

// A float bias at scale sx * sw[c] for the int16 ops: int32 when every value fits, else int64
// (int16 x int8 products summed over a long reduction outgrow int32).
bool int16_bias(Pending& pd, const std::string& bname, float sx, const std::vector<float>& sw, std::string* out) {
  const Tensor& B = pd.g.tensor(bname);
  if (!B.is_const || B.dtype != DType::kFloat32) return false;
  const int64_t N = static_cast<int64_t>(sw.size());
  if (B.numel() != N && B.numel() != 1) return false;
  std::vector<int64_t> v(static_cast<size_t>(N));
  bool fits32 = true;
  for (int64_t c = 0; c < N; ++c) {
    const double r = round_half_even(B.as<float>()[B.numel() == 1 ? 0 : c] / (static_cast<double>(sx) * sw[static_cast<size_t>(c)]));
    if (std::fabs(r) > 9.0e15) return false;
    v[static_cast<size_t>(c)] = static_cast<int64_t>(r);
    fits32 &= std::fabs(r) <= 2147483647.0;
  }
  Tensor t = const_tensor(pd.name(bname + "_q"), fits32 ? DType::kInt32 : DType::kInt64, {N});
  for (size_t c = 0; c < v.size(); ++c) {
    if (fits32) t.as_mut<int32_t>()[c] = static_cast<int32_t>(v[c]);
    else t.as_mut<int64_t>()[c] = v[c];
  }
  pd.tensors.push_back(std::move(t));
  *out = pd.tensors.back().name;
  return true;
}

}  // namespace kiln::qdq
