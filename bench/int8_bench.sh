#!/usr/bin/env bash
# int8 kernel benchmark (not a test): the MLPerf Tiny QDQ models through `kiln verify --no-host`
# on emulated cores (QEMU -icount: executed instructions), MACs per instruction beside
# CMSIS-NN's on Cortex-M4 (DSP) and on Cortex-M55 (Helium), and kiln's before the DSP kernels
# (runtime/kiln_int8_fast.h). Outputs are checked against kiln's reference on the way.
#
#   bench/int8_bench.sh [KILN] [CORE...]        default: build/kiln cortex-m4 cortex-m7 cortex-m33 cortex-m55
#   KILN_ARGS="--optimize size" bench/int8_bench.sh ...   extra `kiln verify` flags
#
# Per-layer counts: bench/layer_profile.py MODEL.onnx. Models: $KILN_MLPERF_DIR (default
# ../shared/models/mlperf-tiny next to the repository).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kiln=${1:-$repo/build/kiln}
shift || true
cores=("$@")
[ ${#cores[@]} -eq 0 ] && cores=(cortex-m4 cortex-m7 cortex-m33 cortex-m55)
read -r -a extra <<<"${KILN_ARGS:-}"
mlperf=${KILN_MLPERF_DIR:-$repo/../shared/models/mlperf-tiny}

# model | CMSIS-NN MAC/instr on Cortex-M4 (the issue's measurement) | kiln before (reference
# kernels, Cortex-M4) | the dense model's MACs | CMSIS-NN MAC/instr on Cortex-M55 with Helium
# (issue 9's measurement). "x CMSIS" compares instructions per inference with CMSIS-NN's (dense
# MACs / its MAC/instr): pruning (docs/pruning.md) lowers kiln's MACs, so MAC/instr of the pruned
# model alone would undersell it.
rows=(
  "kws_dscnn_qdq|0.345|0.257|2656768|1.466"
  "vww_mobilenetv1_qdq|0.311|0.262|7489664|1.144"
  "ic_resnet8_qdq|0.419|0.208|12501632|2.547"
  "ad_fc_autoencoder_qdq|0.456|0.267|264192|1.798"
)

field() { sed -n "s/^  \"$1\": \(.*\),\?$/\1/p" <<<"$2" | sed 's/,$//' | head -1; }

printf '%-24s %-10s %12s %10s %10s %9s %9s %9s %9s  %s\n' model core instructions MACs "flash B" "RAM B" \
  MAC/instr "CMSIS-NN" "x CMSIS" result
for row in "${rows[@]}"; do
  IFS='|' read -r name cmsis before dense cmsis_mve <<<"$row"
  model="$mlperf/$name.onnx"
  if [ ! -f "$model" ]; then
    printf '%-24s %s\n' "$name" "skipped: $model not found"
    continue
  fi
  for core in "${cores[@]}"; do
    out=$("$kiln" verify "$model" --name "$name" --target "$core" --no-host --json --timeout 600 "${extra[@]}" 2>/dev/null)
    if [ -z "$out" ]; then
      printf '%-24s %-10s %s\n' "$name" "$core" "failed"
      continue
    fi
    mpi=$(field macs_per_instruction "$out")
    case "$core" in
      cortex-m4 | cortex-m7 | cortex-m33) ref=$cmsis ;;  # CMSIS-NN's M7 and M33 figures are within 1 % of M4's
      cortex-m55) ref=$cmsis_mve ;;
      *) ref="-" ;;
    esac
    ratio=$([ "$ref" = "-" ] && echo "-" ||
            awk -v d="$dense" -v b="$ref" -v i="$(field instructions "$out")" 'BEGIN { printf "%.2f", d / b / i }')
    printf '%-24s %-10s %12s %10s %10s %9s %9.3f %9s %9s  %s (M4 reference kernels: %s)\n' "$name" "$core" "$(field instructions "$out")" \
      "$(field macs "$out")" "$(field flash_bytes "$out")" "$(field static_ram_bytes "$out")" "$mpi" "$ref" "$ratio" \
      "$([ "$(field ok "$out")" = true ] && echo ok || echo MISMATCH)" "$before"
  done
done
