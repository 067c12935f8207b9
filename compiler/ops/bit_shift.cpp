// BitShift (opset 11..17): y = x << s or x >> s (direction LEFT / RIGHT) with numpy broadcasting.
// Unsigned integers; shifting by the bit width or more gives 0.
#include "compiler/ops/elementwise.h"

namespace kiln {
namespace {

Status direction(const OpCtx& ctx, bool* left) {
  std::string d = ctx.node().attr_string("direction", "");
  if (d != "LEFT" && d != "RIGHT") return ctx.invalid(fmt::format("direction must be LEFT or RIGHT, not '{}'", d));
  *left = d == "LEFT";
  return Status::ok();
}

Status infer(OpCtx& ctx) {
  bool left;
  KILN_TRY(direction(ctx, &left));
  return binary_infer(ctx, kUnsignedIntTypes);
}

Status eval(OpCtx& ctx) {
  bool left;
  KILN_TRY(direction(ctx, &left));
  return binary_eval<kUnsignedIntTypes>(ctx, [left](auto a, auto s) {
    using T = decltype(a);
    if (s >= sizeof(T) * 8) return T(0);
    return static_cast<T>(left ? static_cast<uint64_t>(a) << s : static_cast<uint64_t>(a) >> s);
  });
}

Status emit(OpCtx& ctx) {
  bool left;
  KILN_TRY(direction(ctx, &left));
  return binary_emit(ctx, left ? "kiln::OpShiftLeft{}" : "kiln::OpShiftRight{}");
}

}  // namespace

const OpDef kOp_BitShift = {"BitShift", 11, 17, infer, eval, emit, nullptr};

}  // namespace kiln
