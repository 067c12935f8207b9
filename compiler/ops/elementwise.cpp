#include "compiler/ops/elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace kiln {

bool dtype_in(DType t, unsigned set) {
  unsigned bit = 0;
  dispatch_dtype(t, [&](auto tag) { bit = type_set_bit<decltype(tag)>(); });
  return (bit & set) != 0;
}

Status check_input_types(const OpCtx& ctx, unsigned set, size_t first) {
  for (size_t k = first; k < ctx.num_inputs(); ++k)
    if (ctx.has_input(k) && !dtype_in(ctx.in(k).dtype, set)) return ctx.unsupported_type(ctx.in(k).dtype);
  return Status::ok();
}

std::string c_double(double v) {
  if (std::isnan(v)) return "__builtin_nan(\"\")";
  if (std::isinf(v)) return v > 0 ? "__builtin_inf()" : "(-__builtin_inf())";
  std::string s = fmt::format("{}", v);  // shortest representation that round-trips
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string c_int(int64_t v) {
  if (v == INT64_MIN) return "(-9223372036854775807LL - 1)";
  if (v == INT32_MIN) return "(-2147483647 - 1)";
  return v > INT32_MAX || v < INT32_MIN ? fmt::format("{}LL", v) : fmt::format("{}", v);
}

std::string c_uint(uint64_t v) { return v > INT32_MAX ? fmt::format("{}ULL", v) : fmt::format("{}", v); }

Status unary_infer(OpCtx& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input X is required");
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status unary_float_infer(OpCtx& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input X is required");
  KILN_TRY(check_input_types(ctx, kFloatTypes));
  return unary_infer(ctx);
}

Status unary_emit(OpCtx& ctx, const std::string& functor) {
  ctx.include("kiln_elementwise.h");
  const Tensor& x = ctx.in(0);
  const Tensor& y = ctx.out(0);
  ctx.w().line("kiln::unary<{}, {}, {}>({}, {}, {});", dtype_c_name(x.dtype), dtype_c_name(y.dtype), y.numel(),
               ctx.in_ptr(0), ctx.out_ptr(0), functor);
  return Status::ok();
}

Shape operand_shape(const OpCtx& ctx, size_t k) {
  const Shape& s = ctx.in(k).shape;
  if (ctx.opset() >= 7 || k != 1 || ctx.node().attr_int("broadcast", 0) == 0) return s;
  const Shape& a = ctx.in(0).shape;
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(s.size());
  int64_t axis = ctx.node().attr_int("axis", ra - rb);
  if (axis < 0) axis += ra;
  if (axis < 0 || axis + rb > ra) return s;  // broadcast_infer reports it
  Shape padded(a.size(), 1);
  std::copy(s.begin(), s.end(), padded.begin() + axis);
  return padded;
}

Status broadcast_infer(OpCtx& ctx, DType out_dtype) {
  Shape s;
  bool first = true;
  DType dt = DType::kUndefined;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) {
    if (!ctx.has_input(k)) continue;
    const Tensor& t = ctx.in(k);
    if (first) {
      s = t.shape;
      dt = t.dtype;
      first = false;
      continue;
    }
    if (t.dtype != dt)
      return ctx.invalid(fmt::format("inputs have different types ({} and {})", dtype_short_name(dt), dtype_short_name(t.dtype)));
    Shape next;
    if (!broadcast_shapes(s, operand_shape(ctx, k), &next))
      return ctx.invalid(fmt::format("shapes {} and {} do not broadcast", shape_str(s), shape_str(t.shape)));
    s = next;
  }
  if (first) return ctx.invalid("at least one input is required");
  if (ctx.opset() < 7 && ctx.node().attr_int("broadcast", 0) != 0 && s != ctx.in(0).shape)
    return ctx.invalid(fmt::format("B {} does not broadcast to A {} (legacy broadcast, axis={})",
                                   shape_str(ctx.in(1).shape), shape_str(ctx.in(0).shape),
                                   ctx.node().attr_int("axis", -1)));
  Tensor& y = ctx.out(0);
  y.dtype = out_dtype == DType::kUndefined ? dt : out_dtype;
  y.shape = s;
  y.shape_known = true;
  return Status::ok();
}

Status binary_infer(OpCtx& ctx, unsigned types, DType out_dtype) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) return ctx.invalid("inputs A and B are required");
  KILN_TRY(check_input_types(ctx, types));
  return broadcast_infer(ctx, out_dtype);
}

