// ScatterElements (opset 11..17): y = data, then y[i with the `axis` coordinate replaced by
// indices[i]] = updates[i], or combined with it by `reduction` add/mul (opset 16; max/min are
// opset 18). int32/int64 indices (constant or runtime; out-of-range runtime indices are skipped),
// any data type.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status reduction(OpCtx& ctx, std::string* r) {
  *r = ctx.node().attr_string("reduction", "none");
  if (*r != "none" && *r != "add" && *r != "mul") return ctx.unsupported(fmt::format("reduction '{}' is not supported", *r));
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  size_t axis;
  std::string r;
  KILN_TRY(reduction(ctx, &r));
  KILN_TRY(check_elements(ctx, ctx.in(0).shape, ctx.in(1).shape, &axis));
  if (ctx.in(2).shape != ctx.in(1).shape) return ctx.invalid("updates must have the indices' shape");
  if (ctx.in(2).dtype != ctx.in(0).dtype) return ctx.invalid("updates must have the data's type");
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  std::string r;
  KILN_TRY(reduction(ctx, &r));
  return eval_scatter_elements(ctx, r);
}

Status emit(OpCtx& ctx) {
  std::string r;
  KILN_TRY(reduction(ctx, &r));
  return emit_scatter_elements(ctx, r);
}

}  // namespace

const OpDef kOp_ScatterElements = {"ScatterElements", 11, 17, infer, eval, emit, nullptr};

}  // namespace kiln
