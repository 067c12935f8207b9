// Shared rules for elementwise ops (one file per op still holds each op's schema, formula and
// functor name; this header is the common machinery: broadcasting shape rule, reference loops,
// and the emitter that picks same-shape / scalar / collapsed-broadcast kernels).
#pragma once

#include <functional>

#include "compiler/ops/op.h"

namespace kiln {

// Shape rule for ops whose outputs have their input's type and shape.
Status unary_infer(OpCtx& ctx);
// Emits kiln::unary<T, U, N>(x, y, Functor{...}) with the runtime functor expression `functor`.
Status unary_emit(OpCtx& ctx, const std::string& functor);

// Numpy broadcasting over all inputs (2 for binary ops, N for Sum/Max/...). Output dtype is the
// input dtype, or `out_dtype` when given (bool for comparisons).
Status broadcast_infer(OpCtx& ctx, DType out_dtype = DType::kUndefined);
// Emits one broadcasting binary kernel y = f(a, b) for tensors given as C pointer expressions.
void emit_binary(OpCtx& ctx, const Tensor& a, const std::string& ap, const Tensor& b,
                 const std::string& bp, const Tensor& y, const std::string& yp,
                 const std::string& functor);
// Emits the node's binary (or left-folded variadic) computation with `functor`.
Status binary_emit(OpCtx& ctx, const std::string& functor);

// Reference loops. `f` maps (and for binary ops, pairs of) values of the input type T to U.
template <typename T, typename U, typename F>
void unary_eval_typed(OpCtx& ctx, F f) {
  const T* x = ctx.in(0).as<T>();
  U* y = ctx.out(0).as_mut<U>();
  for (int64_t i = 0; i < ctx.out(0).numel(); ++i) y[i] = f(x[i]);
}

// Calls f(flat index into a, flat index into b, flat output index) over the broadcast shape.
void for_each_broadcast(const Shape& as, const Shape& bs, const Shape& ys,
                        const std::function<void(int64_t, int64_t, int64_t)>& f);

template <typename T, typename U, typename F>
void binary_eval_typed(OpCtx& ctx, F f) {
  // Left fold over inputs: y = f(f(x0, x1), x2) ... (all broadcast to the output shape).
  const Tensor& y = ctx.out(0);
  std::vector<U> acc;
  Shape acc_shape;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) {
    if (!ctx.has_input(k)) continue;
    const Tensor& t = ctx.in(k);
    if (k == 0) {
      acc.assign(t.as<T>(), t.as<T>() + t.numel());
      acc_shape = t.shape;
      continue;
    }
    Shape s;
    broadcast_shapes(acc_shape, t.shape, &s);
    std::vector<U> next(static_cast<size_t>(shape_numel(s)));
    for_each_broadcast(acc_shape, t.shape, s, [&](int64_t ia, int64_t ib, int64_t iy) {
      next[iy] = f(static_cast<T>(acc[ia]), t.as<T>()[ib]);
    });
    acc.swap(next);
    acc_shape = s;
  }
  U* out = ctx.out(0).as_mut<U>();
  for (int64_t i = 0; i < y.numel(); ++i) out[i] = acc[static_cast<size_t>(i)];
}

}  // namespace kiln
