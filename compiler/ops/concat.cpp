// Concat (opset 1..17): joins the inputs along `axis` (negative from opset 11; opset 1 defaults
// it to 1). Any type; inputs that are empty along the axis are allowed. Each input is one
// kiln::copy_rows into its slot of the output.
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status resolve(OpCtx& ctx, size_t* axis) {
  const Node& n = ctx.node();
  if (!n.has_attr("axis") && ctx.opset() >= 4) return ctx.invalid("attribute axis is required");
  int64_t a = n.attr_int("axis", 1);
  const Shape& s0 = ctx.in(0).shape;
  if (!normalize_axis(&a, static_cast<int64_t>(s0.size())))
    return ctx.invalid(fmt::format("axis {} is out of range for rank {}", a, s0.size()));
  *axis = static_cast<size_t>(a);
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  size_t axis;
  if (ctx.num_inputs() == 0 || !ctx.has_input(0)) return ctx.invalid("at least one input is required");
  KILN_TRY(resolve(ctx, &axis));
  Shape out = ctx.in(0).shape;
  out[axis] = 0;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) {
    if (!ctx.has_input(k)) return ctx.invalid("inputs cannot be omitted");
    const Tensor& t = ctx.in(k);
    if (t.dtype != ctx.in(0).dtype) return ctx.invalid("inputs have different types");
    bool ok = t.shape.size() == out.size();
    for (size_t i = 0; ok && i < out.size(); ++i) ok = i == axis || t.shape[i] == out[i];
    if (!ok)
      return ctx.invalid(fmt::format("input {} has shape {}, incompatible with {} on axis {}", k,
                                     shape_str(t.shape), shape_str(ctx.in(0).shape), axis));
    out[axis] += t.shape[axis];
  }
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = out;
  y.shape_known = true;
  return Status::ok();
}

// Calls f(input k, rows, row length, output column offset), everything in elements.
template <typename F>
void for_each_part(OpCtx& ctx, size_t axis, F f) {
  const Shape& ys = ctx.out(0).shape;
  const int64_t rows = dims_product(ys, 0, axis), inner = dims_product(ys, axis + 1, ys.size());
  int64_t col = 0;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) {
    const int64_t len = ctx.in(k).shape[axis] * inner;
    if (len > 0 && rows > 0) f(k, rows, len, col);
    col += len;
  }
}

Status eval(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(resolve(ctx, &axis));
  const size_t es = dtype_size(ctx.out(0).dtype);
  const int64_t row_out = dims_product(ctx.out(0).shape, axis, ctx.out(0).shape.size());
  uint8_t* y = ctx.out(0).data.data();
  for_each_part(ctx, axis, [&](size_t k, int64_t rows, int64_t len, int64_t col) {
    const uint8_t* x = ctx.in(k).data.data();
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(y + static_cast<size_t>(r * row_out + col) * es, x + static_cast<size_t>(r * len) * es,
                  static_cast<size_t>(len) * es);
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  size_t axis;
  KILN_TRY(resolve(ctx, &axis));
  ctx.include("kiln_shape.h");
  const char* T = dtype_c_name(ctx.out(0).dtype);
  const Shape& ys = ctx.out(0).shape;
  const int64_t row_out = dims_product(ys, axis, ys.size());
  for_each_part(ctx, axis, [&](size_t k, int64_t rows, int64_t len, int64_t col) {
    if (ctx.in(k).alias_of == ctx.node().outputs[0]) {  // passes/inplace put it there already
      ctx.w().line("// input {} is already in place", k);
      return;
    }
    std::string dst = ptr_plus(ctx.out_ptr(0), col);
    if (rows == 1 || len == row_out)
      ctx.w().line("kiln::copy<{}, {}>({}, {});", T, rows * len, ctx.in_ptr(k), dst);
    else
      ctx.w().line("kiln::copy_rows<{}, {}, {}, {}, {}>({}, {});", T, rows, len, len, row_out, ctx.in_ptr(k), dst);
  });
  return Status::ok();
}

}  // namespace

const OpDef kOp_Concat = {"Concat", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
