#!/usr/bin/env bash
# kiln_add_model() from the installed package in a host project (host_project/): the program
# builds and runs, nothing is generated at configure time, and kiln runs again exactly when the
# model, the options or the kiln binary change. Run once per generator: Ninja tracks command
# lines itself, Make relies on the options file kiln_add_model() keeps.
set -euo pipefail
prefix=$1; project=$2; model=$3; work=$4; generator=${5:-Ninja}
rm -rf "$work"; mkdir -p "$work"
# copies, to touch without disturbing the tests that run beside this one
cp "$model" "$work/model.onnx"
cp -r "$prefix" "$work/prefix"
prefix="$work/prefix"
b="$work/build"

build() {  # build; print how many models kiln (re)generated
  cmake --build "$b" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  grep -c "kiln: compiling" "$work/build.log" || true
}
expect() {  # expect <what> <wanted count> <got count>
  [[ "$2" == "$3" ]] || { echo "$1: kiln ran $3 times, expected $2" >&2; exit 1; }
}

cmake -S "$project" -B "$b" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$work/model.onnx" \
  >"$work/configure.log"
[[ ! -e "$b/kiln/net_static/net.cpp" ]] || { echo "generated at configure time" >&2; exit 1; }
expect "first build" 2 "$(build)"
"$b/app"
expect "no change" 0 "$(build)"

touch "$work/model.onnx"
expect "model touched" 2 "$(build)"

cmake "$b" -DEXTRA_OPTIONS="--weights-section;.rodata.kiln_weights" >"$work/configure.log"
expect "options of net_external changed" 1 "$(build)"
grep -q '#define KILN_NET_EXT_WEIGHTS_SECTION ".rodata.kiln_weights"' "$b/kiln/net_external/net_ext.cpp" \
  || { echo "OPTIONS did not reach kiln" >&2; exit 1; }
"$b/app"
cmake "$b" >"$work/configure.log"
expect "reconfigure without changes" 0 "$(build)"

touch "$prefix/bin/kiln"
expect "kiln binary touched" 2 "$(build)"
echo "cmake package ($generator): builds, runs, regenerates when it should"
