#!/usr/bin/env bash
# Generated code compiles warning-free for a Cortex-M4 with hard float.
set -euo pipefail
kiln=$1; model=$2; work=$3
if ! command -v arm-none-eabi-g++ >/dev/null; then
  echo "arm-none-eabi-g++ is not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2
  exit 1
fi
rm -rf "$work"; mkdir -p "$work"
"$kiln" compile "$model" --name net --target cortex-m4 -o "$work/gen" -q
cd "$work/gen"
arm-none-eabi-g++ -std=c++14 -O2 -Wall -Wextra -Werror -pedantic -fno-exceptions -fno-rtti \
  -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffunction-sections -fdata-sections \
  -c ./*.cpp
arm-none-eabi-size ./*.o
