// Shared rules of the reduction family: Reduce* (axes, keepdims, the collapsed kernel call) and
// the [outer, axis, inner] view used by the softmax family and ArgMax/ArgMin. Each op's file
// keeps its own schema, formula and runtime functor.
#pragma once

#include <vector>

#include "compiler/ops/op.h"

namespace kiln {

// --- Reduce* ---

// Where a Reduce* op reads its axes: the `axes` attribute, or input 1 from `axes_input_opset`
// on (ReduceSum 13; the other Reduce* ops move theirs in opset 18).
struct ReduceSchema {
  int axes_input_opset;
  bool (*accepts)(DType);  // element types the op implements
};

// Element types accepted by most Reduce* ops.
bool reduce_numeric_type(DType t);  // float, double, int32, int64
bool reduce_real_type(DType t);     // float, double

Status reduce_infer(OpCtx& ctx, const ReduceSchema& s);
// Reference: each output is f(its reduced elements), evaluated in double.
Status reduce_eval(OpCtx& ctx, const ReduceSchema& s, double (*f)(const std::vector<double>&));
// Emits the kiln_reduce.h kernel with `functor` ("kiln::RedSum{}"). Integer inputs accumulate in
// int64, or in double when `real_acc` (L2, LogSum, ...).
Status reduce_emit(OpCtx& ctx, const ReduceSchema& s, const char* functor, bool real_acc);

// --- ops along one axis ---

// A tensor seen as [outer, n, inner] around one axis (or around a flattened tail of axes).
struct ReduceAxisView {
  int64_t outer = 1, n = 1, inner = 1;
};
// n = dims[axis] when `flatten_tail` is false, else the product of dims[axis:] (softmax family
// before opset 13 coerces the input to 2-D). `axis` must already be normalised.
ReduceAxisView reduce_axis_view(const Shape& s, int64_t axis, bool flatten_tail);

// Softmax, LogSoftmax, Hardmax: shape rule (float/double), the resolved view, and the emitted
// call kiln::<kernel><T, O, N, I>(x, y).
Status softmax_infer(OpCtx& ctx);
Status softmax_view(OpCtx& ctx, ReduceAxisView* v);
Status softmax_emit(OpCtx& ctx, const char* kernel);
// The reference evaluation of Softmax (log = false) or LogSoftmax (log = true), float or double:
// max, sum of exp(x - max) in double, then each output.
Status softmax_eval(OpCtx& ctx, bool log);

// ArgMax, ArgMin: int64 output, axis/keepdims/select_last_index; `max` picks the direction.
Status arg_infer(OpCtx& ctx);
Status arg_eval(OpCtx& ctx, bool max);
Status arg_emit(OpCtx& ctx, bool max);

}  // namespace kiln
