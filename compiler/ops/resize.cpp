// Resize (opset 10..17): modes nearest (every nearest_mode), linear and cubic (cubic_coeff_a,
// exclude_outside; exclude_outside changes nothing for linear, whose two taps are clamped to the
// edge), every coordinate_transformation_mode, with extrapolation_value for tf_crop_and_resize.
// Scales or sizes (and roi when used) must be constants. Opset 10 has no coordinate modes: it
// samples at x / scale, rounding down when upsampling and up when downsampling, as onnxruntime
// does. Emitted code resizes the last two dims only. Nearest: any type; linear, cubic: float types.
#include <cmath>

#include "compiler/ops/resize_util.h"

namespace kiln {
namespace {

Status spec(OpCtx& ctx, ResizeSpec* s) {
  const Node& n = ctx.node();
  const Shape& in = ctx.in(0).shape;
  const std::string mode = n.attr_string("mode", "nearest");
  if (mode == "nearest") s->mode = ResizeMode::kNearest;
  else if (mode == "linear") s->mode = ResizeMode::kLinear;
  else if (mode == "cubic") s->mode = ResizeMode::kCubic;
  else return ctx.invalid(fmt::format("unknown mode '{}'", mode));
  if (s->mode == ResizeMode::kCubic && ctx.opset() < 11) return ctx.invalid("mode 'cubic' needs opset 11");
  s->cubic_a = n.attr_float("cubic_coeff_a", -0.75f);
  s->exclude_outside = n.attr_int("exclude_outside", 0) != 0;
  s->coordinate_mode = ctx.opset() < 11 ? "legacy" : n.attr_string("coordinate_transformation_mode", "half_pixel");
  s->nearest_mode = n.attr_string("nearest_mode", "round_prefer_floor");
  s->extrapolation = n.attr_float("extrapolation_value", 0.0f);
  const size_t scales_at = ctx.opset() < 11 ? 1 : 2;
  if (ctx.opset() >= 11 && ctx.has_input(3) && ctx.in(3).numel() > 0) {
    KILN_TRY(ctx.require_const(3, "sizes"));
    s->out = ctx.in(3).to_ints();
    if (s->out.size() != in.size()) return ctx.invalid("sizes must have one value per input dim");
    s->scales.clear();
    for (size_t d = 0; d < in.size(); ++d)
      s->scales.push_back(in[d] ? static_cast<double>(s->out[d]) / static_cast<double>(in[d]) : 1.0);
  } else {
    KILN_TRY(ctx.require_const(scales_at, "scales"));
    const Tensor& sc = ctx.in(scales_at);
    if (sc.numel() != static_cast<int64_t>(in.size())) return ctx.invalid("scales must have one value per input dim");
    s->scales.clear();
    s->out.clear();
    for (int64_t d = 0; d < sc.numel(); ++d) {
      s->scales.push_back(sc.float_at(d));
      const double o = std::floor(sc.float_at(d) * static_cast<double>(in[static_cast<size_t>(d)]));
      if (!(o >= 0 && o < 1e9)) return ctx.invalid(fmt::format("invalid scale {}", sc.float_at(d)));
      s->out.push_back(static_cast<int64_t>(o));
    }
  }
  if (s->coordinate_mode == "tf_crop_and_resize") {
    KILN_TRY(ctx.require_const(1, "roi"));
    s->roi.clear();
    for (int64_t i = 0; i < ctx.in(1).numel(); ++i) s->roi.push_back(ctx.in(1).float_at(i));
  }
  return Status::ok();
}

}  // namespace

const OpDef kOp_Resize = {"Resize", 10, 17, ResizeLikeOp<spec>::infer, ResizeLikeOp<spec>::eval,
                           ResizeLikeOp<spec>::emit, nullptr};

}  // namespace kiln
