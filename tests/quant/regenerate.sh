#!/usr/bin/env bash
# Regenerates the int8 test cases' inputs and onnxruntime's expected outputs.
#
#   tests/quant/regenerate.sh [MLPERF_MODELS_DIR]
#
# Needs Debian's python3 with numpy and onnx (/usr/bin/python3), node and onnxruntime-node (found as
# examples/run_ort.js finds it: $ORT_NODE_DIR, default /tmp/ortnpm/node_modules/onnxruntime-node).
# Expected outputs are onnxruntime's with graph optimizations disabled, i.e. the literal QDQ
# graph: float ops between DequantizeLinear and QuantizeLinear.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
models=${1:-$root/../shared/models/mlperf-tiny}
py=/usr/bin/python3

# Small models of our own (committed with their data).
"$py" "$here/models/make_models.py" "$here/models"
for d in "$here"/models/*/test_data_set_*; do node "$root/examples/run_ort.js" "$(dirname "$d")/model.onnx" "$d"; done

# MLPerf Tiny QDQ models: inputs and outputs only (the models live in the shared folder).
for m in kws_dscnn vww_mobilenetv1 ic_resnet8 ad_fc_autoencoder; do rm -rf "${here:?}/mlperf/$m"; done
"$py" "$here/mlperf/make_inputs.py" "$models" "$here/mlperf"
for m in kws_dscnn vww_mobilenetv1 ic_resnet8 ad_fc_autoencoder; do
  for d in "$here/mlperf/$m"/test_data_set_*; do node "$root/examples/run_ort.js" "$models/${m}_qdq.onnx" "$d"; done
done
