// Shared rules for elementwise ops (one file per op still holds each op's schema, formula and
// functor name; this header is the common machinery: type sets, broadcasting shape rule,
// reference loops, and the emitters that pick same-shape / scalar / collapsed-broadcast kernels).
#pragma once

#include <functional>
#include <type_traits>

#include "compiler/ops/op.h"

namespace kiln {

// --- element type sets ---

// The element types an op accepts, as bit sets.
enum TypeSet : unsigned {
  kFloatTypes = 1u,        // float, double
  kSignedIntTypes = 2u,    // int8 .. int64
  kUnsignedIntTypes = 4u,  // uint8 .. uint64
  kBoolType = 8u,
  kIntTypes = kSignedIntTypes | kUnsignedIntTypes,
  kSignedTypes = kFloatTypes | kSignedIntTypes,
  kNumericTypes = kFloatTypes | kIntTypes,
  kAllTypes = kNumericTypes | kBoolType,
};

template <typename T>
constexpr unsigned type_set_bit() {
  if (std::is_same<T, bool>::value) return kBoolType;
  if (std::is_floating_point<T>::value) return kFloatTypes;
  return std::is_signed<T>::value ? kSignedIntTypes : kUnsignedIntTypes;
}
bool dtype_in(DType t, unsigned set);
// unsupported_type unless every present input from `first` on has a type in `set`.
Status check_input_types(const OpCtx& ctx, unsigned set, size_t first = 0);

// Calls f(T{}) with `t`'s C++ type when it is in `Set`; f is instantiated only for those types,
// so a formula need not compile for the others. False when `t` is not in `Set`.
template <unsigned Set, typename F>
bool dispatch_types(DType t, F&& f) {
  bool done = false;
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr ((type_set_bit<T>() & Set) != 0) {
      f(tag);
      done = true;
    }
  });
  return done;
}

// A C literal of `v` for generated code ("1.5f", "-3", "(-9223372036854775807LL - 1)", "true").
std::string c_double(double v);
std::string c_int(int64_t v);
std::string c_uint(uint64_t v);
template <typename T>
std::string c_value(T v) {
  if constexpr (std::is_same<T, bool>::value) return v ? "true" : "false";
  else if constexpr (std::is_same<T, float>::value) return c_float(v);
  else if constexpr (std::is_same<T, double>::value) return c_double(v);
  else if constexpr (std::is_signed<T>::value) return c_int(v);
  else return c_uint(v);
}

// a op b for integers in uint64, so that Add, Sub and Mul wrap around (two's complement) like the
// generated code instead of overflowing a signed type; plain op(a, b) for floats.
template <typename T, typename Op>
T wrapping(T a, T b, Op op) {
  if constexpr (std::is_integral<T>::value)
    return static_cast<T>(op(static_cast<uint64_t>(a), static_cast<uint64_t>(b)));
  else
    return op(a, b);
}

// --- shape rules ---

// Shape rule for ops whose outputs have their input's type and shape.
Status unary_infer(OpCtx& ctx);
// unary_infer for ops defined on float and double only.
Status unary_float_infer(OpCtx& ctx);

// The shape input k broadcasts with. Its own shape, except before opset 7 where binary ops
// (Add, Sub, Mul, Div, Pow, comparisons, logic) carry the legacy attributes broadcast=1 and
// `axis`: B's dims then sit at A's dims axis.. (default: A's trailing dims), padded here with 1s
// so that numpy broadcasting gives the same result.
Shape operand_shape(const OpCtx& ctx, size_t k);

// Numpy broadcasting over all inputs (2 for binary ops, N for Sum/Max/...; legacy broadcast via
// operand_shape). Output dtype is the input dtype, or `out_dtype` when given (bool for
// comparisons).
Status broadcast_infer(OpCtx& ctx, DType out_dtype = DType::kUndefined);
// broadcast_infer for ops of exactly two inputs A and B whose types are in `types`.
Status binary_infer(OpCtx& ctx, unsigned types, DType out_dtype = DType::kUndefined);

// --- emitters ---

// Emits kiln::unary<T, U, N>(x, y, Functor{...}) with the runtime functor expression `functor`.
Status unary_emit(OpCtx& ctx, const std::string& functor);
// Emits one broadcasting binary kernel y = f(a, b) for tensors given as C pointer expressions
// (a and b may have different element types).
void emit_binary(OpCtx& ctx, const Tensor& a, const std::string& ap, const Tensor& b,
                 const std::string& bp, const Tensor& y, const std::string& yp,
                 const std::string& functor);
