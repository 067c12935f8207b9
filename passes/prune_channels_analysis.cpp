// prune-channels, analyse: the Analysis of passes/prune_channels_internal.h over a schedule
// (what each channel's value is when known, and which channels form one class). The pass's
// banner is in passes/prune_channels.cpp.
#include "passes/prune_channels_internal.h"

namespace kiln::prune_detail {

void Analysis::producer(const Node& n, Role r, const MatGeom& mg) {
  const Layout l = layout_of(n);
  const std::string& x = n.inputs[l.x];
  const Tensor& xt = g.tensor(x);
  const int axis = r == Role::kGemm ? static_cast<int>(xt.shape.size()) - 1 : 1;
  Desc in;
  const bool tracked = expect(x, axis, r == Role::kGemm ? std::numeric_limits<int64_t>::max() : 1, &in);
  Reader rd(g, n, r, mg);
  const std::string& y = n.outputs[0];
  const Tensor& yt = g.tensor(y);
  add(y, r == Role::kGemm ? static_cast<int>(yt.shape.size()) - 1 : 1, rd.M, 1);
  const double zx = read_zero(g, n, l.xz, xt);
  if (tracked && (in.C * in.block != rd.C || std::isnan(zx))) {
    pin_all(x);
    return;
  }
  const bool fold = rd.can_fold();
  // Input channels: removable when constant and zero, or foldable.
  if (tracked)
    for (int64_t c = 0; c < in.C; ++c) {
      const Val& v = val[static_cast<size_t>(pair(x, c))];
      if (!v.known || (v.v != zx && !fold)) pin(x, c, false);
    }
  // Output channels: constant when every input row read through a non-zero weight is.
  for (int64_t m = 0; m < rd.M; ++m) {
    double acc = rd.bias(m);
    bool known = true;
    for (int64_t k = 0; k < rd.C && known; ++k) {
      if (rd.all_zero(m, k)) continue;
      const int64_t c = tracked ? k / in.block : -1;
      const Val* v = tracked ? &val[static_cast<size_t>(pair(x, c))] : nullptr;
      if (!v || !v->known) {
        known = false;
      } else if (v->v != zx) {
        if (r == Role::kConv && !no_padding(n)) known = false;
        else acc += rd.alpha() * (v->v - zx) * rd.sum(m, k);
      }
    }
    if (!known) continue;
    Val& out = val[static_cast<size_t>(pair(y, m))];
    out.known = true;
    if (l.quant) {
      if (std::fabs(acc) > 2147483647.0) {
        out.known = false;
        continue;
      }
      out.v = requant_const(g, n, l, rd.M, m, static_cast<int64_t>(acc));
    } else {
      out.v = apply_fused_act(n, static_cast<float>(acc));
    }
  }
}

// A depthwise channel whose input is the constant dv (above the zero point) everywhere and
// whose window crosses padding: the output varies with the position unless the clamp makes it
// one value everywhere. Evaluates every position; true (and the value) when all agree. Float
// outputs must be clamped with a margin, so no rounding of the sum can change them.
bool padded_const(const Graph& g, const Node& n, const Reader& rd, int64_t c, double dv, double* out) {
  const Layout l = layout_of(n);
  const Shape& xs = g.tensor(n.inputs[l.x]).shape;
  const Shape& ys = g.tensor(n.outputs[0]).shape;
  if (n.attr_string("auto_pad", "NOTSET") != "NOTSET" || xs.size() != 4) return false;
  const Shape& ws = rd.w.shape;
  const auto st = n.attr_ints("strides", {1, 1}), dl = n.attr_ints("dilations", {1, 1});
  const auto pads = n.attr_ints("pads", {0, 0, 0, 0});
  if (st.size() != 2 || dl.size() != 2 || pads.size() != 4) return false;
  const int64_t H = xs[2], W = xs[3], KH = ws[2], KW = ws[3], OH = ys[2], OW = ys[3];
  const float lo = n.attr_float("kiln_act_lo", -std::numeric_limits<float>::infinity());
  const std::string act = n.attr_string("kiln_act", "");
  bool first = true;
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow) {
      double s = 0, mag = std::fabs(rd.bias(c));
      for (int64_t kh = 0; kh < KH; ++kh)
        for (int64_t kw = 0; kw < KW; ++kw) {
          const int64_t ih = oh * st[0] - pads[0] + kh * dl[0], iw = ow * st[1] - pads[1] + kw * dl[1];
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // padding: the zero point
          s += rd.at(c, 0, kh * KW + kw);
          mag += std::fabs(dv * rd.at(c, 0, kh * KW + kw));
        }
      const double acc = rd.bias(c) + dv * s;
      double v;
      if (l.quant) {
        if (std::fabs(acc) > 2147483647.0) return false;
        v = requant_const(g, n, l, rd.M, c, static_cast<int64_t>(acc));
      } else {
        if ((act != "Relu" && act != "Clip") || !(acc < lo - 1e-5 * mag)) return false;
        v = lo;
      }
      if (!first && v != *out) return false;
      *out = v;
      first = false;
    }
  return !first;
}

