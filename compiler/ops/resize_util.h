// Shared by Resize and Upsample: the per-axis sampling plan (computed in double precision by the
// compiler, following the ONNX reference implementation) and the reference and emitted kernels
// that apply it. Only the last two dims may scale in emitted code (NCHW images, or any rank
// whose leading dims map 1:1); the reference handles any rank.
#pragma once

#include "compiler/ops/op.h"

namespace kiln {

enum class ResizeMode { kNearest, kLinear, kCubic };

struct ResizeSpec {
  ResizeMode mode = ResizeMode::kNearest;
  std::string coordinate_mode;  // coordinate_transformation_mode, or "legacy" (Upsample, Resize-10)
  std::string nearest_mode = "round_prefer_floor";
  std::vector<double> scales;   // per dim, as used in the coordinate transforms
  Shape out;
  std::vector<double> roi;      // [starts..., ends...] for tf_crop_and_resize
  double extrapolation = 0.0;
  double cubic_a = -0.75;        // cubic_coeff_a
  bool exclude_outside = false;  // cubic: taps outside the input get weight 0, the rest renormalised
};

// Along one dim, per output index: `taps` source indices (clamped to the edge) and their weights
// (nearest 1 tap, linear 2, cubic 4). A first index of -1 means "the extrapolation value".
struct ResizeAxis {
  int taps = 1;
  std::vector<int32_t> idx;  // [out][taps]
  std::vector<double> w;     // [out][taps]
};

// Validates the spec against the input (modes, sizes) and plans every axis.
Status plan_resize(OpCtx& ctx, const ResizeSpec& spec, std::vector<ResizeAxis>* axes);
Status eval_resize(OpCtx& ctx, const ResizeSpec& spec);
Status emit_resize(OpCtx& ctx, const ResizeSpec& spec);
// Output 0: the input's type at the spec's output shape (after checking the plan).
Status infer_resize(OpCtx& ctx, const ResizeSpec& spec);

// Resize and Upsample differ only in how they read their spec: SpecFn fills it from the node.
using ResizeSpecFn = Status (*)(OpCtx&, ResizeSpec*);
template <ResizeSpecFn SpecFn>
struct ResizeLikeOp {
  static Status infer(OpCtx& ctx) { return with_spec(ctx, infer_resize); }
  static Status eval(OpCtx& ctx) { return with_spec(ctx, eval_resize); }
  static Status emit(OpCtx& ctx) { return with_spec(ctx, emit_resize); }

 private:
  static Status with_spec(OpCtx& ctx, Status (*f)(OpCtx&, const ResizeSpec&)) {
    ResizeSpec s;
    KILN_TRY(SpecFn(ctx, &s));
    return f(ctx, s);
  }
};

}  // namespace kiln
