// ConstantOfShape (opset 9..17): a tensor of the constant `shape` filled with the one-element
// `value` attribute (default float 0). The shape must be a constant, so the op always folds.
#include <cstring>

#include "compiler/ops/shape_util.h"

namespace kiln {
namespace {

Status infer(OpCtx& ctx) {
  KILN_TRY(ctx.require_const(0, "shape"));
  const Node& n = ctx.node();
  Tensor& y = ctx.out(0);
  y.dtype = DType::kFloat32;
  if (n.has_attr("value")) {
    const auto& v = n.attrs.at("value").t;
    if (!v || v->numel() != 1) return ctx.invalid("value must be a one-element tensor");
    y.dtype = v->dtype;
  }
  y.shape = ctx.in(0).to_ints();
  for (int64_t d : y.shape)
    if (d < 0) return ctx.invalid(fmt::format("shape has negative dim {}", d));
  y.shape_known = true;
  return Status::ok();
}

Status eval(OpCtx& ctx) {
  const Node& n = ctx.node();
  Tensor& y = ctx.out(0);
  const size_t es = dtype_size(y.dtype);
  std::vector<uint8_t> value(es, 0);
  if (n.has_attr("value")) value = n.attrs.at("value").t->data;
  if (value.size() != es) return KILN_ICE("value tensor has the wrong byte size");
  for (int64_t i = 0; i < y.numel(); ++i) std::memcpy(y.data.data() + static_cast<size_t>(i) * es, value.data(), es);
  return Status::ok();
}

}  // namespace

const OpDef kOp_ConstantOfShape = {"ConstantOfShape", 9, 17, infer, eval, nullptr, nullptr};

}  // namespace kiln