void for_each_broadcast_n(const std::vector<Shape>& ins, const Shape& ys,
                          const std::function<void(const std::vector<int64_t>&, int64_t)>& f) {
  std::vector<std::vector<int64_t>> st;
  for (const Shape& s : ins) st.push_back(broadcast_strides(s, ys));
  const size_t r = ys.size();
  std::vector<int64_t> idx(r, 0), at(ins.size(), 0);
  const int64_t total = shape_numel(ys);
  for (int64_t iy = 0; iy < total; ++iy) {
    f(at, iy);
    for (size_t d = r; d-- > 0;) {
      ++idx[d];
      for (size_t k = 0; k < at.size(); ++k) at[k] += st[k][d];
      if (idx[d] < ys[d]) break;
      for (size_t k = 0; k < at.size(); ++k) at[k] -= st[k][d] * ys[d];
      idx[d] = 0;
    }
  }
}

void for_each_broadcast(const Shape& as, const Shape& bs, const Shape& ys,
                        const std::function<void(int64_t, int64_t, int64_t)>& f) {
  for_each_broadcast_n({as, bs}, ys, [&](const std::vector<int64_t>& at, int64_t iy) { f(at[0], at[1], iy); });
}

namespace {

// The loop nest of a broadcasting kernel: the output's dims with each operand's element strides
// (0 on broadcast dims). Size-1 dims are dropped and adjacent dims merged where every operand's
// strides chain, so most broadcasts fit the kernels' 4 dims.
struct LoopNest {
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides;  // [operand][dim]
};

LoopNest collapse(const Shape& ys, const std::vector<const Tensor*>& ins) {
  LoopNest nest;
  std::vector<std::vector<int64_t>> full;
  for (const Tensor* t : ins) full.push_back(broadcast_strides(t->shape, ys));
  nest.strides.resize(ins.size());
  for (size_t i = 0; i < ys.size(); ++i) {
    if (ys[i] == 1) continue;
    bool chains = !nest.dims.empty();
    for (size_t k = 0; k < ins.size() && chains; ++k) chains = nest.strides[k].back() == full[k][i] * ys[i];
    if (chains) {
      nest.dims.back() *= ys[i];
      for (size_t k = 0; k < ins.size(); ++k) nest.strides[k].back() = full[k][i];
      continue;
    }
    nest.dims.push_back(ys[i]);
    for (size_t k = 0; k < ins.size(); ++k) nest.strides[k].push_back(full[k][i]);
  }
  while (nest.dims.size() < 4) {
    nest.dims.insert(nest.dims.begin(), 1);
    for (auto& s : nest.strides) s.insert(s.begin(), 0);
  }
  return nest;
}

std::string plus_offset(const std::string& ptr, int64_t off) {
  return off ? fmt::format("{} + {}", ptr, off) : ptr;
}

// Emits one 4-D kernel call per slice of the nest: the leading dims beyond 4 (rare) become one
// call each, with operand and output pointers offset. `call(template args, pointer args)`.
void emit_slices(OpCtx& ctx, const LoopNest& nest, const std::vector<std::string>& ptrs, const std::string& yp,
                 const std::function<std::string(const std::string&, const std::string&)>& call) {
  const size_t lead = nest.dims.size() - 4;
  int64_t count = 1, total = 1;
  for (size_t i = 0; i < nest.dims.size(); ++i) (i < lead ? count : total) *= nest.dims[i];
  std::vector<int64_t> targs(nest.dims.end() - 4, nest.dims.end());
  for (const auto& s : nest.strides) targs.insert(targs.end(), s.end() - 4, s.end());
  for (int64_t slice = 0; slice < count; ++slice) {
    std::vector<std::string> args;
    for (size_t k = 0; k < ptrs.size(); ++k) {
      int64_t rem = slice, off = 0;
      for (size_t i = lead; i-- > 0;) {
        off += rem % nest.dims[i] * nest.strides[k][i];
        rem /= nest.dims[i];
      }
      args.push_back(plus_offset(ptrs[k], off));
    }
    args.push_back(plus_offset(yp, slice * total));
    ctx.w().raw_line(call(fmt::format("{}", fmt::join(targs, ", ")), fmt::format("{}", fmt::join(args, ", "))));
  }
}

}  // namespace

