// Pad (opset 1..17): modes constant, reflect and edge. Pads come from the attribute `paddings`
// (opset 1) or `pads` (2..10), or a constant input (11..17; [x1_begin, x2_begin, ..., x1_end,
// ...]); negative pads crop. The fill is the `value` attribute before opset 11 and the optional
// constant_value input from 11 (it may be a runtime tensor). Any type. Unpadded neighbouring
// dims are merged; the kernel pads 4 dims and is called once per index of any dims before
// those. Reflect pads reaching past the (cropped) input, which numpy would mirror again, are
// not supported.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

struct PadGeom {
  int mode;  // kiln::PadMode: 0 constant, 1 reflect, 2 edge
  Shape in, out;
  std::vector<int64_t> begin;  // per dim, may be negative
};

Status resolve(OpCtx& ctx, PadGeom* g) {
  const Node& n = ctx.node();
  g->in = ctx.in(0).shape;
  const size_t r = g->in.size();
  std::vector<int64_t> pads;
  if (ctx.opset() >= 11) {
    KILN_TRY(ctx.require_const(1, "pads"));
    pads = ctx.in(1).to_ints();
  } else {
    pads = n.attr_ints(ctx.opset() == 1 ? "paddings" : "pads");
  }
  if (pads.size() != 2 * r) return ctx.invalid(fmt::format("pads has {} values for rank {}", pads.size(), r));
  std::string mode = n.attr_string("mode", "constant");
  if (mode == "constant") g->mode = 0;
  else if (mode == "reflect") g->mode = 1;
  else if (mode == "edge") g->mode = 2;
  else return ctx.unsupported(fmt::format("mode '{}' is not supported", mode));
  g->out.resize(r);
  g->begin.resize(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t pb = pads[i], pe = pads[i + r], d = g->in[i];
    g->begin[i] = pb;
    g->out[i] = d + pb + pe;
    if (g->out[i] < 0) return ctx.invalid(fmt::format("pads crop dim {} below zero", i));
    // Reflect and edge read the input cropped on the other side: stay within it.
    const int64_t kept = d + std::min<int64_t>(pb, 0) + std::min<int64_t>(pe, 0);
    const int64_t grow = std::max<int64_t>(pb, 0) + std::max<int64_t>(pe, 0);
    if (grow > 0 && g->mode != 0 && kept <= 0) return ctx.invalid(fmt::format("cannot {}-pad an empty dim", mode));
    if (g->mode == 1 && (pb >= kept || pe >= kept))
      return ctx.unsupported(fmt::format("reflect pads of {} and {} on a dim of size {}", pb, pe, kept),
                             "reflect pads must be smaller than the dim");
  }
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  PadGeom g;
  KILN_TRY(resolve(ctx, &g));
  if (ctx.opset() >= 11 && ctx.has_input(2) && ctx.in(2).dtype != ctx.in(0).dtype)
    return ctx.invalid("constant_value must have the input's type");
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = g.out;
  y.shape_known = true;
  return Status::ok();
}

// Source index along a dim of size d for output index o (-1: the constant).
int64_t source(int mode, int64_t o, int64_t begin, int64_t d) {
  int64_t s = o - begin;
  if (s >= 0 && s < d) return s;
  if (mode == 0) return -1;
  if (mode == 2) return s < 0 ? 0 : d - 1;
  return s < 0 ? -s : 2 * (d - 1) - s;
}

Status eval(OpCtx& ctx) {
  PadGeom g;
  KILN_TRY(resolve(ctx, &g));
  dispatch_dtype(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T value = T(0);
    if (ctx.opset() < 11) value = static_cast<T>(ctx.node().attr_float("value", 0.0f));
    else if (ctx.has_input(2) && ctx.in(2).numel() > 0) value = ctx.in(2).as<T>()[0];
    const T* x = ctx.in(0).as<T>();
    T* y = ctx.out(0).as_mut<T>();
    const std::vector<int64_t> xs = dense_strides(g.in);
    const size_t r = g.in.size();
    std::vector<int64_t> o(r, 0);
    for (int64_t i = 0; i < ctx.out(0).numel(); ++i) {
      int64_t off = 0;
      bool fill = false;
      for (size_t k = 0; k < r; ++k) {
        int64_t s = source(g.mode, o[k], g.begin[k], g.in[k]);
        fill |= s < 0;
        off += s * xs[k];
      }
      y[i] = fill ? value : x[off];
      for (size_t k = r; k-- > 0;) {
        if (++o[k] < g.out[k]) break;
        o[k] = 0;
      }
    }
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  PadGeom g;
  KILN_TRY(resolve(ctx, &g));
  const Tensor& y = ctx.out(0);
  if (y.numel() == 0) return Status::ok();
  const DType t = y.dtype;
  const char* T = dtype_c_name(t);
  std::string value = c_literal(t, 0.0);
  if (ctx.opset() < 11) value = c_literal(t, ctx.node().attr_float("value", 0.0f));
  else if (ctx.has_input(2) && ctx.in(2).numel() > 0)
    value = ctx.in(2).is_const ? c_literal(ctx.in(2), 0) : ctx.in_ptr(2) + "[0]";
  ctx.include("kiln_shape.h");
  if (ctx.in(0).numel() == 0) {  // nothing to copy: all fill (only constant mode gets here)
    ctx.w().line("kiln::fill<{}, {}>({}, {});", T, y.numel(), ctx.out_ptr(0), value);
    return Status::ok();
  }
  // Merge neighbouring unpadded dims, then pad in front to 4 dims.
  std::vector<int64_t> d, p, o;
  for (size_t k = 0; k < g.in.size(); ++k) {
    bool unpadded = g.out[k] == g.in[k] && g.begin[k] == 0;
    if (unpadded && !d.empty() && o.back() == d.back() && p.back() == 0) {
      d.back() *= g.in[k];
      o.back() *= g.in[k];
      continue;
    }
    d.push_back(g.in[k]);
    p.push_back(g.begin[k]);
    o.push_back(g.out[k]);
  }
  // Beyond 4 dims, one call (or fill) per output index of the leading dims.
  const size_t lead = d.size() > 4 ? d.size() - 4 : 0;
  while (d.size() < 4) {
    d.insert(d.begin(), 1);
    p.insert(p.begin(), 0);
    o.insert(o.begin(), 1);
  }
  const int64_t count = dims_product(o, 0, lead), in_block = dims_product(d, lead, d.size());
  const int64_t out_block = dims_product(o, lead, o.size());
  for (int64_t k = 0; k < count; ++k) {
    int64_t rem = k, src = 0, scale = 1;
    for (size_t i = lead; i-- > 0;) {
      const int64_t s = source(g.mode, rem % o[i], p[i], d[i]);
      rem /= o[i];
      src = s < 0 || src < 0 ? -1 : src + s * scale;
      scale *= d[i];
    }
    const std::string dst = ptr_plus(ctx.out_ptr(0), k * out_block);
    if (src < 0) {
      ctx.w().line("kiln::fill<{}, {}>({}, {});", T, out_block, dst, value);
      continue;
    }
    ctx.w().line("kiln::pad<{}, {}, {}, {}, {}>({}, {}, {});", T, g.mode, fmt::join(d.end() - 4, d.end(), ", "),
                 fmt::join(p.end() - 4, p.end(), ", "), fmt::join(o.end() - 4, o.end(), ", "),
                 ptr_plus(ctx.in_ptr(0), src * in_block), dst, value);
  }
  return Status::ok();
}

}  // namespace

const OpDef kOp_Pad = {"Pad", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
