#!/usr/bin/env bash
# prune-channels changes nothing a model computes: the model compiled with and without it
# (--no-prune), both generated sources built into one host program with the strict flags (their
# symbols carry different names), run on the same pseudo-random inputs, outputs compared byte for
# byte. Prints KILN_SKIP when the model is absent (the MLPerf Tiny models live beside the repo).
#
#   tests/e2e/prune_identical.sh KILN MODEL [INPUTS] [WORK]
set -uo pipefail
kiln=$1; model=$2; count=${3:-20}; work=${4:-}
if [ ! -f "$model" ]; then
  echo "KILN_SKIP: $model is absent"
  exit 0
fi
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
rm -rf "$work/pruned" "$work/dense"; mkdir -p "$work"
"$kiln" compile "$model" --name pruned -o "$work/pruned" | grep -E '^(MACs|params|weights|pruned) ' | sed 's/^/pruned: /'
"$kiln" compile "$model" --name dense --no-prune -o "$work/dense" | grep -E '^(MACs|params|weights) ' | sed 's/^/dense:  /'

# One program running both: the inputs are a fixed pseudo-random sequence of each input's
# element type (floats in [0, 1), integers over their range).
hdr=$(grep -o 'int pruned_run(.*);' "$work/pruned/pruned.h")
[ -n "$hdr" ] || { echo "cannot find pruned_run in the generated header"; exit 1; }
nin=$(grep -o 'const [a-z0-9_]* \*in[0-9]*' <<<"$hdr" | wc -l)
nout=$(grep -o '[a-z0-9_]* \*out[0-9]*' <<<"$hdr" | grep -vc const)
{
  echo '#include <cstdio>'
  echo '#include <cstring>'
  echo '#include <cstdint>'
  echo '#include "pruned.h"'
  echo '#include "dense.h"'
  for i in $(seq 0 $((nin - 1))); do
    t=$(grep -o "const [a-z0-9_]* \*in$i" <<<"$hdr" | awk '{print $2}')
    echo "static $t in$i[PRUNED_INPUT_${i}_SIZE];"
  done
  for i in $(seq 0 $((nout - 1))); do
    t=$(grep -o "[a-z0-9_]* \*out$i" <<<"$hdr" | awk '{print $1}')
    echo "static $t p$i[PRUNED_OUTPUT_${i}_SIZE], d$i[DENSE_OUTPUT_${i}_SIZE];"
  done
  echo 'static uint32_t rng = 12345u;'
  echo 'static uint32_t next() { rng = rng * 1664525u + 1013904223u; return rng >> 8; }'
  echo 'template <typename T> void fill(T* p, int n) { for (int i = 0; i < n; ++i) p[i] = static_cast<T>(next()); }'
  echo 'void fill(float* p, int n) { for (int i = 0; i < n; ++i) p[i] = static_cast<float>(next() & 0xffff) / 65536.0f; }'
  echo 'int main(int argc, char** argv) {'
  echo '  const int count = argc > 1 ? std::atoi(argv[1]) : 1;'
  echo '  int differ = 0;'
  echo '  for (int k = 0; k < count; ++k) {'
  for i in $(seq 0 $((nin - 1))); do echo "    fill(in$i, PRUNED_INPUT_${i}_SIZE);"; done
  args_p=$(for i in $(seq 0 $((nin - 1))); do printf 'in%d, ' "$i"; done; for i in $(seq 0 $((nout - 1))); do printf 'p%d, ' "$i"; done)
  args_d=$(for i in $(seq 0 $((nin - 1))); do printf 'in%d, ' "$i"; done; for i in $(seq 0 $((nout - 1))); do printf 'd%d, ' "$i"; done)
  echo "    if (pruned_run(${args_p%, }) != 0 || dense_run(${args_d%, }) != 0) { std::puts(\"run failed\"); return 2; }"
  for i in $(seq 0 $((nout - 1))); do echo "    differ += std::memcmp(p$i, d$i, sizeof p$i) != 0;"; done
  echo '  }'
  echo '  std::printf("host: %d inputs, %d with outputs that differ\n", count, differ);'
  echo '  return differ ? 1 : 0;'
  echo '}'
} | sed 's/#include <cstdint>/#include <cstdint>\n#include <cstdlib>/' >"$work/main.cpp"
flags=(-std=c++14 -O2 -Wall -Wextra -Werror -pedantic -fno-exceptions -fno-rtti)
if ! g++ "${flags[@]}" -I"$work/pruned" -I"$work/dense" "$work/main.cpp" "$work/pruned/pruned.cpp" \
    "$work/dense/dense.cpp" -o "$work/both" 2>"$work/build.err"; then
  echo "host build failed:"; head -20 "$work/build.err"; exit 1
fi
"$work/both" "$count"
rc=$?
exit $rc