void emit_binary(OpCtx& ctx, const Tensor& a, const std::string& ap, const Tensor& b,
                 const std::string& bp, const Tensor& y, const std::string& yp,
                 const std::string& functor) {
  ctx.include("kiln_elementwise.h");
  const char* T = dtype_c_name(a.dtype);
  const char* U = dtype_c_name(y.dtype);
  const int64_t n = y.numel();
  if (n == 0) {
    ctx.w().line("// empty output: no code");
    return;
  }
  if (a.numel() == n && b.numel() == n) {
    ctx.w().line("kiln::binary<{}, {}, {}>({}, {}, {}, {});", T, U, n, ap, bp, yp, functor);
    return;
  }
  if (a.numel() == n && b.numel() == 1) {
    ctx.w().line("kiln::binary_scalar_b<{}, {}, {}>({}, {}, {}, {});", T, U, n, ap, bp, yp, functor);
    return;
  }
  if (b.numel() == n && a.numel() == 1) {
    ctx.w().line("kiln::binary_scalar_a<{}, {}, {}>({}, {}, {}, {});", T, U, n, ap, bp, yp, functor);
    return;
  }
  emit_slices(ctx, collapse(y.shape, {&a, &b}), {ap, bp}, yp, [&](const std::string& targs, const std::string& args) {
    return fmt::format("kiln::binary_bcast<{}, {}, {}>({}, {});", T, U, targs, args, functor);
  });
}

Status binary_emit(OpCtx& ctx, const std::string& functor) {
  std::vector<size_t> ins;
  for (size_t k = 0; k < ctx.num_inputs(); ++k)
    if (ctx.has_input(k)) ins.push_back(k);
  const Tensor& y = ctx.out(0);
  const std::string yp = ctx.out_ptr(0);
  if (ins.size() == 1) {
    ctx.include("kiln_elementwise.h");
    // A single input: broadcast copy is not needed (the shapes are equal).
    ctx.w().line("kiln::copy<{}, {}>({}, {});", dtype_c_name(y.dtype), y.numel(), ctx.in_ptr(ins[0]), yp);
    return Status::ok();
  }
  // Legacy broadcast (opset < 7): B seen with its dims padded to A's rank.
  std::vector<Tensor> views;
  for (size_t k : ins) {
    Tensor v;
    v.name = ctx.node().inputs[k];
    v.dtype = ctx.in(k).dtype;
    v.shape = operand_shape(ctx, k);
    views.push_back(v);
  }
  // y = f(x0, x1) (or y = broadcast(x0) when x0 and x1 do not cover y's shape), then y = f(y, xk)
  // for each further input (elementwise on the dense output, so reading and writing y in one
  // kernel is safe). With more than two inputs, an input sharing y's buffer must be consumed
  // first, before y is overwritten (the variadic ops are commutative).
  for (size_t k = 1; k < ins.size() && ins.size() > 2; ++k)
    if (ctx.in_ptr(ins[k]) == yp) {
      std::swap(ins[0], ins[k]);
      std::swap(views[0], views[k]);
    }
  Shape first;
  broadcast_shapes(views[0].shape, views[1].shape, &first);
  size_t next = 2;
  if (first == y.shape) {
    emit_binary(ctx, views[0], ctx.in_ptr(ins[0]), views[1], ctx.in_ptr(ins[1]), y, yp, functor);
  } else {
    emit_binary(ctx, views[0], ctx.in_ptr(ins[0]), y, yp, y, yp, "kiln::OpFirst{}");
    next = 1;
  }
  for (size_t k = next; k < ins.size(); ++k)
    emit_binary(ctx, y, yp, views[k], ctx.in_ptr(ins[k]), y, yp, functor);
  return Status::ok();
}

Status ternary_emit(OpCtx& ctx, const std::string& functor) {
  ctx.include("kiln_elementwise.h");
  const Tensor& y = ctx.out(0);
  const char* U = dtype_c_name(y.dtype);
  const int64_t n = y.numel();
  const std::vector<std::string> ptrs = {ctx.in_ptr(0), ctx.in_ptr(1), ctx.in_ptr(2)};
  if (n == 0) {
    ctx.w().line("// empty output: no code");
    return Status::ok();
  }
  if (ctx.in(0).numel() == n && ctx.in(1).numel() == n && ctx.in(2).numel() == n) {
    ctx.w().line("kiln::ternary<{}, {}>({}, {}, {}, {}, {});", U, n, ptrs[0], ptrs[1], ptrs[2], ctx.out_ptr(0), functor);
    return Status::ok();
  }
  LoopNest nest = collapse(y.shape, {&ctx.in(0), &ctx.in(1), &ctx.in(2)});
  emit_slices(ctx, nest, ptrs, ctx.out_ptr(0), [&](const std::string& targs, const std::string& args) {
    return fmt::format("kiln::ternary_bcast<{}, {}>({}, {});", U, targs, args, functor);
  });
  return Status::ok();
}

}  // namespace kiln
