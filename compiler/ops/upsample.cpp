// Upsample (opset 7..9; deprecated by Resize): modes nearest and linear (bilinear), scales >= 1
// as an attribute (opset 7) or a constant input (opset 9). Output dim = floor(dim * scale);
// samples at x / scale (nearest rounds down), as onnxruntime does. Emitted code resizes the last
// two dims only. Nearest: any type; linear: float types.
#include <cmath>

#include "compiler/ops/resize_util.h"

namespace kiln {
namespace {

Status spec(OpCtx& ctx, ResizeSpec* s) {
  const Node& n = ctx.node();
  const Shape& in = ctx.in(0).shape;
  const std::string mode = n.attr_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "bilinear")
    return ctx.unsupported(fmt::format("mode '{}' is not supported", mode));
  s->mode = mode == "nearest" ? ResizeMode::kNearest : ResizeMode::kLinear;
  s->coordinate_mode = "legacy";
  std::vector<double> scales;
  if (ctx.opset() < 9) {
    for (float f : n.attr_floats("scales")) scales.push_back(f);
  } else {
    KILN_TRY(ctx.require_const(1, "scales"));
    for (int64_t i = 0; i < ctx.in(1).numel(); ++i) scales.push_back(ctx.in(1).float_at(i));
  }
  if (scales.size() != in.size()) return ctx.invalid("scales must have one value per input dim");
  s->scales = scales;
  s->out.clear();
  for (size_t d = 0; d < in.size(); ++d) {
    if (!(scales[d] >= 1 && scales[d] < 1e6)) return ctx.invalid(fmt::format("scale {} must be >= 1", scales[d]));
    s->out.push_back(static_cast<int64_t>(std::floor(scales[d] * static_cast<double>(in[d]))));
  }
  return Status::ok();
}

}  // namespace

const OpDef kOp_Upsample = {"Upsample", 7, 9, ResizeLikeOp<spec>::infer, ResizeLikeOp<spec>::eval,
                           ResizeLikeOp<spec>::emit, nullptr};

}  // namespace kiln
