#!/usr/bin/env bash
# Memory-planning benchmark (not a test): for each MLPerf Tiny model, the liveness bound of the
# chosen schedule, kiln's arena without the below-the-bound tricks, and kiln's arena with them
# (in-place depthwise convolution).
#   bench/memory.sh [build-dir]      (default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kiln=${1:-$here/build}/kiln
shared=$here/../shared/models/mlperf-tiny
models=("$here/examples/kws_dscnn/model.onnx" "$here/examples/vww_mobilenetv1/model.onnx"
        "$here/examples/ic_resnet8/model.onnx" "$here/examples/ad_autoencoder/model.onnx")
if [ -d "$shared" ]; then
  models+=("$shared"/*.onnx)
else
  echo "(../shared/models/mlperf-tiny not found: only the example models are measured)"
fi
printf "%-34s %12s %14s %16s %8s\n" model "bound (B)" "arena (B)" "in-place dw (B)" "ratio"
for m in "${models[@]}"; do
  name=$(basename "$(dirname "$m")")/$(basename "$m")
  plain=$("$kiln" inspect "$m" --json --no-inplace-depthwise 2>/dev/null) || { printf "%-34s %s\n" "$name" "(not supported yet)"; continue; }
  dw=$("$kiln" inspect "$m" --json 2>/dev/null)
  bound=$(grep -o '"liveness_bound": [0-9]*' <<<"$plain" | grep -o '[0-9]*$')
  arena=$(grep -o '"arena_bytes": [0-9]*' <<<"$plain" | grep -o '[0-9]*$')
  arena_dw=$(grep -o '"arena_bytes": [0-9]*' <<<"$dw" | grep -o '[0-9]*$')
  printf "%-34s %12s %14s %16s %7.3f\n" "$name" "$bound" "$arena" "$arena_dw" "$(echo "$arena_dw / $bound" | bc -l)"
done
