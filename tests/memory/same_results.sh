#!/usr/bin/env bash
# Memory rewrites do not change results: MODEL compiled with FLAGS_A and with FLAGS_B, built with
# strict flags, run on three inputs; `exact` models (8-bit) must agree bit for bit, `float` ones
# within 1e-5 (a rewritten kernel may sum in another order). Used for the in-place rewrites
# (passes/inplace.cpp) and patch-based execution (passes/patch_stage.cpp). B's code must contain
# EXPECT (a kernel name) so that a rewrite that silently stopped applying fails.
#   same_results.sh KILN MODEL WORK exact|float "FLAGS_A" "FLAGS_B" EXPECT
set -euo pipefail
kiln=$1; model=$2; work=$3; mode=$4; flags_a=$5; flags_b=$6; expect=$7
if [ ! -f "$model" ]; then echo "KILN_SKIP: $model is not present"; exit 0; fi
rm -rf "$work"; mkdir -p "$work"
"$kiln" compile "$model" --name a -o "$work/a" -q $flags_a
"$kiln" compile "$model" --name b -o "$work/b" -q $flags_b
grep -q "$expect" "$work/b/b.cpp" || { echo "no $expect in the generated code"; exit 1; }
cd "$work"
flags="-std=c++14 -O2 -Wall -Wextra -Werror -pedantic -fno-exceptions -fno-rtti"
g++ $flags -Ia -c a/a.cpp -o a.o
g++ $flags -Ib -c b/b.cpp -o b.o
cat > main.cpp <<'C'
#include <cmath>
#include <cstdio>
#include <cstring>
#include "a/a.h"
#include "b/b.h"
static float in[A_INPUT_0_SIZE], ya[A_OUTPUT_0_SIZE], yb[B_OUTPUT_0_SIZE];
int main(int argc, char** argv) {
  const bool exact = argc > 1 && std::strcmp(argv[1], "exact") == 0;
  int bad = 0;
  for (int t = 0; t < 3; ++t) {
    for (int i = 0; i < A_INPUT_0_SIZE; ++i) in[i] = static_cast<float>((i * (37 + 8 * t) + 11 * t) % 101) / 50.5f - 1.0f;
    if (a_run(in, ya) != 0 || b_run(in, yb) != 0) return 2;
    for (int i = 0; i < A_OUTPUT_0_SIZE; ++i) {
      const bool same = exact ? std::memcmp(&ya[i], &yb[i], sizeof(float)) == 0
                              : std::fabs(ya[i] - yb[i]) <= 1e-5f * (1.0f + std::fabs(ya[i]));
      if (!same && bad++ < 5) std::printf("input %d, output %d: %.9g (A) vs %.9g (B)\n", t, i, ya[i], yb[i]);
    }
  }
  std::printf("arena %d B (A), %d B (B): %s\n", A_ARENA_BYTES, B_ARENA_BYTES, bad ? "DIFFER" : "same");
  return bad ? 1 : 0;
}
C
g++ $flags -I. main.cpp a.o b.o -o app -lm
./app "$mode"
