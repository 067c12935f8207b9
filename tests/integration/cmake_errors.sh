#!/usr/bin/env bash
# kiln_add_model() misuse fails at configure time with a message naming the problem
# (errors_project/ holds one call per case), and the default core follows the cross build.
set -euo pipefail
prefix=$1; project=$2; model=$3; work=$4
rm -rf "$work"; mkdir -p "$work"
b="$work/build"
cmake -S "$project" -B "$b" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$model" -DCASE=ok >"$work/log" \
  || { cat "$work/log"; exit 1; }
grep -qx -- "--target" "$b/kiln/m.options" && grep -qx "host" "$b/kiln/m.options" \
  || { echo "a host build should default to --target host" >&2; exit 1; }

ok() {  # ok <case> [cmake args...]: configures
  local case=$1; shift
  cmake "$b" -DCASE="$case" "$@" >"$work/log" 2>&1 || { cat "$work/log"; echo "case $case failed" >&2; exit 1; }
}
fails() {  # fails <case> <message>: the configure step fails and says <message>
  if cmake "$b" -DCASE="$1" >"$work/log" 2>&1; then echo "case $1 configured" >&2; exit 1; fi
  # CMake wraps long messages: compare with the line breaks and indentation removed
  tr -s ' \n' ' ' <"$work/log" | grep -qF -- "$2" || { cat "$work/log"; echo "case $1: no '$2'" >&2; exit 1; }
}

ok ok_quantize
grep -qx "int8" "$b/kiln/m.options" && grep -qx -- "--calibration" "$b/kiln/m.options" \
  && grep -qx "input=1,32" "$b/kiln/m.options" || { echo "QUANTIZE/INPUT_SHAPES not passed" >&2; exit 1; }
ok ok_board
grep -qx -- "--board" "$b/kiln/m.options" || { echo "BOARD not passed" >&2; exit 1; }
fails missing_model "kiln_add_model(m): MODEL 'no/such/model.onnx' is not a file"
fails no_model "kiln_add_model(m): MODEL <file.onnx> is required"
fails bad_name "NAME '9lives' is not a C identifier"
fails unknown_target "unknown TARGET 'cortex-m99' (cores: host, cortex-m0plus"
fails unknown_board "unknown BOARD 'no-such-board'"
fails target_and_board "give TARGET or BOARD, not both"
fails quantize_no_data "QUANTIZE int8 needs CALIBRATION <data>"
fails quantize_int4 "QUANTIZE 'int4' is not supported"
fails missing_data "CALIBRATION 'no/such/data.npy' does not exist"
fails data_without_quantize "CALIBRATION is only used with QUANTIZE int8"
fails bad_shape "INPUT_SHAPES entry 'input=1,x' is not <input>=<d0>,<d1>,..."
fails option_name "OPTIONS must not contain --name"
fails unknown_keyword "unexpected arguments 'FLAVOUR;sweet'"
fails duplicate_target "a target named 'm' already exists"

# A cross build (CMAKE_SYSTEM_NAME Generic; the host compiler stands in for the cross compiler,
# nothing is linked): the core comes from CMAKE_SYSTEM_PROCESSOR, else from -mcpu=.
x="$work/cross"
cross() {  # cross <case> <processor> <flags>
  rm -rf "$x"
  cmake -S "$project" -B "$x" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$model" -DCASE="$1" \
    -DCMAKE_SYSTEM_NAME=Generic -DCMAKE_SYSTEM_PROCESSOR="$2" -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY \
    -DCMAKE_C_FLAGS="$3" -DCMAKE_CXX_FLAGS="$3" >"$work/log" 2>&1
}
core_is() {
  grep -qx "$1" "$x/kiln/m.options" || { echo "expected --target $1:" >&2; cat "$x/kiln/m.options" >&2; exit 1; }
}
cross ok_default_core cortex-m7 "" && core_is cortex-m7
# (the host compiler rejects -mcpu=cortex-m33 itself, so it hides in a define)
cross ok_default_core arm "-DMCPU_IS=-mcpu=cortex-m33" && core_is cortex-m33
cross ok_default_core armv7e-m "" && core_is cortex-m4
if cross unknown_processor sparc ""; then echo "an unknown processor configured" >&2; exit 1; fi
tr -s ' \n' ' ' <"$work/log" | grep -qF "cannot tell the kiln core from CMAKE_SYSTEM_PROCESSOR 'sparc'" \
  || { cat "$work/log"; exit 1; }
echo "kiln_add_model: every misuse stops the configure step with its message"
