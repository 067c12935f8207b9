#!/usr/bin/env python3
"""A small float model for --quantize int8 --activations int16 (Debian's python3: numpy, onnx).

    make_ptq_int16.py OUT_DIR

Writes OUT_DIR/model.onnx, OUT_DIR/calib.npy (16 samples) and OUT_DIR/input_0.pb (the first of
them).
It covers every int16 kernel: kiln.QConv16 (3x3 with pads; depthwise stride 2 with asymmetric
pads; dilation 2; 1x1 over 35 pixels, to 8 and to 3 channels), with fused Relu and Clip(0, 6),
MaxPool on int16, kiln.QAdd16 of two branches, kiln.QAvgPool16 (AveragePool with padding not
counted; GlobalAveragePool), kiln.QGemm16 (Gemm transB=1 with bias; MatMul of [1, T, C] by
constant [C, N]) and a Softmax head that stays float between a DequantizeLinear and a
QuantizeLinear.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(16)


def main():
    out = sys.argv[1]
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def w(shape):
        return rng.normal(0, 1.0 / np.sqrt(np.prod(shape[1:])), shape)

    c1 = node("Conv", ["input", const("w1", w((8, 1, 3, 3))), const("b1", rng.normal(0, 0.1, 8))], "conv1",
              pads=[1, 1, 1, 1])
    r1 = node("Relu", [c1], "relu1")
    mp = node("MaxPool", [r1], "maxpool", kernel_shape=[2, 2], strides=[1, 1])  # [1, 8, 15, 9]
    dw = node("Conv", [mp, const("wd", w((8, 1, 3, 3))), const("bd", rng.normal(0, 0.1, 8))], "dwconv", group=8,
              strides=[2, 2], pads=[0, 1, 1, 1])  # [1, 8, 7, 5]
    cl = node("Clip", [dw, const("lo", 0.0), const("hi", 6.0)], "clip")
    dl = node("Conv", [cl, const("wl", w((8, 8, 3, 3)))], "dilated", dilations=[2, 2], pads=[2, 2, 2, 2])
    pw = node("Conv", [cl, const("wp", w((8, 8, 1, 1))), const("bp", rng.normal(0, 0.1, 8))], "pointwise")
    ad = node("Add", [dl, pw], "add")
    node("AveragePool", [ad], "pooled", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    gp = node("GlobalAveragePool", [ad], "gap")
    fl = node("Flatten", [gp], "flat")
    gm = node("Gemm", [fl, const("wg", w((6, 8))), const("bg", rng.normal(0, 0.1, 6))], "fc", transB=1)
    rg = node("Relu", [gm], "fc_relu")
    node("Softmax", [rg], "probs", axis=1)
    rs = node("Reshape", [ad, numpy_helper.from_array(np.array([1, 8, 35], np.int64), "shape").name], "seq")
    inits.append(numpy_helper.from_array(np.array([1, 8, 35], np.int64), "shape"))
    tr = node("Transpose", [rs], "frames", perm=[0, 2, 1])  # [1, 35, 8]
    node("MatMul", [tr, const("wm", w((8, 5)))], "proj")
    # An odd number of output channels for the pointwise kernel's channel pairs (own generator,
    # so the tensors above keep their values).
    odd = np.random.default_rng(3).normal(0, 0.35, (3, 8, 1, 1))
    node("Conv", [ad, const("wo", odd)], "mix")
    outs = [("pooled", [1, 8, 4, 3]), ("probs", [1, 6]), ("proj", [1, 35, 5]), ("mix", [1, 3, 7, 5])]
    g = helper.make_graph(nodes, "ptq_int16", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 16, 10])],
                          [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outs], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="kiln tests/quant/models/make_ptq_int16.py")
    onnx.checker.check_model(m)
    os.makedirs(out, exist_ok=True)
    onnx.save(m, os.path.join(out, "model.onnx"))
    # Audio-like inputs: a wide dynamic range (log-mel energies spanning several decades).
    calib = (rng.normal(0, 1, (16, 1, 16, 10)) * np.exp(rng.uniform(-3, 2, (16, 1, 16, 1)))).astype(np.float32)
    np.save(os.path.join(out, "calib.npy"), calib)
    with open(os.path.join(out, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(calib[:1], "input").SerializeToString())


if __name__ == "__main__":
    main()
