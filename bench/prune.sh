#!/usr/bin/env bash
# Pruning benchmark (docs/pruning.md): a model compiled with and without prune-channels. First
# tests/e2e/prune_identical.sh (both generated sources in one host program, outputs compared byte
# for byte on INPUTS inputs), then, unless --host-only, on Cortex-M4 in QEMU (`kiln verify`):
# flash, weights, instructions per inference, MACs of `--no-prune --dense-weights` (dense), of
# `--no-prune` (dense+csr: sparse layers as CSR, compiler/ops/sparse_util.h) and of the default.
#
#   bench/prune.sh [--host-only] [KILN] [MODEL] [INPUTS]
#
# Default model: vww_mobilenetv1_qdq.onnx from $KILN_MLPERF_DIR (../shared/models/mlperf-tiny
# next to the repository); prints KILN_SKIP and exits 0 when it is absent. INPUTS: how many
# pseudo-random inputs the host comparison runs (default 20). Exit status 1 when any output
# differs.
set -uo pipefail
host_only=0
if [ "${1:-}" = "--host-only" ]; then host_only=1; shift; fi
repo=$(cd "$(dirname "$0")/.." && pwd)
kiln=${1:-$repo/build/kiln}
mlperf=${KILN_MLPERF_DIR:-$repo/../shared/models/mlperf-tiny}
model=${2:-$mlperf/vww_mobilenetv1_qdq.onnx}
count=${3:-20}
if [ ! -f "$model" ]; then
  echo "KILN_SKIP: $model is absent"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

field() { sed -n "s/^  \"$1\": \(.*\),\?$/\1/p" <<<"$2" | sed 's/,$//' | head -1; }

bash "$repo/tests/e2e/prune_identical.sh" "$kiln" "$model" "$count" "$work"
rc=$?
[ $host_only -eq 1 ] && exit $rc

printf '%-10s %-10s %10s %10s %14s %10s %8s\n' build core "flash B" "weights B" instructions MACs MAC/insn
for mode in dense dense+csr pruned; do
  extra=()
  [ $mode = dense ] && extra=(--no-prune --dense-weights)
  [ $mode = dense+csr ] && extra=(--no-prune)
  out=$("$kiln" verify "$model" --name "${mode/+/_}" --target cortex-m4 --no-host --json --timeout 600 "${extra[@]}" 2>"$work/err")
  if [ -z "$out" ]; then
    echo "$mode: kiln verify failed: $(head -1 "$work/err")"; rc=1; continue
  fi
  printf '%-10s %-10s %10s %10s %14s %10s %8.3f\n' $mode cortex-m4 "$(field flash_bytes "$out")" \
    "$(field weights_bytes "$out")" "$(field instructions "$out")" "$(field macs "$out")" "$(field macs_per_instruction "$out")"
done
exit $rc
