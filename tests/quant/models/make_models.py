#!/usr/bin/env python3
"""Small pre-quantized models covering what the MLPerf Tiny QDQ models do not (Debian's python3: numpy, onnx).

    make_models.py OUT_DIR

Writes OUT_DIR/<case>/model.onnx and test_data_set_0/input_0.pb; the expected outputs come from
onnxruntime (tests/quant/regenerate.sh runs examples/run_ort.js).

  qop_uint8  onnxruntime's QOperator format with uint8 activations: QuantizeLinear, QLinearConv
             (per-channel int8 weights; depthwise stride 2 with asymmetric pads; uint8 weights with
             a zero point), com.microsoft QLinearAdd, QLinearMul (broadcast constant), MaxPool on
             uint8, QLinearAveragePool (padding not counted), QLinearGlobalAveragePool, Reshape,
             QGemm, QLinearMatMul, DequantizeLinear.
  qdq_int8   QDQ format, int8: Conv with a float bias + Relu, Conv with an int32 bias whose scale
             is not x_scale * w_scale + Clip(0, 6), MaxPool between DQ and Q, GlobalAveragePool,
             Flatten, MatMul with per-column weights, Add of two branches with different scales,
             standalone DQ -> Relu -> Q (folded into the Add before it; or, where the tensor has
             another reader, a Clip on the integers), Mul of two activations, Gemm with transB=0,
             and a float Sigmoid head.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


class Builder:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(self, op, inputs, outputs=None, domain="", **attrs):
        self.n += 1
        outputs = outputs or [f"{op.lower()}_{self.n}"]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=f"{op}_{self.n}", domain=domain, **attrs))
        return outputs[0]

    def qparams(self, tag, scale, zp, dtype):
        return self.const(f"{tag}_s", np.float32(scale)), self.const(f"{tag}_z", np.array(zp, dtype=dtype))


def int8_weights(shape, per_channel=True):
    """Random int8 weights whose real values have roughly unit gain (|w| <= 2 / sqrt(fan_in))."""
    w = rng.integers(-127, 128, shape).astype(np.int8)
    base = 2.0 / (127 * np.sqrt(np.prod(shape[1:])))
    s = (base * rng.uniform(0.5, 1.5, shape[0]) if per_channel else np.array(base)).astype(np.float32)
    return w, s


def qop_uint8():
    b = Builder()
    U8 = np.uint8
    x = "input"
    xs, xz = b.qparams("in", 0.02, 128, U8)
    q = b.node("QuantizeLinear", [x, xs, xz])
    # conv 3 -> 8, 3x3, pad 1, per-channel int8 weights
    w, s = int8_weights((8, 3, 3, 3))
    c1s, c1z = b.qparams("c1", 0.035, 128, U8)
    bias = rng.integers(-2000, 2000, 8).astype(np.int32)
    c1 = b.node("QLinearConv", [q, xs, xz, b.const("w1", w), b.const("w1_s", s), b.const("w1_z", np.zeros(8, np.int8)),
                                c1s, c1z, b.const("b1", bias)], pads=[1, 1, 1, 1])
    # depthwise, stride 2, pads [0, 0, 1, 1], per-tensor weights
    w, s = int8_weights((8, 1, 3, 3), per_channel=False)
    c2s, c2z = b.qparams("c2", 0.04, 128, U8)
    c2 = b.node("QLinearConv", [c1, c1s, c1z, b.const("w2", w), b.const("w2_s", s), b.const("w2_z", np.int8(0)), c2s, c2z],
                group=8, strides=[2, 2], pads=[0, 0, 1, 1])
    # pointwise with uint8 weights and a zero point
    w = rng.integers(60, 200, (8, 8, 1, 1)).astype(U8)
    c3s, c3z = b.qparams("c3", 0.05, 128, U8)
    c3 = b.node("QLinearConv", [c2, c2s, c2z, b.const("w3", w), b.const("w3_s", np.float32(0.01)), b.const("w3_z", U8(128)),
                                c3s, c3z, b.const("b3", rng.integers(-500, 500, 8).astype(np.int32))])
    ads, adz = b.qparams("add", 0.06, 128, U8)
    ad = b.node("QLinearAdd", [c3, c3s, c3z, c2, c2s, c2z, ads, adz], domain="com.microsoft")
    m = b.const("mulc", rng.integers(0, 256, (1, 8, 1, 1)).astype(U8))
    ms, mz = b.qparams("mulc", 0.01, 128, U8)
    mus, muz = b.qparams("mul", 0.07, 128, U8)
    mu = b.node("QLinearMul", [ad, ads, adz, m, ms, mz, mus, muz], domain="com.microsoft")
    mp = b.node("MaxPool", [mu], kernel_shape=[2, 2], strides=[1, 1])  # 4x4 -> 3x3, uint8
    aps, apz = b.qparams("ap", 0.04, 80, U8)
    ap = b.node("QLinearAveragePool", [mp, mus, muz, aps, apz], domain="com.microsoft", kernel_shape=[3, 3],
                pads=[1, 1, 1, 1], count_include_pad=0)
    gps, gpz = b.qparams("gp", 0.025, 50, U8)
    gp = b.node("QLinearGlobalAveragePool", [ap, aps, apz, gps, gpz], domain="com.microsoft", channels_last=0)
    fl = b.node("Reshape", [gp, b.const("shape", np.array([1, 8], np.int64))])
    w, s = int8_weights((5, 8), per_channel=False)
    gms, gmz = b.qparams("gm", 0.05, 128, U8)
    gm = b.node("QGemm", [fl, gps, gpz, b.const("wg", w), b.const("wg_s", s), b.const("wg_z", np.int8(0)),
                          b.const("bg", rng.integers(-3000, 3000, 5).astype(np.int32)), gms, gmz],
                domain="com.microsoft", transB=1)
    mms, mmz = b.qparams("mm", 0.08, 128, U8)
    mm = b.node("QLinearMatMul", [gm, gms, gmz, b.const("wm", rng.integers(0, 256, (5, 4)).astype(U8)),
                                  b.const("wm_s", np.float32(0.01)), b.const("wm_z", U8(130)), mms, mmz])
    b.node("DequantizeLinear", [mm, mms, mmz], ["output"])
    g = helper.make_graph(b.nodes, "qop_uint8", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])], b.inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)],
                          producer_name="kiln tests/quant/models/make_models.py")
    return m, rng.uniform(-2.0, 2.0, (1, 3, 8, 8)).astype(np.float32)


def qdq_int8():
    b = Builder()
    I8 = np.int8

    def q(x, s, z):
        ss, zz = b.qparams(f"q{b.n + 1}", s, z, I8)
        return b.node("QuantizeLinear", [x, ss, zz]), ss, zz

    def dq(x, ss, zz):
        return b.node("DequantizeLinear", [x, ss, zz])

    def qdq(x, s, z):
        y, ss, zz = q(x, s, z)
        return dq(y, ss, zz)

    def dq_const(name, arr, scale, zp, axis=None):
        kw = {} if axis is None else {"axis": axis}
        return b.node("DequantizeLinear", [b.const(name, arr), b.const(name + "_s", scale), b.const(name + "_z", zp)], **kw)

    x = qdq("input", 0.02, 0)
    sx = 0.02
    w, s = int8_weights((6, 2, 3, 3))
    c = b.node("Conv", [x, dq_const("w1", w, s, np.zeros(6, I8), axis=0),
                        b.const("b1_float", rng.uniform(-0.1, 0.1, 6).astype(np.float32))], pads=[1, 1, 1, 1])
    r = b.node("Relu", [c])
    x1 = qdq(r, 0.016, -128)
    w, s = int8_weights((6, 6, 3, 3), per_channel=False)
    bs = np.float32(0.01 * s * 1.5)  # not x_scale * w_scale: requantized by the compiler
    c2 = b.node("Conv", [x1, dq_const("w2", w, s, I8(0)), dq_const("b2", rng.integers(-300, 300, 6).astype(np.int32), bs, np.int32(0))],
                pads=[1, 1, 1, 1], strides=[2, 2])
    cl = b.node("Clip", [c2, b.const("lo", np.float32(0)), b.const("hi", np.float32(1.0))])
    y2, s2, z2 = q(cl, 0.005, -128)
    x2 = dq(y2, s2, z2)
    mp = b.node("MaxPool", [x2], kernel_shape=[2, 2], strides=[2, 2])  # 4x4 -> 2x2
    x3 = dq(*([b.node("QuantizeLinear", [mp, s2, z2])] + [s2, z2]))
    gp = b.node("GlobalAveragePool", [x3])
    x4 = qdq(gp, 0.004, -128)
    fl = b.node("Flatten", [x4])
    w = rng.integers(-127, 128, (6, 5)).astype(I8)
    ws = (2.0 / (127 * np.sqrt(6)) * rng.uniform(0.5, 1.5, 5)).astype(np.float32)
    mm = b.node("MatMul", [fl, dq_const("wm", w, ws, np.zeros(5, I8), axis=1)])
    a = qdq(mm, 0.012, 5)
    w = rng.integers(-127, 128, (6, 5)).astype(I8)
    mm2 = b.node("MatMul", [fl, dq_const("wm2", w, np.float32(0.006), I8(0))])
    a2 = qdq(mm2, 0.012, -3)
    ad = qdq(b.node("Relu", [qdq(b.node("Add", [a, a2]), 0.024, 2)]), 0.024, 2)  # folds into QLinearAdd
    r2 = qdq(b.node("Relu", [a2]), 0.012, -3)  # a2 has another reader: an integer Clip
    mu = qdq(b.node("Mul", [ad, r2]), 0.035, 0)
    w = rng.integers(-127, 128, (5, 3)).astype(I8)
    gm = b.node("Gemm", [mu, dq_const("wg", w, np.float32(0.007), I8(0)),
                         dq_const("bg", rng.integers(-2000, 2000, 3).astype(np.int32), np.float32(0.035 * 0.007), np.int32(0))])
    lg = qdq(gm, 0.04, 0)
    b.node("Sigmoid", [lg], ["output"])
    g = helper.make_graph(b.nodes, "qdq_int8", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 8, 8])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3])], b.inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="kiln tests/quant/models/make_models.py")
    return m, rng.uniform(-1.0, 2.5, (1, 2, 8, 8)).astype(np.float32)


def main():
    out = sys.argv[1]
    for name, make in [("qop_uint8", qop_uint8), ("qdq_int8", qdq_int8)]:
        m, x = make()
        onnx.checker.check_model(m)
        d = os.path.join(out, name, "test_data_set_0")
        os.makedirs(d, exist_ok=True)
        onnx.save(m, os.path.join(out, name, "model.onnx"))
        with open(os.path.join(d, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "input").SerializeToString())


if __name__ == "__main__":
    main()
