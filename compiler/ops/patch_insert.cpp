// kiln.PatchInsert (kiln's own op, made by passes/patch_stage.cpp): Y = Y_in with the region
// [:, :, h0:h0+TH, w0:w0+TW] replaced by Tile [N, C, TH, TW]. Inputs Y_in (optional: the first
// patch starts a new tensor) and Tile; attributes `shape` (Y's shape, rank 4) and `starts`
// ([h0, w0]). Any element type. When Y is a view of Y_in (the pass makes it one), only the tile
// is copied: the patches of a stage fill one buffer in turn, and no patch copies the others.
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(const OpCtx& ctx, Shape* y, int64_t* h0, int64_t* w0) {
  const Node& n = ctx.node();
  *y = n.attr_ints("shape");
  const std::vector<int64_t> st = n.attr_ints("starts");
  const Shape& t = ctx.in(1).shape;
  if (y->size() != 4 || st.size() != 2 || t.size() != 4) return ctx.invalid("shape must have 4 dims, starts 2");
  *h0 = st[0];
  *w0 = st[1];
  if (t[0] != (*y)[0] || t[1] != (*y)[1] || *h0 < 0 || *w0 < 0 || *h0 + t[2] > (*y)[2] || *w0 + t[3] > (*y)[3])
    return ctx.invalid(fmt::format("tile {} does not fit {} at ({}, {})", shape_str(t), shape_str(*y), *h0, *w0));
  if (ctx.has_input(0) && (ctx.in(0).shape != *y || ctx.in(0).dtype != ctx.in(1).dtype))
    return ctx.invalid("Y_in must have Y's shape and the tile's type");
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  Shape y;
  int64_t h0, w0;
  KILN_TRY(resolve(ctx, &y, &h0, &w0));
  Tensor& out = ctx.out(0);
  out.dtype = ctx.in(1).dtype;
  out.shape = y;
  out.shape_known = true;
  out.quant = ctx.in(1).quant;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  Shape y;
  int64_t h0, w0;
  KILN_TRY(resolve(ctx, &y, &h0, &w0));
  Tensor& out = ctx.out(0);
  if (ctx.has_input(0)) out.data = ctx.in(0).data;
  const Tensor& t = ctx.in(1);
  const size_t e = dtype_size(t.dtype);
  const int64_t rows = t.shape[0] * t.shape[1], th = t.shape[2], tw = t.shape[3];
  for (int64_t c = 0; c < rows; ++c)
    for (int64_t r = 0; r < th; ++r)
      std::memcpy(out.data.data() + ((c * y[2] + h0 + r) * y[3] + w0) * e, t.data.data() + (c * th + r) * tw * e,
                  static_cast<size_t>(tw) * e);
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  Shape y;
  int64_t h0, w0;
  KILN_TRY(resolve(ctx, &y, &h0, &w0));
  const Tensor& out = ctx.out(0);
  if (ctx.has_input(0) && out.alias_of != ctx.node().inputs[0])
    ctx.w().line("kiln::copy<{}, {}>({}, {});", dtype_c_name(out.dtype), out.numel(), ctx.in_ptr(0), ctx.out_ptr(0));
  ctx.include("kiln_patch.h");
  const Shape& t = ctx.in(1).shape;
  ctx.w().line("kiln::insert_tile<{}, {}, {}, {}, {}, {}>({}, {});", dtype_c_name(out.dtype), t[0] * t[1], t[2], t[3],
               y[2], y[3], ctx.in_ptr(1), ptr_plus(ctx.out_ptr(0), h0 * y[3] + w0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_PatchInsert = {"kiln.PatchInsert", 1, 1000, infer, eval, emit, nullptr};

}  // namespace kiln