bool Analysis::depthwise(const Node& n, const MatGeom& mg) {
  const Layout l = layout_of(n);
  const std::string& x = n.inputs[l.x];
  Desc in;
  if (!expect(x, 1, 1, &in)) return false;
  Reader rd(g, n, Role::kConv, mg);
  const std::string& y = n.outputs[0];
  add(y, 1, in.C, 1);
  const double zx = read_zero(g, n, l.xz, g.tensor(x));
  for (int64_t c = 0; c < in.C; ++c) {
    unite(pair(x, c), pair(y, c));
    const Val& v = val[static_cast<size_t>(pair(x, c))];
    Val& o = val[static_cast<size_t>(pair(y, c))];
    double acc = rd.bias(c);
    const bool dead = rd.all_zero(c, 0);
    if (!dead && (!v.known || std::isnan(zx))) continue;
    if (!dead && v.v != zx) {
      if (!no_padding(n)) {
        double k = 0;
        if (padded_const(g, n, rd, c, v.v - zx, &k)) o = Val{true, k};
        continue;
      }
      acc += (v.v - zx) * rd.sum(c, 0);
    }
    if (l.quant) {
      if (std::fabs(acc) > 2147483647.0) continue;
      o = Val{true, requant_const(g, n, l, in.C, c, static_cast<int64_t>(acc))};
    } else {
      o = Val{true, apply_fused_act(n, static_cast<float>(acc))};
    }
  }
  return true;
}

void Analysis::unary(const Node& n) {
  Desc in;
  const std::string& x = n.inputs[0];
  if (!expect(x, 1, 1, &in)) {
    if (desc.count(x)) pin_all(x);
    return;
  }
  const std::string& y = n.outputs[0];
  const Tensor& xt = g.tensor(x);
  const Tensor& yt = g.tensor(y);
  if (yt.shape.size() < 2 || yt.shape[1] != in.C || (is(n, "Clip") && is_quant_type(xt.dtype) && zero_of(xt) != zero_of(yt))) {
    pin_all(x);
    return;
  }
  add(y, 1, in.C, 1);
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t c = 0; c < in.C; ++c) {
    unite(pair(x, c), pair(y, c));
    const Val& v = val[static_cast<size_t>(pair(x, c))];
    Val& o = val[static_cast<size_t>(pair(y, c))];
    if (!v.known) continue;
    const bool z = v.v == zero_of(xt);
    if (is(n, "Relu")) {
      o = Val{true, std::max(v.v, 0.0)};
    } else if (is(n, "LeakyRelu")) {
      o = Val{true, v.v < 0 ? static_cast<float>(v.v) * n.attr_float("alpha", 0.01f) : v.v};
    } else if (is(n, "Clip")) {
      double lo = n.attr_float("min", -inf), hi = n.attr_float("max", inf);
      if (has_in(n, 1)) lo = g.tensor(n.inputs[1]).float_at(0);
      if (has_in(n, 2)) hi = g.tensor(n.inputs[2]).float_at(0);
      o = Val{true, std::max(lo, std::min(hi, v.v))};
    } else if (is(n, "MaxPool") || is(n, "GlobalMaxPool")) {
      o = v;  // the maximum of a constant (padding never wins)
    } else if (is(n, "BatchNormalization")) {
      auto p = [&](size_t i) { return static_cast<double>(g.tensor(n.inputs[i]).as<float>()[c]); };
      double s = (static_cast<float>(v.v) - p(3)) / std::sqrt(p(4) + n.attr_float("epsilon", 1e-5f));
      o = Val{true, static_cast<float>(s * static_cast<float>(p(1)) + static_cast<float>(p(2)))};
    } else if (z && (!is_quant_type(xt.dtype) || (read_zero(g, n, 2, xt) == zero_of(xt) && read_zero(g, n, 4, yt) == zero_of(yt)))) {
      o = Val{true, zero_of(yt)};  // the average pools: zero stays zero (int8: the output zero point)
    }
  }
}

