#!/usr/bin/env bash
# examples/firmware-cmake: cross-compile it for mps2-an386 with its toolchain file, run it in
# QEMU, and compare the digit it prints with the argmax of the model's committed expected output.
#   firmware_cmake.sh package <kiln prefix> ...    find_package(kiln) from an installed kiln
#   firmware_cmake.sh subdir <kiln executable> ... add_subdirectory(kiln's source tree), with
#                                                  KILN_EXECUTABLE (no nested host build)
set -euo pipefail
mode=$1; kiln=$2; example=$3; model_dir=$4; work=$5
case "$mode" in
  package) how=(-DCMAKE_PREFIX_PATH="$kiln") ;;
  subdir) how=(-DKILN_SOURCE_DIR="$(cd "$example/../.." && pwd)" -DKILN_EXECUTABLE="$kiln") ;;
  *) echo "mode: package or subdir" >&2; exit 1 ;;
esac
for tool in arm-none-eabi-gcc qemu-system-arm; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (see .ci/packages.txt)" >&2; exit 1; }
done
rm -rf "$work"; mkdir -p "$work"

cmake -S "$example" -B "$work/build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$example/arm-none-eabi.cmake" \
  "${how[@]}" -DDIGITS_MODEL="$model_dir/model.onnx" >"$work/configure.log"
# kiln runs when the firmware is built, never at configure time
if [[ -e "$work/build/kiln/digits_model/digits.cpp" ]]; then
  echo "the model was generated at configure time" >&2; exit 1
fi
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
grep -q "target cortex-m4" "$work/build/kiln/digits_model/digits.cpp" \
  || { echo "--target did not follow CMAKE_SYSTEM_PROCESSOR (cortex-m4)" >&2; exit 1; }

set +e
timeout 60 qemu-system-arm -M mps2-an386 -nographic -semihosting -kernel "$work/build/digits_firmware.elf" \
  >"$work/run.log" 2>&1
rc=$?
set -e
cat "$work/run.log"

# output_0.pb ends with its raw_data field: tag 0x4a (field 9, length-delimited), length 0x28
# (10 floats), then the scores as little-endian float32.
pb="$model_dir/test_data_set_0/output_0.pb"
size=$(stat -c %s "$pb")
header=$(od -An -tx1 -j $((size - 42)) -N 2 "$pb" | tr -d ' \n')
[[ "$header" == "4a28" ]] || { echo "$pb does not end with 10 raw floats" >&2; exit 1; }
expected=$(od -An -v -tf4 -w4 -j $((size - 40)) "$pb" \
  | awk 'NR == 1 || $1 > best { best = $1; arg = NR - 1 } END { print arg }')
grep -qx "predicted digit: $expected" "$work/run.log" \
  || { echo "expected 'predicted digit: $expected'" >&2; exit 1; }
[[ $rc -eq 0 ]] || { echo "the firmware exited with $rc" >&2; exit 1; }
echo "firmware-cmake ($mode): predicted digit $expected in QEMU, as onnxruntime"
