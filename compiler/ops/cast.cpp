// Cast (opset 6..17): converts x to the element type `to`. Between float, double, int8..int64,
// uint8..uint64 and bool, as C conversions (float to integer truncates; out-of-range values are
// undefined as in C); to bool is x != 0. No string, float16 or bfloat16.
#include "compiler/ops/cast_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input is required");
  if (!ctx.node().has_attr("to")) return ctx.invalid("attribute 'to' is required");
  const int64_t code = ctx.node().attr_int("to", 0);
  DType to;
  if (!dtype_from_onnx_code(code, &to))
    return ctx.unsupported(fmt::format("cast to ONNX element type {} is not supported", code),
                           "kiln supports float, double, int8..int64, uint8..uint64 and bool");
  return cast_infer(ctx, to);
}

}  // namespace

const OpDef kOp_Cast = {"Cast", 6, 17, infer, cast_eval, cast_emit, nullptr};

}  // namespace kiln
