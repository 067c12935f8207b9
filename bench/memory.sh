#!/usr/bin/env bash
# Memory-planning benchmark (not a test): for each MLPerf Tiny model, the liveness bound of the
# chosen schedule, kiln's arena without the below-the-bound tricks, with them (in-place
# depthwise and pointwise convolutions, in-place input quantization), and with patch-based
# execution on top (the best grid of 2x2 .. 6x6, its stage length and the MACs it computes again),
# and for the int8 models the in-place arena with `--io int8` (no float input or output in the
# arena; "-" for float models).
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
num() { grep -o "\"$1\": [0-9.]*" <<<"$2" | head -1 | grep -o '[0-9.]*$' || true; }
printf "%-40s %10s %10s %10s %8s %10s %8s %10s %s\n" model "bound (B)" "arena (B)" "in-place" "ratio" "patches" "ratio" \
  "int8 io" "(grid, layers, extra MACs)"
for m in "${models[@]}"; do
  name=$(basename "$(dirname "$m")")/$(basename "$m")
  plain=$("$kiln" inspect "$m" --json --no-inplace-conv --no-inplace-quantize 2>/dev/null) || {
    printf "%-40s %s\n" "$name" "(not supported yet)"; continue; }
  inplace=$("$kiln" inspect "$m" --json 2>/dev/null)
  bound=$(num liveness_bound "$plain")
  arena=$(num arena_bytes "$plain")
  arena_ip=$(num arena_bytes "$inplace")
  io=$("$kiln" inspect "$m" --json --io int8 2>/dev/null) && arena_io=$(num arena_bytes "$io") || arena_io="-"
  best=$arena_ip; how="-"
  for n in 2 3 4 5 6; do
    p=$("$kiln" inspect "$m" --json --patches $n 2>/dev/null)
    a=$(num arena_bytes "$p")
    layers=$(num layers "$p")
    if [ "${layers:-0}" -gt 0 ] && [ "$a" -lt "$best" ]; then
      best=$a; how="${n}x${n}, $layers layers, +$(num extra_macs_percent "$p")% MACs"
    fi
  done
  printf "%-40s %10s %10s %10s %8.3f %10s %8.3f %10s %s\n" "$name" "$bound" "$arena" "$arena_ip" \
    "$(echo "$arena_ip / $bound" | bc -l)" "$best" "$(echo "$best / $bound" | bc -l)" "$arena_io" "$how"
done
