#!/usr/bin/env python3
"""Writes the inputs of the MLPerf Tiny QDQ test cases (run with Debian's /usr/bin/python3: numpy, onnx).

    make_inputs.py SHARED_MODELS_DIR OUT_DIR [SETS]

For each model, OUT_DIR/<model>/test_data_set_<k>/input_0.pb, k < SETS (default: 3 sets, 1 for
vww whose input is 108 KiB). Inputs are deterministic:
  ic   CIFAR-10 calibration images shipped with the models (ic_calibration/, the k-th by number), float 0..255, NHWC
  vww  the same images upscaled to 96x96 (nearest), scaled to [-1, 1], NCHW
  kws  seeded Gaussian MFCC-like features (mean 0, sd 30, clipped to the input quantizer's range)
  ad   seeded log-mel-like frames (mean -20, sd 10)
"""
import os
import sys

import numpy as np
from onnx import numpy_helper


def image(models, k):
    d = os.path.join(models, "ic_calibration")
    files = sorted(os.listdir(d), key=lambda f: int(f[len("image_"):-len(".bin")]))
    raw = np.fromfile(os.path.join(d, files[k]), dtype=np.uint8)
    return raw.reshape(32, 32, 3).astype(np.float32)


def make(models, name, k):
    rng = np.random.default_rng(1000 + k)
    if name == "ic_resnet8":
        return image(models, k)[None]
    if name == "vww_mobilenetv1":
        img = image(models, k).repeat(3, axis=0).repeat(3, axis=1)  # 96x96x3
        return (img / 127.5 - 1.0).transpose(2, 0, 1)[None].astype(np.float32)
    if name == "kws_dscnn":
        return np.clip(rng.normal(0.0, 30.0, (1, 490)), -120, 120).astype(np.float32)
    if name == "ad_fc_autoencoder":
        return rng.normal(-20.0, 10.0, (1, 640)).astype(np.float32)
    raise ValueError(name)


def main():
    models, out = sys.argv[1], sys.argv[2]
    sets = int(sys.argv[3]) if len(sys.argv) > 3 else None
    for name in ["kws_dscnn", "vww_mobilenetv1", "ic_resnet8", "ad_fc_autoencoder"]:
        for k in range(sets or (1 if name == "vww_mobilenetv1" else 3)):
            d = os.path.join(out, name, f"test_data_set_{k}")
            os.makedirs(d, exist_ok=True)
            t = numpy_helper.from_array(make(models, name, k), "input_1")
            with open(os.path.join(d, "input_0.pb"), "wb") as f:
                f.write(t.SerializeToString())


if __name__ == "__main__":
    main()
