#!/usr/bin/env bash
# The below-the-bound rewrites (in-place convolutions and quantization, passes/inplace.cpp) do
# not change results: MODEL compiled with and without them, built with strict flags, run on three
# inputs; 8-bit models must agree bit for bit, float ones within 1e-5 (the in-place pointwise
# kernel sums in another order than the matrix product).
#   inplace_same.sh KILN MODEL WORK exact|float
set -euo pipefail
kiln=$1; model=$2; work=$3; mode=$4
if [ ! -f "$model" ]; then echo "KILN_SKIP: $model is not present"; exit 0; fi
rm -rf "$work"; mkdir -p "$work"
"$kiln" compile "$model" --name a -o "$work/a" -q --no-inplace-conv --no-inplace-quantize
"$kiln" compile "$model" --name b -o "$work/b" -q
grep -q "_inplace<" "$work/b/b.cpp" || { echo "no in-place kernel in the generated code"; exit 1; }
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
      if (!same && bad++ < 5) std::printf("input %d, output %d: %.9g vs %.9g in place\n", t, i, ya[i], yb[i]);
    }
  }
  std::printf("arena %d B out of place, %d B in place: %s\n", A_ARENA_BYTES, B_ARENA_BYTES, bad ? "DIFFER" : "same");
  return bad ? 1 : 0;
}
C
g++ $flags -I. main.cpp a.o b.o -o app -lm
./app "$mode"
