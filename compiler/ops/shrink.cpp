// Shrink (opset 9..17): y = x < -lambd ? x + bias : (x > lambd ? x - bias : 0), lambd 0.5 and
// bias 0 by default. Float and double; the integer types ONNX also allows are not supported.
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

float lambd(const OpCtx& ctx) { return ctx.node().attr_float("lambd", 0.5f); }
float bias(const OpCtx& ctx) { return ctx.node().attr_float("bias", 0.0f); }

Status eval(OpCtx& ctx) {
  const float l = lambd(ctx), b = bias(ctx);
  return unary_eval<kFloatTypes>(ctx, [l, b](auto v) {
    using T = decltype(v);
    return v < -T(l) ? v + T(b) : (v > T(l) ? v - T(b) : T(0));
  });
}

Status emit(OpCtx& ctx) {
  return unary_emit(ctx, fmt::format("kiln::OpShrink{{{}, {}}}", c_float(lambd(ctx)), c_float(bias(ctx))));
}

}  // namespace

const OpDef kOp_Shrink = {"Shrink", 9, 17, unary_float_infer, eval, emit, nullptr};

}  // namespace kiln
