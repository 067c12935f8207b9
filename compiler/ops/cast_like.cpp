// CastLike (opset 15..17): Cast to the element type of the second input (only its type is read).
// Same conversions and types as Cast.
#include "compiler/ops/cast_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  if (!ctx.has_input(1)) return ctx.invalid("input target_type is required");
  return cast_infer(ctx, ctx.in(1).dtype);
}

}  // namespace

const OpDef kOp_CastLike = {"CastLike", 15, 17, infer, cast_eval, cast_emit, nullptr};

}  // namespace kiln
