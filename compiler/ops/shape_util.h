// Shared helpers of the shape / data-movement family. Most of the family's ops only re-index
// their input: Transpose, Slice, Split, Expand, Tile, DepthToSpace and SpaceToDepth each build a
// StridedView of the input and share one reference loop and one emitter (a kiln::strided_copy
// with constant dims and strides).
#pragma once

#include <functional>

#include "compiler/ops/op.h"

namespace kiln {

// Row-major element strides of a dense tensor of shape `s`.
std::vector<int64_t> dense_strides(const Shape& s);
// Product of s[b, e).
int64_t dims_product(const Shape& s, size_t b, size_t e);

// Element i (row-major over `dims`) of the view is source[offset + sum_k i_k * strides[k]].
struct StridedView {
  Shape dims;
  std::vector<int64_t> strides;
  int64_t offset = 0;
};

// The dense tensor of shape `shape` with its dims permuted: view dim k is source dim perm[k].
StridedView permuted_view(const Shape& shape, const std::vector<int64_t>& perm);

// Reference: writes the view of `src` densely to `dst` (any element type).
void eval_view(const Tensor& src, const StridedView& v, uint8_t* dst);
// Emits the copy of view `v` of `src` (a C pointer expression) into dense `dst`: one
// kiln::strided_copy (after dropping unit dims and merging dims that stay adjacent), a plain
// copy when the view is contiguous, nothing when it is empty.
void emit_view(OpCtx& ctx, DType t, const StridedView& v, const std::string& src, const std::string& dst);

// Shape rule, reference and emitter of an op whose output is one StridedView of input 0, built
// by `Resolve`, which also gives the output's shape (DepthToSpace, SpaceToDepth: the view is 6-D,
// the output 4-D).
template <Status (*Resolve)(OpCtx&, StridedView*, Shape*)>
struct ReshapedViewOp {
  static Status infer(OpCtx& ctx) {
    StridedView v;
    Tensor& y = ctx.out(0);
    KILN_TRY(Resolve(ctx, &v, &y.shape));
    y.dtype = ctx.in(0).dtype;
    y.shape_known = true;
    return Status::ok();
  }
  static Status eval(OpCtx& ctx) {
    StridedView v;
    Shape out;
    KILN_TRY(Resolve(ctx, &v, &out));
    eval_view(ctx.in(0), v, ctx.out(0).data.data());
    return Status::ok();
  }
  static Status emit(OpCtx& ctx) {
    StridedView v;
    Shape out;
    KILN_TRY(Resolve(ctx, &v, &out));
    emit_view(ctx, ctx.in(0).dtype, v, ctx.in_ptr(0), ctx.out_ptr(0));
    return Status::ok();
  }
};

// Adapts a Resolve whose output shape is the view's own dims.
template <Status (*Resolve)(OpCtx&, StridedView*)>
Status resolve_with_view_shape(OpCtx& ctx, StridedView* v, Shape* out) {
  KILN_TRY(Resolve(ctx, v));
  *out = v->dims;
  return Status::ok();
}

// The same for ops whose output has the view's dims (Transpose, Slice, Expand; Tile keeps its
// own shape rule).
template <Status (*Resolve)(OpCtx&, StridedView*)>
using StridedViewOp = ReshapedViewOp<resolve_with_view_shape<Resolve>>;

// "p + off" (or "p" when off is 0) for emitted pointer arithmetic.
std::string ptr_plus(const std::string& p, int64_t off);

// A C expression of type `t` for a scalar ("float(1.5f)", "int64_t(-3LL)"); from a double
// (attributes) or element i of a constant tensor (exact for 64-bit integers).
std::string c_literal(DType t, double v);
std::string c_literal(const Tensor& x, int64_t i);


// Constant int list given as attribute `attr` before `input_opset` and as input `input` from
// it on (axes of Squeeze/Unsqueeze, split of Split, ...). *present is false when neither is given.
Status ints_attr_or_input(OpCtx& ctx, const char* attr, size_t input, int input_opset,
                          std::vector<int64_t>* out, bool* present);

// GatherElements / ScatterElements / Scatter share one geometry: the index tensor (dense) walks
// the data with the data's strides, except along `axis` where the index value picks the
// position. Validates ranks and shapes; output (or updates) shape is the indices' shape.
Status check_elements(OpCtx& ctx, const Shape& data, const Shape& indices, size_t* axis);
// Reference and emitter of ScatterElements-like ops (inputs data, indices, updates) with a
// reduction "none", "add" or "mul".
Status eval_scatter_elements(OpCtx& ctx, const std::string& reduction);
Status emit_scatter_elements(OpCtx& ctx, const std::string& reduction);
// The kernel's dims/strides for that geometry: "D0, D1, D2, D3, S0, S1, S2, S3, N, SA", or an
// error when more than 4 dims remain after merging.
Status elements_template_args(OpCtx& ctx, const Shape& data, const Shape& indices, size_t axis, std::string* args);
// Calls f(flat index into `indices`, data offset it selects) in order; out-of-range indices are
// an error.
Status for_each_element_index(OpCtx& ctx, const Shape& data, const Tensor& indices, size_t axis,
                              const std::function<void(int64_t, int64_t)>& f);
// "kiln::ScatterSet{}" etc. for a reduction name.
std::string scatter_functor(const std::string& reduction);

}  // namespace kiln
