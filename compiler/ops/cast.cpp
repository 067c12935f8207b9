// Cast (opset 6..17): converts x to the element type `to`. Between float, double, int8..int64,
// uint8..uint64 and bool, as C conversions (float to integer truncates; out-of-range values are
// undefined as in C); to bool is x != 0. No string, float16 or bfloat16.
#include "compiler/ops/cast_util.h"

namespace kiln {
namespace {

// ONNX TensorProto.DataType codes kiln has a type for.
bool dtype_from_code(int64_t code, DType* t) {
  switch (code) {
    case 1: *t = DType::kFloat32; return true;
    case 2: *t = DType::kUInt8; return true;
    case 3: *t = DType::kInt8; return true;
    case 4: *t = DType::kUInt16; return true;
    case 5: *t = DType::kInt16; return true;
    case 6: *t = DType::kInt32; return true;
    case 7: *t = DType::kInt64; return true;
    case 9: *t = DType::kBool; return true;
    case 11: *t = DType::kFloat64; return true;
    case 12: *t = DType::kUInt32; return true;
    case 13: *t = DType::kUInt64; return true;
    default: return false;
  }
}

Status infer(OpCtx& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input is required");
  if (!ctx.node().has_attr("to")) return ctx.invalid("attribute 'to' is required");
  const int64_t code = ctx.node().attr_int("to", 0);
  DType to;
  if (!dtype_from_code(code, &to))
    return ctx.unsupported(fmt::format("cast to ONNX element type {} is not supported", code),
                           "kiln supports float, double, int8..int64, uint8..uint64 and bool");
  return cast_infer(ctx, to);
}

}  // namespace

const OpDef kOp_Cast = {"Cast", 6, 17, infer, cast_eval, cast_emit, nullptr};

}  // namespace kiln
