#!/usr/bin/env bash
# MCU benchmark (not a test): every MLPerf Tiny model kiln has, on Cortex-M4 (QEMU mps2-an386)
# and Cortex-M7 (mps2-an500), through `kiln verify`: flash (text+data of the model object),
# static RAM (data+bss: the arena), instructions per inference (QEMU -icount, see
# docs/targets.md) and MACs per instruction. Outputs are checked against kiln's reference on the
# way (the host comparison is skipped: it only costs time here).
#
#   bench/mcu_bench.sh [KILN] [CORE...]        e.g. bench/mcu_bench.sh build/kiln cortex-m4
#
# Models: examples/{kws_dscnn,vww_mobilenetv1,ic_resnet8,ad_autoencoder}/model.onnx with their
# committed inputs, and $KILN_MLPERF_DIR (default ../shared/models/mlperf-tiny next to the
# repository): vww_mobilenetv1_float.onnx and the int8 *_qdq.onnx, which print "not supported
# yet" until kiln compiles them.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kiln=${1:-$repo/build/kiln}
shift || true
cores=("$@")
[ ${#cores[@]} -eq 0 ] && cores=(cortex-m4 cortex-m7)
mlperf=${KILN_MLPERF_DIR:-$repo/../shared/models/mlperf-tiny}

models=()
for m in kws_dscnn vww_mobilenetv1 ic_resnet8 ad_autoencoder; do
  models+=("$m|$repo/examples/$m/model.onnx|$repo/examples/$m/test_data_set_0/input_0.pb")
done
for f in vww_mobilenetv1_float kws_dscnn_qdq vww_mobilenetv1_qdq ic_resnet8_qdq ad_fc_autoencoder_qdq; do
  [ -f "$mlperf/$f.onnx" ] && models+=("$f|$mlperf/$f.onnx|")
done

field() { sed -n "s/^  \"$1\": \(.*\),\?$/\1/p" <<<"$2" | sed 's/,$//' | head -1; }

printf '%-24s %-10s %10s %10s %14s %10s %8s  %s\n' model core "flash B" "RAM B" instructions MACs MAC/insn result
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "${models[@]}"; do
  IFS='|' read -r name model input <<<"$entry"
  for core in "${cores[@]}"; do
    args=(verify "$model" --name "$name" --target "$core" --no-host --json --timeout 600)
    [ -n "$input" ] && [ -f "$input" ] && args+=(--input "$input")
    out=$("$kiln" "${args[@]}" 2>"$work/err")
    rc=$?
    if [ $rc -eq 3 ]; then
      printf '%-24s %-10s %s\n' "$name" "$core" "not supported yet: $(grep -o 'error\[E03[0-9]*\]: [^(]*' "$work/err" | head -1)"
      continue
    fi
    if [ -z "$out" ]; then
      printf '%-24s %-10s %s\n' "$name" "$core" "failed (exit $rc): $(head -1 "$work/err")"
      continue
    fi
    printf '%-24s %-10s %10s %10s %14s %10s %8.3f  %s\n' "$name" "$core" "$(field flash_bytes "$out")" \
      "$(field static_ram_bytes "$out")" "$(field instructions "$out")" "$(field macs "$out")" \
      "$(field macs_per_instruction "$out")" "$([ "$(field ok "$out")" = true ] && echo ok || echo MISMATCH)"
  done
done
