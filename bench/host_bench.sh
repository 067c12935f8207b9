#!/usr/bin/env bash
# Host benchmark (not a test): kiln's generated code for the build machine (`--target host`,
# compiled with $CXX $HOST_CXXFLAGS, default g++ -O3 -march=native) against onnxruntime on one
# thread (intra- and inter-op threads 1, sequential execution, all graph optimizations), on the
# example models and the MLPerf Tiny models next to the repository. Both run the same
# pseudo-random input; each figure is the best of five timed batches of at least 0.2 s.
#
#   bench/host_bench.sh [KILN]           default: build/kiln
#
# onnxruntime-node is the test-time oracle (never a dependency of kiln): $ORT_NODE_DIR, default
# /tmp/ortnpm/node_modules/onnxruntime-node (`npm install --ignore-scripts onnxruntime-node@1.30.0`
# in /tmp/ortnpm). Without it only kiln's column is printed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kiln=${1:-$repo/build/kiln}
cxx=${CXX:-g++}
flags=${HOST_CXXFLAGS:--O3 -march=native}
mlperf=${KILN_MLPERF_DIR:-$repo/../shared/models/mlperf-tiny}
ort_dir=${ORT_NODE_DIR:-/tmp/ortnpm/node_modules/onnxruntime-node}

models=()
for m in kws_dscnn vww_mobilenetv1 ic_resnet8 ad_autoencoder digits_cnn mlp_layernorm audio_frontend; do
  [ -f "$repo/examples/$m/model.onnx" ] && models+=("$m|$repo/examples/$m/model.onnx")
done
for f in vww_mobilenetv1_float kws_dscnn_qdq vww_mobilenetv1_qdq ic_resnet8_qdq ad_fc_autoencoder_qdq; do
  [ -f "$mlperf/$f.onnx" ] && models+=("$f|$mlperf/$f.onnx")
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
have_ort=0
[ -d "$ort_dir" ] && command -v node >/dev/null && have_ort=1

printf '%-24s %12s %14s %10s  %s\n' model "kiln us" "onnxruntime us" "kiln/ort" "($cxx $flags; onnxruntime 1 thread)"
for entry in "${models[@]}"; do
  IFS='|' read -r name model <<<"$entry"
  d="$work/$name"
  if ! "$kiln" compile "$model" --target host --name net -o "$d" -q >"$work/err" 2>&1; then
    printf '%-24s %s\n' "$name" "kiln compile failed: $(head -1 "$work/err")"
    continue
  fi
  if ! $cxx -std=c++14 $flags -I"$d" "$d"/net.cpp "$repo/bench/host_bench_main.cpp" -o "$d/bench" 2>"$work/err"; then
    printf '%-24s %s\n' "$name" "build failed: $(head -1 "$work/err")"
    continue
  fi
  k=$("$d/bench")
  o="-"
  if [ $have_ort = 1 ]; then
    shapes=$("$d/bench" --shapes)
    o=$(ORT_NODE_DIR="$ort_dir" node "$repo/bench/host_bench_ort.js" "$model" $shapes 2>"$work/err") || o="failed"
  fi
  ratio=$(awk -v a="$k" -v b="$o" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }')
  printf '%-24s %12s %14s %10s\n' "$name" "$k" "$o" "$ratio"
done
