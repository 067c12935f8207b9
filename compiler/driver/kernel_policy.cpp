// Kernel policy: int16-pair or int8 weights, layer by layer.
//
// On a core with the DSP extension the fast GEMM (pointwise and im2col convolutions) and fully
// connected kernels multiply int16 pairs with SMLAD. Their weights can be stored already widened
// (int16 pairs: 12 instructions per 16 MACs in the GEMM, 87 per 96 in the fully connected loop)
// or as int8 and widened in the loop with SXTB16 (16 per 16, 132 per 96): twice the flash, or a
// few more instructions. The code is 4-14 KB for the MLPerf Tiny models; the weights are the
// flash, so this is the choice that moves it.
//
// The cost of narrowing layer L is its kernel's estimate, MACs(L) * (extra instructions per MAC
// of that kernel: compiler/ops/qfast.h), its gain the bytes it saves. Under a flash budget the
// layers are narrowed in increasing order of cost per byte saved until the model fits: a fully connected layer uses
// each weight once per inference and goes first; a convolution uses each weight once per output
// pixel and goes last. This greedy order is optimal for the fractional relaxation of the
// knapsack; the last layer it narrows may save more than needed, which the byte-exact re-check
// after code generation accepts (the model fits).
#include "compiler/driver/kernel_policy.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "compiler/ops/qfast.h"

namespace kiln {

int64_t KernelPolicy::narrow_count() const {
  return std::count_if(picks.begin(), picks.end(), [](const KernelPick& p) { return p.narrow; });
}

int64_t KernelPolicy::saved_bytes() const {
  int64_t s = 0;
  for (const auto& p : picks)
    if (p.narrow) s += p.choice.wide_bytes - p.choice.narrow_bytes;
  return s;
}

int64_t KernelPolicy::extra_instructions() const {
  int64_t s = 0;
  for (const auto& p : picks)
    if (p.narrow) s += p.choice.narrow_extra;
  return s;
}

std::vector<KernelPick> weight_choices(Graph& g, const Target& t) {
  std::vector<KernelPick> picks;
  for (Node& n : g.nodes) {
    n.attrs.erase(kNarrowWeightsAttr);
    const OpDef* def = find_op(n.op, n.domain);
    if (!def || !def->weight_choice) continue;
    OpCtx ctx(g, n, g.opset);
    ctx.set_codegen(nullptr, nullptr, &t);
    KernelPick p;
    if (!def->weight_choice(ctx, &p.choice) || p.choice.narrow_bytes >= p.choice.wide_bytes) continue;
    p.node = n.name;
    picks.push_back(p);
  }
  return picks;
}

bool narrow_to_fit(std::vector<KernelPick>* picks, int64_t overshoot) {
  std::vector<size_t> order;
  for (size_t i = 0; i < picks->size(); ++i)
    if (!(*picks)[i].narrow) order.push_back(i);
  if (order.empty()) return false;
  // cost_a / saved_a < cost_b / saved_b, in integers
  auto cheaper = [&](size_t a, size_t b) {
    const KernelPick& pa = (*picks)[a];
    const KernelPick& pb = (*picks)[b];
    const int64_t sa = pa.choice.wide_bytes - pa.choice.narrow_bytes, sb = pb.choice.wide_bytes - pb.choice.narrow_bytes;
    return static_cast<long double>(pa.choice.narrow_extra) * sb < static_cast<long double>(pb.choice.narrow_extra) * sa;
  };
  std::stable_sort(order.begin(), order.end(), cheaper);
  int64_t saved = 0;
  for (size_t i : order) {
    if (saved >= overshoot) break;
    KernelPick& p = (*picks)[i];
    p.narrow = true;
    saved += p.choice.wide_bytes - p.choice.narrow_bytes;
  }
  return true;
}

void apply_picks(Graph& g, const std::vector<KernelPick>& picks) {
  std::map<std::string, bool> narrow;
  for (const KernelPick& p : picks) narrow[p.node] = p.narrow;
  for (Node& n : g.nodes) {
    auto it = narrow.find(n.name);
    if (it != narrow.end() && it->second) n.set_int(kNarrowWeightsAttr, 1);
    else n.attrs.erase(kNarrowWeightsAttr);
  }
}

const char* optimize_name(OptimizeFor f) { return f == OptimizeFor::kSize ? "size" : "speed"; }

std::string kernel_summary(const KernelPolicy& k) {
  if (k.picks.empty()) return "";
  const int64_t n = k.narrow_count(), all = static_cast<int64_t>(k.picks.size());
  int64_t could = 0;
  for (const auto& p : k.picks) could += p.choice.wide_bytes - p.choice.narrow_bytes;
  if (n == 0)
    return fmt::format("--optimize {}: {} layers read int16-pair weights (--optimize size: {} B less flash)",
                       optimize_name(k.goal), all, could);
  return fmt::format("--optimize {}: {} of {} layers read int8 weights{} ({} B less flash, about {} more instructions)",
                     optimize_name(k.goal), n, all, k.budget_narrowed ? " to fit the flash budget" : "",
                     k.saved_bytes(), k.extra_instructions());
}

}  // namespace kiln