// Emits the node's binary (or left-folded variadic) computation with `functor`. A variadic fold
// may start from any input, so it is for commutative, associative ops only (Sum, Max, Min).
Status binary_emit(OpCtx& ctx, const std::string& functor);
// Emits the node's three-input broadcasting computation y = f(x0, x1, x2) (Where).
Status ternary_emit(OpCtx& ctx, const std::string& functor);

// --- reference loops ---

template <typename T, typename U, typename F>
void unary_eval_typed(OpCtx& ctx, F f) {
  const T* x = ctx.in(0).as<T>();
  U* y = ctx.out(0).as_mut<U>();
  for (int64_t i = 0; i < ctx.out(0).numel(); ++i) y[i] = f(x[i]);
}

// Calls f(flat index into a, flat index into b, flat output index) over the broadcast shape.
void for_each_broadcast(const Shape& as, const Shape& bs, const Shape& ys,
                        const std::function<void(int64_t, int64_t, int64_t)>& f);
// The same for any number of operands: f(flat index into each operand, flat output index).
void for_each_broadcast_n(const std::vector<Shape>& ins, const Shape& ys,
                          const std::function<void(const std::vector<int64_t>&, int64_t)>& f);

// y = f(x0, x1), or the left fold f(f(x0, x1), x2)... over all present inputs (broadcast to the
// output shape); a single input is copied. T is the inputs' type, U the output's (U differs from T
// only for two-input ops such as comparisons).
template <typename T, typename U, typename F>
void binary_eval_typed(OpCtx& ctx, F f) {
  std::vector<size_t> ins;
  for (size_t k = 0; k < ctx.num_inputs(); ++k)
    if (ctx.has_input(k)) ins.push_back(k);
  U* out = ctx.out(0).as_mut<U>();
  const Tensor& x0 = ctx.in(ins[0]);
  std::vector<T> acc(x0.as<T>(), x0.as<T>() + x0.numel());
  Shape acc_shape = x0.shape;
  if (ins.size() == 1)
    for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<U>(acc[i]);
  for (size_t j = 1; j < ins.size(); ++j) {
    const T* b = ctx.in(ins[j]).as<T>();
    const Shape bs = operand_shape(ctx, ins[j]);
    Shape s;
    broadcast_shapes(acc_shape, bs, &s);
    if (j + 1 == ins.size()) {
      for_each_broadcast(acc_shape, bs, s, [&](int64_t ia, int64_t ib, int64_t iy) {
        out[iy] = f(acc[static_cast<size_t>(ia)], b[ib]);
      });
      break;
    }
    std::vector<T> next(static_cast<size_t>(shape_numel(s)));
    for_each_broadcast(acc_shape, bs, s, [&](int64_t ia, int64_t ib, int64_t iy) {
      next[static_cast<size_t>(iy)] = static_cast<T>(f(acc[static_cast<size_t>(ia)], b[ib]));
    });
    acc.swap(next);
    acc_shape = s;
  }
}

// Reference of y = f(x) with y of x's type; f is a generic lambda over the types in Set.
template <unsigned Set, typename F>
Status unary_eval(OpCtx& ctx, F f) {
  bool ok = dispatch_types<Set>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    unary_eval_typed<T, T>(ctx, [&](T v) { return static_cast<T>(f(v)); });
  });
  return ok ? Status::ok() : ctx.unsupported_type(ctx.in(0).dtype);
}

// Reference of y = f(a, b) (left-folded over all inputs) with y of the inputs' type.
template <unsigned Set, typename F>
Status binary_eval(OpCtx& ctx, F f) {
  bool ok = dispatch_types<Set>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    binary_eval_typed<T, T>(ctx, [&](T a, T b) { return static_cast<T>(f(a, b)); });
  });
  return ok ? Status::ok() : ctx.unsupported_type(ctx.in(0).dtype);
}

// Reference of a comparison y = f(a, b) with a bool output.
template <unsigned Set, typename F>
Status compare_eval(OpCtx& ctx, F f) {
  bool ok = dispatch_types<Set>(ctx.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    binary_eval_typed<T, bool>(ctx, [&](T a, T b) { return static_cast<bool>(f(a, b)); });
  });
  return ok ? Status::ok() : ctx.unsupported_type(ctx.in(0).dtype);
}

}  // namespace kiln
