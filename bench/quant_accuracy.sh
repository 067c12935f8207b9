#!/usr/bin/env bash
# Quantization accuracy (not a test): what int8 costs on the example models, per calibration
# method, through `kiln inspect --quantize int8` (docs/quantization.md).
#
#   bench/quant_accuracy.sh [KILN]
#
# - digits_cnn: 200 training digits as calibration, top-1 on the 450 held-out digits, float and int8
# - ic_resnet8 (examples/, float): the 64 MLPerf Tiny IC images as calibration, top-1 agreement
#   of int8 with float on them
# - ic_resnet8_qdq.onnx (pre-quantized, ../shared): its integer code against its QDQ graph in float
# The MLPerf rows need $KILN_MLPERF_DIR (default ../shared/models/mlperf-tiny next to the repository).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kiln=${1:-$repo/build/kiln}
mlperf=${KILN_MLPERF_DIR:-$repo/../shared/models/mlperf-tiny}
digits=$repo/examples/digits_cnn

summary() { grep -E "^(output [^ ]+: SQNR|top-1|validation)" | tr '\n' ';' | sed 's/;$/\n/'; }

for method in minmax percentile mse; do
  printf '%-26s %-11s ' digits_cnn "$method"
  "$kiln" inspect "$digits/model.onnx" --quantize int8 --calibration "$digits/calib_x.npy" --calibration-method "$method" \
    --validation "$digits/test_x.npy" "$digits/test_y.npy" 2>/dev/null | summary
done
if [ -d "$mlperf/ic_calibration" ]; then
  for method in minmax percentile mse; do
    printf '%-26s %-11s ' ic_resnet8 "$method"
    "$kiln" inspect "$repo/examples/ic_resnet8/model.onnx" --quantize int8 --calibration "$mlperf/ic_calibration" \
      --calibration-format u8 --calibration-layout hwc --calibration-scale 0.00392157 --calibration-method "$method" \
      2>/dev/null | summary
  done
  printf '%-26s %-11s ' ic_resnet8_qdq pre-quant
  "$kiln" inspect "$mlperf/ic_resnet8_qdq.onnx" --calibration "$mlperf/ic_calibration" --calibration-format u8 \
    2>/dev/null | summary
else
  echo "ic_resnet8: skipped ($mlperf/ic_calibration not found)"
fi
