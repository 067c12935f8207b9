// Mean (opset 1..17): elementwise mean of one or more inputs with numpy broadcasting (before opset
// 8 they had equal shapes, which broadcasting covers): their sum divided by their count. Float and
// double (no float16/bfloat16).
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

int count(const OpCtx& ctx) {
  int n = 0;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) n += ctx.has_input(k);
  return n;
}

Status infer(OpCtx& ctx) {
  KILN_TRY(check_input_types(ctx, kFloatTypes));
  return broadcast_infer(ctx);
}

Status eval(OpCtx& ctx) {
  KILN_TRY(binary_eval<kFloatTypes>(ctx, [](auto a, auto b) { return a + b; }));
  const int n = count(ctx);
  dispatch_types<kFloatTypes>(ctx.out(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T* y = ctx.out(0).as_mut<T>();
    for (int64_t i = 0; i < ctx.out(0).numel(); ++i) y[i] /= static_cast<T>(n);
  });
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  KILN_TRY(binary_emit(ctx, "kiln::OpAdd{}"));
  const Tensor& y = ctx.out(0);
  const char* T = dtype_c_name(y.dtype);
  ctx.w().line("kiln::unary<{}, {}, {}>({}, {}, kiln::OpDivBy{{{}}});", T, T, y.numel(), ctx.out_ptr(0),
               ctx.out_ptr(0), count(ctx));
  return Status::ok();
}

}  // namespace

const OpDef kOp_Mean = {"Mean", 1, 17, infer, eval, emit, nullptr};

}  // namespace kiln
