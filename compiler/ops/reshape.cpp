// Reshape (opset 5..17): new dims from a constant `shape` input; 0 copies the input dim (unless
// allowzero=1, opset 14), -1 is inferred. A view: no code once passes/alias_views has run.
#include "compiler/ops/op.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(ctx.require_const(1, "shape"));
  const Shape& in = ctx.in(0).shape;
  std::vector<int64_t> spec = ctx.in(1).to_ints();
  bool allow_zero = ctx.node().attr_int("allowzero", 0) != 0;
  Shape out(spec.size());
  int64_t known = 1;
  int infer_at = -1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == 0 && !allow_zero) {
      if (i >= in.size()) return ctx.invalid("shape has 0 beyond the input's rank");
      d = in[i];
    }
    if (d == -1) {
      if (infer_at >= 0) return ctx.invalid("shape has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (d < 0) return ctx.invalid(fmt::format("shape has invalid dim {}", d));
    out[i] = d;
    known *= d;
  }
  int64_t total = shape_numel(in);
  if (infer_at >= 0) {
    if (known == 0 || total % known) return ctx.invalid("cannot infer the -1 dim");
    out[static_cast<size_t>(infer_at)] = total / known;
  } else if (known != total) {
    return ctx.invalid(fmt::format("cannot reshape {} to {}", shape_str(in), shape_str(out)));
  }
  Tensor& y = ctx.out(0);
  y.dtype = ctx.in(0).dtype;
  y.shape = out;
  y.shape_known = true;
  return Status::ok();
}

}  // namespace

const OpDef kOp_Reshape = {"Reshape", 5, 17, infer, eval_copy_bytes, emit_view_or_copy, nullptr};

}  // namespace kiln
