// The conversion shared by Cast (target type from an attribute) and CastLike (from an input).
#pragma once

#include "compiler/ops/elementwise.h"

namespace kiln {

// Output 0 gets input 0's shape and element type `to`.
Status cast_infer(OpCtx& ctx, DType to);
// Converts input 0 to output 0's type.
Status cast_eval(OpCtx& ctx);
Status cast_emit(OpCtx& ctx);

}  // namespace kiln
