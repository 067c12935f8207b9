// kiln.QLinearLookup (kiln's own op, domain "kiln"): Y[i] = table[X[i] - min(X's type)], X int8
// or uint8, table a constant of 256 (int8) or 256 (uint8) entries of Y's type. passes/fold_qdq
// makes it from DequantizeLinear -> unary f -> QuantizeLinear with per-tensor constant
// parameters: the table holds exactly what that chain computes for each input value, so Sigmoid,
// Tanh, HardSwish and friends run without floating point.
#include <cstring>

#include "compiler/ops/quant_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  const DType t = ctx.in(0).dtype;
  if (!is_quant_type(t)) return ctx.unsupported_type(t);
  const Tensor& table = ctx.in(1);
  if (!table.is_const) return ctx.invalid("the table must be a constant");
  if (!is_quant_type(table.dtype) || table.numel() != 256) return ctx.invalid("the table must hold 256 int8 or uint8 values");
  Tensor& y = ctx.out(0);
  y.dtype = table.dtype;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& table = ctx.in(1);
  Tensor& y = ctx.out(0);
  const int64_t lo = dtype_min(x.dtype);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const size_t k = static_cast<size_t>(int_elem(x, i) - lo);
    std::memcpy(y.data.data() + static_cast<size_t>(i) * dtype_size(y.dtype), table.data.data() + k, 1);
  }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  ctx.include("kiln_int8_lut.h");
  ctx.w().line("kiln::lookup<{}, {}>({}, {}, {});", ctx.in(0).numel(), dtype_min(ctx.in(0).dtype), ctx.in_ptr(0),
               ctx.in_ptr(1), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_QLinearLookup = {"kiln.QLinearLookup", 1, 1, infer, eval, emit, nullptr};

}  // namespace kiln
