#include "compiler/ops/qbinary.h"

#include "compiler/ops/elementwise.h"
#include "compiler/ops/qfast.h"

namespace kiln {

namespace {

// The integer parameters of one node (TFLite's PrepareGeneralSubgraph / QuantizedMul).
struct QBinParams {
  int32_t za = 0, zb = 0, zy = 0, lo = 0, hi = 0;
  QuantMultiplier ma, mb, my;  // Add: per input and output; Mul: my only
};

Status params(OpCtx& ctx, QBinaryKind kind, QBinParams* p) {
  QParam a, b, y;
  KILN_TRY(read_qparam(ctx, 1, 2, 1, &a));
  KILN_TRY(read_qparam(ctx, 4, 5, 1, &b));
  KILN_TRY(read_qparam(ctx, 6, 7, 1, &y));
  p->za = a.z(0);
  p->zb = b.z(0);
  p->zy = y.z(0);
  const double sa = a.s(0), sb = b.s(0), sy = y.s(0);
  if (kind == QBinaryKind::kAdd) {
    const double twice_max = 2 * std::max(sa, sb);
    p->ma = quantize_multiplier(sa / twice_max);
    p->mb = quantize_multiplier(sb / twice_max);
    p->my = quantize_multiplier(twice_max / ((1 << 20) * sy));
  } else {
    p->my = quantize_multiplier(sa * sb / sy);
  }
  quant_output_range(ctx.node(), ctx.out(0).dtype, y.s(0), p->zy, &p->lo, &p->hi);
  return Status::ok();
}

int32_t apply(QBinaryKind kind, const QBinParams& p, int32_t a, int32_t b) {
  int32_t v;
  if (kind == QBinaryKind::kAdd) {
    const int32_t xa = multiply_by_quantized_multiplier((a - p.za) * (1 << 20), p.ma);
    const int32_t xb = multiply_by_quantized_multiplier((b - p.zb) * (1 << 20), p.mb);
    v = p.zy + multiply_by_quantized_multiplier(xa + xb, p.my);
  } else {
    v = p.zy + multiply_by_quantized_multiplier((a - p.za) * (b - p.zb), p.my);
  }
  return std::max(p.lo, std::min(p.hi, v));
}

}  // namespace

Status qbinary_infer(OpCtx& ctx) {
  if (ctx.num_inputs() < 7) return ctx.invalid("7 or 8 inputs expected");
  const DType t = ctx.in(0).dtype;
  if (!is_quant_type(t)) return ctx.unsupported_type(t);
  if (ctx.in(3).dtype != t) return ctx.invalid("A and B must have the same type");
  for (size_t zi : {2, 5, 7})
    if (ctx.has_input(zi) && ctx.in(zi).dtype != t) return ctx.invalid("zero points must have A's type");
  Shape s;
  if (!broadcast_shapes(ctx.in(0).shape, ctx.in(3).shape, &s))
    return ctx.invalid(fmt::format("{} and {} do not broadcast", shape_str(ctx.in(0).shape), shape_str(ctx.in(3).shape)));
  QParam y;
  KILN_TRY(read_qparam(ctx, 6, 7, 1, &y));
  Tensor& out = ctx.out(0);
  out.dtype = t;
  out.shape = s;
  out.shape_known = true;
  out.quant = QuantParams{};
  out.quant.scale = y.scale;
  out.quant.zero_point = y.zero_point;
  return Status::ok();
}

Status qbinary_eval(OpCtx& ctx, QBinaryKind kind) {
  QBinParams p;
  KILN_TRY(params(ctx, kind, &p));
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(3);
  Tensor& y = ctx.out(0);
  for_each_broadcast(a.shape, b.shape, y.shape, [&](int64_t ia, int64_t ib, int64_t iy) {
    const int32_t v = apply(kind, p, int_elem(a, ia), int_elem(b, ib));
    if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[iy] = static_cast<int8_t>(v);
    else y.as_mut<uint8_t>()[iy] = static_cast<uint8_t>(v);
  });
  return Status::ok();
}

Status qbinary_emit(OpCtx& ctx, QBinaryKind kind) {
  QBinParams p;
  KILN_TRY(params(ctx, kind, &p));
  ctx.include("kiln_int8.h");
  const char* yt = dtype_c_name(ctx.out(0).dtype);
  if (kind == QBinaryKind::kAdd && ctx.target().has_dsp) {
    // Tabulated input stages (2 KiB of flash): ta[bit pattern of a] = QAdd's rescaled a.
    const DType t = ctx.in(0).dtype;
    std::vector<int32_t> ta(256), tb(256);
    for (int i = 0; i < 256; ++i) {
      const int32_t v = t == DType::kInt8 ? static_cast<int8_t>(i) : i;
      ta[static_cast<size_t>(i)] = multiply_by_quantized_multiplier((v - p.za) * (1 << 20), p.ma);
      tb[static_cast<size_t>(i)] = multiply_by_quantized_multiplier((v - p.zb) * (1 << 20), p.mb);
    }
    int64_t ma = 0, mb = 0;
    for (int i = 0; i < 256; ++i) {
      ma = std::max<int64_t>(ma, std::llabs(ta[static_cast<size_t>(i)]));
      mb = std::max<int64_t>(mb, std::llabs(tb[static_cast<size_t>(i)]));
    }
    const int64_t bound = ma + mb;
    const std::string& nm = ctx.node().name;
    std::string sa = ctx.add_const(nm + "_ta", int32_tensor(nm + "_ta", ta));
    std::string sb = ctx.add_const(nm + "_tb", int32_tensor(nm + "_tb", tb));
    ctx.include("kiln_int8_fast.h");
    std::string f;
    const Tensor &a = ctx.in(0), &b = ctx.in(3), &y = ctx.out(0);
    if (half_up_exact(p.my, bound, p.zy) && ctx.target().has_mve && a.shape == y.shape && b.shape == y.shape) {
      const int S = -1 - p.my.shift;
      ctx.include("kiln_mve.h");
      ctx.include("kiln_int8_mve.h");
      ctx.w().line("kiln::qadd_lut_mve<{}, {}, {}, {}, {}, {}, {}>({}, {}, {}, {}, {}, {}, {});", y.numel(),
                   dtype_c_name(a.dtype), dtype_c_name(b.dtype), yt, S, p.lo, p.hi, ctx.in_ptr(0), ctx.in_ptr(3),
                   ctx.out_ptr(0), sa, sb, p.my.mult, p.zy * (1 << S) + (1 << (S - 1)));
      return Status::ok();
    }
    if (half_up_exact(p.my, bound, p.zy)) {
      const int S = -1 - p.my.shift;
      f = fmt::format("kiln::QAddLutHalfUp<{}, {}, {}, {}>{{{}, {}, {}, {}}}", yt, S, p.lo, p.hi, sa, sb, p.my.mult,
                      p.zy * (1 << S) + (1 << (S - 1)));
    } else {
      f = fmt::format("kiln::QAddLut<{}, {}>{{{}, {}, {}, {}, {}, {}}}", yt, p.my.shift, sa, sb, p.zy, p.my.mult, p.lo,
                      p.hi);
    }
    emit_binary(ctx, ctx.in(0), ctx.in_ptr(0), ctx.in(3), ctx.in_ptr(3), ctx.out(0), ctx.out_ptr(0), f);
    return Status::ok();
  }
  std::string f =
      kind == QBinaryKind::kAdd
          ? fmt::format("kiln::QAdd<{}, {}, {}, {}>{{{}, {}, {}, {}, {}, {}, {}, {}}}", yt, p.ma.shift, p.mb.shift,
                        p.my.shift, p.za, p.ma.mult, p.zb, p.mb.mult, p.zy, p.my.mult, p.lo, p.hi)
          : fmt::format("kiln::QMul<{}, {}>{{{}, {}, {}, {}, {}, {}}}", yt, p.my.shift, p.za, p.zb, p.zy, p.my.mult, p.lo,
                        p.hi);
  emit_binary(ctx, ctx.in(0), ctx.in_ptr(0), ctx.in(3), ctx.in_ptr(3), ctx.out(0), ctx.out_ptr(0), f);
  return Status::ok();
}

}  // namespace kiln
