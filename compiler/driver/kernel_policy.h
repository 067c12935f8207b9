// The kernel policy: which layers' fast kernels read their weights widened to int16 pairs (the
// fastest loops, twice the flash) and which read int8 (a quarter more instructions per MAC in a
// GEMM, half more in a fully connected layer; half the flash). `--optimize speed` (the default)
// widens every layer that has the choice unless a flash budget (`--flash-limit`, or the
// `--board`'s flash) says otherwise; `--optimize size` keeps every layer narrow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/ops/op.h"

namespace kiln {

enum class OptimizeFor { kSpeed, kSize };

struct KernelPick {
  std::string node;
  WeightWidthChoice choice;
  bool narrow = false;
};

struct KernelPolicy {
  OptimizeFor goal = OptimizeFor::kSpeed;
  std::vector<KernelPick> picks;  // every layer with a weight-width choice, in graph order
  bool budget_narrowed = false;   // --optimize speed narrowed layers to meet the flash limit

  int64_t narrow_count() const;
  int64_t saved_bytes() const;      // flash saved against every layer wide
  int64_t extra_instructions() const;  // estimated, against every layer wide
};

// The layers of g with a choice on target t, all wide; node attributes set by an earlier call
// are cleared.
std::vector<KernelPick> weight_choices(Graph& g, const Target& t);
// Narrows layers, cheapest estimated instructions per byte saved first, until at least
// `overshoot` more bytes are saved or none is left; false when none was left to narrow.
bool narrow_to_fit(std::vector<KernelPick>* picks, int64_t overshoot);
// Writes the picks into g (the attribute the emitters read, compiler/ops/qfast.h).
void apply_picks(Graph& g, const std::vector<KernelPick>& picks);
// "speed" / "size"
const char* optimize_name(OptimizeFor f);
// The compile summary's line ("" when no layer has the choice).
std::string kernel_summary(const KernelPolicy& k);

}  // namespace kiln
