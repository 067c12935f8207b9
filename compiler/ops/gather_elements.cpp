// GatherElements (opset 11..17): y[i] = data[i with the `axis` coordinate replaced by
// indices[i]]; int32/int64 indices (constant or runtime, negative count from the end), any data
// type. Output has the indices' shape.
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(check_elements(ctx, ctx.in(0).shape, ctx.in(1).shape, &axis));
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(1).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(check_elements(ctx, ctx.in(0).shape, ctx.in(1).shape, &axis));
  const size_t es = dtype_size(ctx.in(0).dtype);
  uint8_t* y = ctx.out(0).data.data();
  const uint8_t* x = ctx.in(0).data.data();
  return for_each_element_index(ctx, ctx.in(0).shape, ctx.in(1), axis, [&](int64_t i, int64_t off) {
    std::memcpy(y + static_cast<size_t>(i) * es, x + static_cast<size_t>(off) * es, es);
  });
}

Status emit(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(check_elements(ctx, ctx.in(0).shape, ctx.in(1).shape, &axis));
  std::string args;
  KILN_TRY(elements_template_args(ctx, ctx.in(0).shape, ctx.in(1).shape, axis, &args));
  if (ctx.out(0).numel() == 0) return Status::ok();
  ctx.include("kiln_shape.h");
  ctx.w().line("kiln::gather_elements<{}, {}, {}>({}, {}, {});", dtype_c_name(ctx.in(0).dtype),
               dtype_c_name(ctx.in(1).dtype), args, ctx.in_ptr(0), ctx.in_ptr(1), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_GatherElements = {"GatherElements", 11, 17, infer, eval, emit, nullptr};

}  // namespace kiln
