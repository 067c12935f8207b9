#include "compiler/ops/qsoftmax.h"

#include <cmath>
#include <algorithm>
#include <cstring>

namespace kiln {

Status qsoftmax_resolve(OpCtx& ctx, QSoftmaxGeometry* g) {
  const Shape& s = ctx.in(0).shape;
  const int64_t opset = ctx.node().attr_int("opset", 13);
  const int64_t rank = static_cast<int64_t>(s.size());
  int64_t axis = ctx.node().attr_int("axis", opset < 13 ? 1 : -1);
  if (axis < 0) axis += rank;
  if (rank == 0 || axis < 0 || axis >= rank) return ctx.invalid("axis out of range");
  for (int64_t i = 0; i < axis; ++i) g->outer *= s[static_cast<size_t>(i)];
  if (opset < 13) {
    for (int64_t i = axis; i < rank; ++i) g->n *= s[static_cast<size_t>(i)];
  } else {
    g->n = s[static_cast<size_t>(axis)];
    for (int64_t i = axis + 1; i < rank; ++i) g->inner *= s[static_cast<size_t>(i)];
  }
  if (g->n > 65535) return ctx.unsupported("softmax over more than 65535 elements");
  KILN_TRY(read_qparam(ctx, 1, 2, 1, &g->x));
  KILN_TRY(read_qparam(ctx, 3, 4, 1, &g->y));
  if (g->y.s(0) < 1.0f / (1 << 20)) return ctx.unsupported("y_scale below 2^-20");
  return Status::ok();
}

Status qsoftmax_infer(OpCtx& ctx) {
  const DType t = ctx.in(0).dtype;
  if (!is_quant_type(t)) return ctx.unsupported_type(t);
  for (size_t zi : {2, 4})
    if (ctx.has_input(zi) && ctx.in(zi).dtype != t) return ctx.invalid("zero points must have X's type");
  QSoftmaxGeometry g;
  KILN_TRY(qsoftmax_resolve(ctx, &g));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  y.quant = QuantParams{};
  y.quant.scale = g.y.scale;
  y.quant.zero_point = g.y.zero_point;
  return Status::ok();
}

void qsoftmax_eval_rows(const QSoftmaxGeometry& g, const Tensor& x, Tensor& y, const std::vector<uint32_t>& table,
                        const std::function<int32_t(int32_t, uint32_t)>& f) {
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t in = 0; in < g.inner; ++in) {
      auto at = [&](int64_t k) { return o * g.n * g.inner + k * g.inner + in; };
      int32_t m = int_elem(x, at(0));
      for (int64_t k = 1; k < g.n; ++k) m = std::max(m, int_elem(x, at(k)));
      uint32_t sum = 0;
      for (int64_t k = 0; k < g.n; ++k) sum += table[static_cast<size_t>(m - int_elem(x, at(k)))];
      for (int64_t k = 0; k < g.n; ++k) {
        const int32_t v = f(int_elem(x, at(k)) - m, sum);
        if (y.dtype == DType::kInt8) y.as_mut<int8_t>()[at(k)] = static_cast<int8_t>(v);
        else y.as_mut<uint8_t>()[at(k)] = static_cast<uint8_t>(v);
      }
    }
}

std::vector<uint32_t> qsoftmax_exp_table(float sx) {
  std::vector<uint32_t> t(256);
  for (int d = 0; d < 256; ++d)
    t[static_cast<size_t>(d)] = static_cast<uint32_t>(std::lround(65536.0 * std::exp(-static_cast<double>(sx) * d)));
  return t;
}

std::string qsoftmax_emit_table(OpCtx& ctx, float x_scale) {
  const auto table = qsoftmax_exp_table(x_scale);
  Tensor t;
  t.dtype = DType::kUInt32;
  t.shape = {256};
  t.shape_known = true;
  t.is_const = true;
  t.alloc();
  std::memcpy(t.data.data(), table.data(), t.data.size());
  return ctx.add_const(ctx.node().name + "_exp", t);
}

}  // namespace kiln
