#!/bin/sh
# Regenerate kiln's example models and reference test data, end to end:
#   PyTorch models -> model.onnx + input_*.pb  (make_models.py build)
#   onnxruntime-node -> output_*.pb            (run_ort.js)
#   checks + README.md                         (make_models.py verify)
#
# The generated files are committed, so users and tests do not need any of
# this. Prerequisites (Debian 12):
#
#   apt-get install --no-install-recommends python3-torch python3-onnx \
#       python3-numpy python3-sklearn nodejs npm
#   mkdir -p /tmp/ortnpm && cd /tmp/ortnpm && \
#       npm install --ignore-scripts onnxruntime-node@1.30.0
#
# Environment:
#   PYTHON        python with torch 1.13 / onnx 1.12 (default /usr/bin/python3;
#                 Debian's python, not whatever python3 is first on PATH)
#   NODE          node binary (default: node)
#   ORT_NODE_DIR  onnxruntime-node package dir
#                 (default /tmp/ortnpm/node_modules/onnxruntime-node)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
NODE=${NODE:-node}
ORT_NODE_DIR=${ORT_NODE_DIR:-/tmp/ortnpm/node_modules/onnxruntime-node}
export ORT_NODE_DIR

if [ ! -d "$ORT_NODE_DIR" ]; then
    echo "regenerate.sh: onnxruntime-node not found at $ORT_NODE_DIR (set ORT_NODE_DIR)" >&2
    exit 1
fi

REFDIR=$(mktemp -d)
trap 'rm -rf "$REFDIR"' EXIT INT TERM

MODELS="kws_dscnn vww_mobilenetv1 ic_resnet8 ad_autoencoder digits_cnn audio_frontend mlp_layernorm"

echo "== build models (PyTorch -> ONNX)"
"$PYTHON" "$HERE/make_models.py" build "$REFDIR"

echo "== reference outputs (onnxruntime-node)"
for m in $MODELS; do
    "$NODE" "$HERE/run_ort.js" "$HERE/$m/model.onnx" "$HERE/$m/test_data_set_0"
done
"$NODE" "$HERE/run_ort.js" --accuracy "$HERE/digits_cnn/model.onnx" \
    "$HERE/digits_cnn/test_x.npy" "$HERE/digits_cnn/test_y.npy" > "$REFDIR/digits_ort_accuracy.json"

echo "== verify (checker, static shapes, ORT vs PyTorch) + README.md"
"$PYTHON" "$HERE/make_models.py" verify "$REFDIR"

du -sh "$HERE"