// Follows the channel axis through a view: the output axis j whose leading dims hold the same
// elements as the input's leading dims and whose extent holds the channels' blocks.
void Analysis::view(const Node& n) {
  const std::string& x = n.inputs[0];
  const std::string& y = n.outputs[0];
  auto it = desc.find(x);
  if (it == desc.end()) return;
  const Desc in = it->second;
  const Shape& xs = g.tensor(x).shape;
  const Shape& ys = g.tensor(y).shape;
  int axis = -1;
  int64_t block = 0;
  if (is(n, "Transpose")) {
    auto perm = n.attr_ints("perm");
    if (perm.empty())
      for (int64_t i = static_cast<int64_t>(xs.size()) - 1; i >= 0; --i) perm.push_back(i);
    for (size_t j = 0; j < perm.size(); ++j)
      if (perm[j] == in.axis) axis = static_cast<int>(j);
    block = in.block;
  } else {
    int64_t pre = 1, post = 1;
    for (int i = 0; i < static_cast<int>(xs.size()); ++i) (i < in.axis ? pre : post) *= i == in.axis ? 1 : xs[static_cast<size_t>(i)];
    int64_t lead = 1;
    for (size_t j = 0; j < ys.size() && axis < 0; ++j) {
      int64_t inner = 1;
      for (size_t k = j + 1; k < ys.size(); ++k) inner *= ys[k];
      if (lead == pre && ys[j] % in.C == 0 && (ys[j] / in.C) * inner == in.block * post && in.block * post % inner == 0 &&
          (ys[j] > 1 || in.C == 1)) {
        axis = static_cast<int>(j);
        block = ys[j] / in.C;
      }
      lead *= ys[j];
    }
  }
  if (axis < 0) {
    pin_all(x);
    return;
  }
  add(y, axis, in.C, block);
  for (int64_t c = 0; c < in.C; ++c) {
    unite(pair(x, c), pair(y, c));
    val[static_cast<size_t>(pair(y, c))] = val[static_cast<size_t>(pair(x, c))];
  }
}

void Analysis::binary(const Node& n) {
  const bool q = n.domain == kMsDomain;
  const std::string& a = n.inputs[0];
  const std::string& b = n.inputs[q ? 3 : 1];
  const std::string& y = n.outputs[0];
  const Shape& ys = g.tensor(y).shape;
  auto it = desc.find(a);
  if (it == desc.end()) it = desc.find(b);
  Desc da, db;
  if (it == desc.end() || g.tensor(a).shape != ys || g.tensor(b).shape != ys || !expect(a, it->second.axis, it->second.block, &da) ||
      !expect(b, it->second.axis, it->second.block, &db) || da.C != db.C || da.block != db.block) {
    pin_inputs(n);
    return;
  }
  add(y, da.axis, da.C, da.block);
  for (int64_t c = 0; c < da.C; ++c) {
    unite(pair(a, c), pair(y, c));
    unite(pair(b, c), pair(y, c));
    const bool zps = !q || (read_zero(g, n, 2, g.tensor(a)) == zero_of(g.tensor(a)) &&
                            read_zero(g, n, 5, g.tensor(b)) == zero_of(g.tensor(b)) &&
                            read_zero(g, n, 7, g.tensor(y)) == zero_of(g.tensor(y)));
    if (zps && zero(a, c) && zero(b, c)) val[static_cast<size_t>(pair(y, c))] = Val{true, zero_of(g.tensor(y))};
  }
}

void Analysis::concat(const Node& n) {
  const std::string& y = n.outputs[0];
  const Shape& ys = g.tensor(y).shape;
  int64_t axis = n.attr_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(ys.size());
  const Desc* first = nullptr;
  for (const auto& in : n.inputs)
    if (desc.count(in)) first = &desc.at(in);
  std::vector<Desc> ins;
  bool ok = first != nullptr;
  for (const auto& in : n.inputs) {
    Desc d;
    ok = ok && expect(in, first->axis, first->block, &d) && d.block == first->block;
    ins.push_back(d);
  }
  if (!ok) {
    pin_inputs(n);
    return;
  }
  const Desc f = *first;
  if (axis == f.axis) {
    int64_t C = 0;
    for (const Desc& d : ins) C += d.C;
    add(y, f.axis, C, f.block);
    int64_t at = 0;
    for (size_t i = 0; i < ins.size(); ++i)
      for (int64_t c = 0; c < ins[i].C; ++c, ++at) {
        unite(pair(n.inputs[i], c), pair(y, at));
        val[static_cast<size_t>(pair(y, at))] = val[static_cast<size_t>(pair(n.inputs[i], c))];
      }
    return;
  }
  for (const Desc& d : ins)
    if (d.C != f.C) {
      pin_inputs(n);
      return;
    }
  add(y, f.axis, f.C, f.block);
  for (int64_t c = 0; c < f.C; ++c) {
    bool all_zero = true;
    for (const auto& in : n.inputs) {
      unite(pair(in, c), pair(y, c));
      all_zero = all_zero && zero(in, c) && zero_of(g.tensor(in)) == zero_of(g.tensor(y));
    }
    if (all_zero) val[static_cast<size_t>(pair(y, c))] = Val{true, zero_of(g.tensor(y))};
  }
}

void Analysis::run() {
  for (const Node& n : g.nodes) {
    MatGeom mg;
    Role r = classify(g, n, &mg);
    role.push_back(r);
    geom.push_back(mg);
    switch (r) {
      case Role::kConv:
      case Role::kGemm: producer(n, r, mg); break;
      case Role::kDepthwise:
        if (!depthwise(n, mg)) role.back() = Role::kOpaque;
        break;
      case Role::kUnary: unary(n); break;
      case Role::kView: view(n); break;
      case Role::kBinary: binary(n); break;
      case Role::kConcat: concat(n); break;
      case Role::kOpaque: pin_inputs(n); break;
    }
  }
}

}  // namespace kiln::prune_detail
