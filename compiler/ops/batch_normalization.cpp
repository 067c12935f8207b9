// BatchNormalization (opset 6..17), inference only: y = (x - mean) / sqrt(var + epsilon) *
// scale + B per channel (dim 1) of X [N, C, ...]. Float32. Not supported: training (is_test=0
// before opset 7, training_mode=1 from 14, or the running-statistics outputs) and spatial=0.
// Usually passes/fold_batchnorm has already pushed it into the preceding Conv or Gemm.
#include <cmath>

#include "compiler/ops/nn_util.h"

namespace kiln {
namespace {

float epsilon(OpCtx& ctx) { return ctx.node().attr_float("epsilon", 1e-5f); }

Status infer(OpCtx& ctx) {
  const Node& n = ctx.node();
  if (ctx.opset() < 7 && n.attr_int("is_test", 0) == 0)
    return ctx.unsupported("training mode (is_test=0) is not supported", "export the model in eval mode");
  if (n.attr_int("training_mode", 0) != 0)
    return ctx.unsupported("training_mode=1 is not supported", "export the model in eval mode");
  if (n.attr_int("spatial", 1) != 1) return ctx.unsupported("spatial=0 is not supported");
  for (size_t i = 1; i < ctx.num_outputs(); ++i)
    if (ctx.has_output(i)) return ctx.unsupported("the running statistics outputs (training) are not supported");
  for (size_t i = 0; i < 5; ++i) {
    if (!ctx.has_input(i)) return ctx.invalid("X, scale, B, mean and var are required");
    if (ctx.in(i).dtype != DType::kFloat32) return ctx.unsupported_type(ctx.in(i).dtype);
  }
  const Shape& xs = ctx.in(0).shape;
  if (xs.size() < 2) return ctx.invalid("X must be [N, C, ...]");
  for (size_t i = 1; i < 5; ++i)
    if (ctx.in(i).numel() != xs[1]) return ctx.invalid(fmt::format("input {} must have C={} values", i, xs[1]));
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  y.shape = xs;
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const Shape& xs = ctx.in(0).shape;
  if (ctx.in(0).numel() == 0) return Status::ok();
  const int64_t C = xs[1], HW = ctx.in(0).numel() / (xs[0] * C);
  const float* x = ctx.in(0).as<float>();
  const float* scale = ctx.in(1).as<float>();
  const float* b = ctx.in(2).as<float>();
  const float* mean = ctx.in(3).as<float>();
  const float* var = ctx.in(4).as<float>();
  float* y = ctx.out(0).as_mut<float>();
  for (int64_t n = 0; n < xs[0]; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) {
        int64_t k = (n * C + c) * HW + i;
        double v = (x[k] - static_cast<double>(mean[c])) / std::sqrt(static_cast<double>(var[c]) + epsilon(ctx));
        y[k] = static_cast<float>(v * scale[c] + b[c]);
      }
  return Status::ok();
}

Status emit(OpCtx& ctx) {
  const Shape& xs = ctx.in(0).shape;
  if (ctx.in(0).numel() == 0) {
    ctx.w().line("// empty tensor: no code");
    return Status::ok();
  }
  ctx.include("kiln_norm.h");
  const int64_t C = xs[1], HW = ctx.in(0).numel() / (xs[0] * C);
  bool consts = true;
  for (size_t i = 1; i < 5; ++i) consts &= ctx.in(i).is_const;
  if (!consts) {
    ctx.w().line("kiln::batchnorm_stats<{}, {}, {}>({}, {}, {}, {}, {}, {}, {});", xs[0], C, HW, ctx.in_ptr(0),
                 ctx.in_ptr(1), ctx.in_ptr(2), ctx.in_ptr(3), ctx.in_ptr(4), c_float(epsilon(ctx)), ctx.out_ptr(0));
    return Status::ok();
  }
  // The per-channel factor scale / sqrt(var + eps), computed once here.
  Tensor s = ctx.in(1);
  s.name = ctx.node().name + " factor";
  for (int64_t c = 0; c < C; ++c)
    s.as_mut<float>()[c] = static_cast<float>(
        ctx.in(1).as<float>()[c] / std::sqrt(static_cast<double>(ctx.in(4).as<float>()[c]) + epsilon(ctx)));
  std::string sp = ctx.add_const(ctx.node().name + "_factor", s);
  ctx.w().line("kiln::batchnorm<{}, {}, {}>({}, {}, {}, {}, {});", xs[0], C, HW, ctx.in_ptr(0), ctx.in_ptr(3), sp,
               ctx.in_ptr(2), ctx.out_ptr(0));
  return Status::ok();
}

}  // namespace

const OpDef kOp_BatchNormalization = {"BatchNormalization", 6, 17, infer, eval, emit, nullptr};

}  // namespace kiln
