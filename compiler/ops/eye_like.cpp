// EyeLike (opset 9..17): a 2-D tensor of the input's shape with ones on diagonal k, of type
// `dtype` (default: the input's). Only the input's shape is read, so the op always folds.
#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  if (ctx.in(0).shape.size() != 2) return ctx.invalid("input must be 2-D");
  DType t = ctx.in(0).dtype;
  if (ctx.node().has_attr("dtype") && !dtype_from_onnx_code(ctx.node().attr_int("dtype", 1), &t))
    return ctx.unsupported(fmt::format("dtype {} is not supported", ctx.node().attr_int("dtype", 1)));
  Tensor& y = ctx.out(0);
  y.dtype = t;
  y.shape = ctx.in(0).shape;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const int64_t k = ctx.node().attr_int("k", 0);
  Tensor& y = ctx.out(0);
  const int64_t rows = y.shape[0], cols = y.shape[1];
  dispatch_dtype(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = y.as_mut<T>();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) p[i * cols + j] = j - i == k ? T(1) : T(0);
  });
  return Status::ok();
}

}  // namespace

const OpDef kOp_EyeLike = {"EyeLike", 9, 17, infer, eval, nullptr, nullptr};

}  // namespace kiln
