#!/usr/bin/env bash
# The drop-in layouts of `kiln compile`, each checked the way its build system would see it:
#   arduino   library.properties fields; src/ and the example sketch compile with
#             arm-none-eabi-g++ as the Arduino core for nRF52 (Cortex-M4F, gnu++14) would, with a
#             stand-in Arduino.h; the sketch runs on the host and prints the model's output
#   zephyr    zephyr/module.yml parses; CMakeLists.txt evaluated with Zephyr's functions stubbed;
#             Kconfig entry; sources compile for a Cortex-M4
#   esp-idf   CMakeLists.txt evaluated with idf_component_register() stubbed; sources compile
#             (with arm-none-eabi-g++: Debian has no Xtensa compiler)
#   sections  --arena-section/--weights-section put the arena and the weights in those sections
#             of the object; a -D on the command line still wins
set -euo pipefail
kiln=$1; model=$2; work=$3; layout=$4
here=$(cd "$(dirname "$0")" && pwd)
command -v arm-none-eabi-g++ >/dev/null || { echo "arm-none-eabi-g++ is not installed" >&2; exit 1; }
rm -rf "$work"; mkdir -p "$work"
out="$work/net"
m4=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
strict=(-Wall -Wextra -Werror -fno-exceptions -fno-rtti)
fail() { echo "$layout: $*" >&2; exit 1; }

case "$layout" in
arduino)
  "$kiln" compile "$model" --name net --target cortex-m4 --layout arduino -o "$out" -q
  for key in name version author maintainer sentence paragraph category url architectures includes; do
    grep -q "^$key=" "$out/library.properties" || fail "library.properties has no $key="
  done
  grep -qx "name=net" "$out/library.properties" || fail "library name is not net"
  [[ -f "$out/examples/net/net.ino" ]] || fail "no examples/net/net.ino"
  # the Arduino builder prepends Arduino.h to a sketch and compiles it as C++
  { echo '#include <Arduino.h>'; cat "$out/examples/net/net.ino"; } >"$work/net_sketch.cpp"
  for f in "$out"/src/*.cpp "$work/net_sketch.cpp"; do
    arm-none-eabi-g++ "${m4[@]}" -std=gnu++14 -Os "${strict[@]}" -I"$here/arduino" -I"$out/src" \
      -c "$f" -o "$work/$(basename "$f").o"
  done
  g++ -std=gnu++14 -O1 "${strict[@]}" -I"$here/arduino" -I"$out/src" "$out"/src/*.cpp "$work/net_sketch.cpp" \
    "$here/arduino/host_main.cpp" -o "$work/sketch"
  "$work/sketch" | tee "$work/run.log"
  grep -q "^output_0 argmax = [0-9]" "$work/run.log" || fail "the sketch printed no result"
  ;;
zephyr)
  "$kiln" compile "$model" --name net --target cortex-m4 --layout zephyr -o "$out" -q
  yml="$out/zephyr/module.yml"
  if python3 -c "import yaml" 2>/dev/null; then
    python3 - "$yml" <<'PY' || fail "zephyr/module.yml is not the expected YAML"
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
assert m["build"]["cmake"] == "." and m["build"]["kconfig"] == "Kconfig", m
PY
  fi
  # without PyYAML: every line a comment, a key or a nested key, and the build keys present
  grep -vE '^(#.*|[a-z_]+:( .*)?|  [a-z_]+: .+)$' "$yml" && fail "unexpected line in module.yml"
  grep -qx "  cmake: ." "$yml" && grep -qx "  kconfig: Kconfig" "$yml" || fail "module.yml lacks build.cmake/kconfig"
  grep -qx "config KILN_NET" "$out/Kconfig" && grep -qP '^\tbool "' "$out/Kconfig" \
    && grep -qP '^\tdepends on CPP$' "$out/Kconfig" || fail "Kconfig has no KILN_NET bool entry"
  cmake -DMODULE="$out" -DNAME=net -P "$here/check_zephyr_module.cmake"
  if cmake -DMODULE="$out" -DNAME=net -DCPP_STD=11 -P "$here/check_zephyr_module.cmake" >"$work/cpp11.log" 2>&1; then
    fail "the module accepted C++11"
  fi
  grep -q "needs C++14" "$work/cpp11.log" || fail "no C++14 message"
  for f in "$out"/src/*.cpp; do
    arm-none-eabi-g++ "${m4[@]}" -std=c++14 -O2 "${strict[@]}" -pedantic -I"$out/include" -c "$f" -o "$work/z.o"
  done
  ;;
esp-idf)
  "$kiln" compile "$model" --name net --target esp32 --layout esp-idf -o "$out" -q
  cmake -DCOMPONENT="$out" -DNAME=net -P "$here/check_idf_component.cmake"
  for f in "$out"/src/*.cpp; do
    arm-none-eabi-g++ "${m4[@]}" -std=gnu++17 -O2 "${strict[@]}" -I"$out/include" -c "$f" -o "$work/e.o"
  done
  ;;
sections)
  "$kiln" compile "$model" --name net --target cortex-m4 --arena-section .dtcm_bss --weights-section .qspi_rodata \
    -o "$out" -q
  arm-none-eabi-g++ "${m4[@]}" -std=c++14 -O2 "${strict[@]}" -pedantic -I"$out" -c "$out/net.cpp" -o "$work/s.o"
  arena=$(sed -n 's/^#define NET_ARENA_BYTES //p' "$out/net.h")
  weights=$(sed -n 's/^#define NET_WEIGHTS_BYTES //p' "$out/net.h")
  size_of() { arm-none-eabi-size -A "$1" | awk -v s="$2" '$1 == s { print $2 }'; }
  a=$(size_of "$work/s.o" .dtcm_bss); w=$(size_of "$work/s.o" .qspi_rodata)
  [[ -n "$a" && "$a" -ge "$arena" ]] || fail ".dtcm_bss holds ${a:-nothing}, the arena is $arena bytes"
  # the compiler may fold a small constant into the code, but none may land in .rodata; each array
  # may be followed by up to 7 bytes of padding to the next one's alignment (8 on the M4)
  arrays=$(grep -c '^alignas(' "$out/net.cpp")
  [[ -n "$w" && "$w" -gt 0 && "$w" -le $((weights + 7 * arrays)) ]] ||
    fail ".qspi_rodata holds ${w:-nothing} of $weights weight bytes ($arrays arrays)"
  [[ -z "$(size_of "$work/s.o" .rodata)" ]] || fail "weights left in .rodata"
  arm-none-eabi-g++ "${m4[@]}" -std=c++14 -O2 "${strict[@]}" -I"$out" -DKILN_NET_ARENA_SECTION='".sram2"' \
    -c "$out/net.cpp" -o "$work/d.o"
  [[ -n "$(size_of "$work/d.o" .sram2)" && -z "$(size_of "$work/d.o" .dtcm_bss)" ]] || fail "-D did not win"
  echo "arena $a bytes in .dtcm_bss, weights $w bytes in .qspi_rodata"
  ;;
*) fail "unknown layout" ;;
esac
echo "$layout: ok"
