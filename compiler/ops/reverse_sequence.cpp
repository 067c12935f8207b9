// ReverseSequence (opset 10..17): for each batch b, reverses the first sequence_lens[b] steps
// along the time axis; (batch_axis, time_axis) is (1, 0) or (0, 1). sequence_lens is int64,
// constant or runtime (lengths are clamped to [0, T] at run time). Any type.
#include <algorithm>
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

struct SeqGeom {
  bool batch_major;
  int64_t t, b, inner;
};

Status resolve(OpCtx& ctx, SeqGeom* g) {
  const Shape& s = ctx.in(0).shape;
  if (s.size() < 2) return ctx.invalid("input must have rank >= 2");
  const int64_t ba = ctx.node().attr_int("batch_axis", 1), ta = ctx.node().attr_int("time_axis", 0);
  if (!((ba == 0 && ta == 1) || (ba == 1 && ta == 0))) return ctx.invalid("batch_axis and time_axis must be 0 and 1");
  g->batch_major = ba == 0;
  g->t = s[static_cast<size_t>(ta)];
  g->b = s[static_cast<size_t>(ba)];
  g->inner = dims_product(s, 2, s.size());
  DType lt = ctx.in(1).dtype;
  if (lt != DType::kInt64 && lt != DType::kInt32) return ctx.unsupported_type(lt);
  if (ctx.in(1).numel() != g->b) return ctx.invalid("sequence_lens must hold one length per batch");
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  SeqGeom g;
  KILN_TRY(resolve(ctx, &g));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  SeqGeom g;
  KILN_TRY(resolve(ctx, &g));
  const size_t es = dtype_size(ctx.in(0).dtype), row = static_cast<size_t>(g.inner) * es;
  for (int64_t b = 0; b < g.b; ++b) {
    const int64_t len = std::clamp<int64_t>(ctx.in(1).int_at(b), 0, g.t);
    for (int64_t t = 0; t < g.t; ++t) {
      const int64_t s = t < len ? len - 1 - t : t;
      const int64_t src = g.batch_major ? b * g.t + s : s * g.b + b, dst = g.batch_major ? b * g.t + t : t * g.b + b;
      std::memcpy(ctx.out(0).data.data() + static_cast<size_t>(dst) * row,
                  ctx.in(0).data.data() + static_cast<size_t>(src) * row, row);
    }
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  SeqGeom g;
  KILN_TRY(resolve(ctx, &g));
  if (ctx.out(0).numel() == 0) return Status::ok();
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::reverse_sequence<{}, {}, {}, {}, {}, {}>({}, {}, {});", dtype_c_name(ctx.in(0).dtype),
               dtype_c_name(ctx.in(1).dtype), g.t, g.b, g.inner, g.batch_major, ctx.in_ptr(0), ctx.in_ptr(1),
               ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_ReverseSequence = {"ReverseSequence", 10, 17, infer, eval, emit, nullptr};

}  // namespace kiln
