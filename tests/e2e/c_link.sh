#!/usr/bin/env bash
# The generated object links into a plain C program with no C++ runtime: `gcc main.c NAME.o -lm`.
# Also checks the header is valid C99 and that the zero-copy API and NAME_run agree.
set -euo pipefail
kiln=$1; model=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
"$kiln" compile "$model" --name net -o "$work/gen" -q
cd "$work"
g++ -std=c++14 -O2 -Wall -Wextra -Werror -pedantic -fno-exceptions -fno-rtti -Igen -c gen/net.cpp -o net.o
cat > main.c <<'C'
#include <stdio.h>
#include <string.h>
#include "net.h"
static float in[NET_INPUT_0_SIZE], out[NET_OUTPUT_0_SIZE];
int main(void) {
  for (int i = 0; i < NET_INPUT_0_SIZE; ++i) in[i] = (float)((i * 37) % 101) / 101.0f;
  if (net_run(in, out) != 0) return 1;
  memcpy(net_input_0(), in, sizeof in);
  if (net_invoke() != 0) return 1;
  if (memcmp(net_output_0(), out, sizeof out) != 0) { puts("zero-copy and run() disagree"); return 1; }
  printf("arena %d bytes, weights %d bytes, out[0] = %g\n", NET_ARENA_BYTES, NET_WEIGHTS_BYTES, out[0]);
  return 0;
}
C
gcc -std=c99 -Wall -Wextra -Werror -pedantic -Igen -c main.c -o main.o
gcc main.o net.o -lm -o app
./app
