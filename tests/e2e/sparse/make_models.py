#!/usr/bin/env python3
"""Models whose pointwise convolutions are mostly zero, for kiln's zero-aware weights
(compiler/ops/sparse_util.h, runtime/kiln_sparse.h). Debian's python3: numpy, onnx.

    make_models.py OUT_DIR

  sparse_float.onnx  float: 3x3 conv 3->8, pointwise 8->24 (75 % zeros, Relu), pointwise 24->16 with a
                     row of zeros (90 % zeros), 7x7 pixels (not a multiple of 4: the kernels' tails run);
                     output y, and z = Gemm 16->10 (80 % zeros, transB=1) of its global average pool;
                     small enough for the micro:bit's 16 KiB of RAM.
  sparse_int8.onnx   the same in QDQ int8 (per-channel weights, int32 biases, Relu; the Gemm with
                     transB=0), what passes/fold_qdq lowers to QLinearConv and QGemm.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(11)


def sparse(shape, density, dead_rows=()):
    w = rng.normal(0, 0.3, shape).astype(np.float32)
    w[rng.random(shape) > density] = 0
    for r in dead_rows:
        w[r] = 0
    return w


def float_model(path):
    w1 = rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32)
    w2, w3 = sparse((24, 8, 1, 1), 0.25), sparse((16, 24, 1, 1), 0.1, dead_rows=(5,))
    inits = [numpy_helper.from_array(a, n) for a, n in [
        (w1, "w1"), (rng.normal(0, 0.1, 8).astype(np.float32), "b1"),
        (w2, "w2"), (rng.normal(0, 0.1, 24).astype(np.float32), "b2"),
        (w3, "w3"), (rng.normal(0, 0.1, 16).astype(np.float32), "b3")]]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="pw1"),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Conv", ["r2", "w3", "b3"], ["y"], name="pw2"),
        helper.make_node("GlobalAveragePool", ["y"], ["p"], name="gap"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w4", "b4"], ["z"], name="fc", transB=1),
    ]
    inits += [numpy_helper.from_array(sparse((10, 16), 0.2), "w4"),
              numpy_helper.from_array(rng.normal(0, 0.1, 10).astype(np.float32), "b4")]
    g = helper.make_graph(nodes, "sparse_float", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 7, 7])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 7, 7]),
                           helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 10])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def int8_model(path):
    inits, nodes = [], []

    def const(name, a):
        inits.append(numpy_helper.from_array(np.asarray(a), name))
        return name

    def q(x, s, z, out):
        nodes.append(helper.make_node("QuantizeLinear", [x, const(out + "_s", np.float32(s)), const(out + "_z", np.int8(z))], [out]))
        return out

    def dq(x, s, z, out):
        nodes.append(helper.make_node("DequantizeLinear", [x, const(out + "_s", np.float32(s)), const(out + "_z", np.int8(z))], [out]))
        return out

    def conv(x, sx, w, name, relu, pads=None):
        m = w.shape[0]
        ws = (np.abs(w).reshape(m, -1).max(axis=1) / 127).astype(np.float32)
        ws[ws == 0] = 1.0
        wq = np.clip(np.round(w / ws.reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
        bq = rng.integers(-300, 300, m).astype(np.int32)
        wd = name + "_wd"
        nodes.append(helper.make_node("DequantizeLinear", [const(name + "_wq", wq), const(name + "_ws", ws),
                                                          const(name + "_wz", np.zeros(m, np.int8))], [wd], axis=0))
        bd = name + "_bd"
        nodes.append(helper.make_node("DequantizeLinear", [const(name + "_bq", bq), const(name + "_bs", (sx * ws).astype(np.float32)),
                                                          const(name + "_bz", np.zeros(m, np.int32))], [bd], axis=0))
        attrs = {"pads": pads} if pads else {}
        nodes.append(helper.make_node("Conv", [x, wd, bd], [name + "_c"], name=name, **attrs))
        y = name + "_c"
        if relu:
            nodes.append(helper.make_node("Relu", [y], [name + "_r"]))
            y = name + "_r"
        return y

    x = dq(q("x", 0.02, 0, "xq"), 0.02, 0, "xd")
    c1 = conv(x, 0.02, rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32), "conv1", True, [1, 1, 1, 1])
    c1 = dq(q(c1, 0.03, -128, "c1q"), 0.03, -128, "c1d")
    c2 = conv(c1, 0.03, sparse((24, 8, 1, 1), 0.25), "pw1", True)
    c2 = dq(q(c2, 0.04, -128, "c2q"), 0.04, -128, "c2d")
    c3 = conv(c2, 0.04, sparse((16, 24, 1, 1), 0.1, dead_rows=(5,)), "pw2", False)
    y = dq(q(c3, 0.05, 3, "c3q"), 0.05, 3, "y")
    nodes.append(helper.make_node("GlobalAveragePool", [y], ["p"]))
    p = dq(q("p", 0.05, 3, "pq"), 0.05, 3, "pd")
    nodes.append(helper.make_node("Flatten", [p], ["f"]))
    w = sparse((16, 10), 0.2)
    ws = (np.abs(w).max(axis=0) / 127).astype(np.float32)
    ws[ws == 0] = 1.0
    wq = np.clip(np.round(w / ws), -127, 127).astype(np.int8)
    nodes.append(helper.make_node("DequantizeLinear", [const("fc_wq", wq), const("fc_ws", ws),
                                                      const("fc_wz", np.zeros(10, np.int8))], ["fc_wd"], axis=1))
    nodes.append(helper.make_node("DequantizeLinear", [const("fc_bq", rng.integers(-300, 300, 10).astype(np.int32)),
                                                      const("fc_bs", (0.05 * ws).astype(np.float32)),
                                                      const("fc_bz", np.zeros(10, np.int32))], ["fc_bd"], axis=0))
    nodes.append(helper.make_node("Gemm", ["f", "fc_wd", "fc_bd"], ["fc"], name="fc"))
    dq(q("fc", 0.1, 0, "zq"), 0.1, 0, "z")
    g = helper.make_graph(nodes, "sparse_int8", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 7, 7])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 7, 7]),
                           helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 10])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    float_model(os.path.join(out, "sparse_float.onnx"))
    int8_model(os.path.join(out, "sparse_int8.onnx"))
