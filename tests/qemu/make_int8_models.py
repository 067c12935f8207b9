#!/usr/bin/python3
"""Builds the int8 kernel models the QEMU tests run (deterministic: fixed seed), with inputs.

Every fast int8 kernel (runtime/kiln_int8_fast.h) on awkward shapes: channel counts that are not
multiples of 4, odd widths, padding on every side (asymmetric), stride 2, dilation, one-row and
odd-row fully connected layers, K % 4 != 0. `kiln verify` requires the QEMU result to equal
kiln's reference evaluation bit for bit (and the host build of the same code, which runs the
portable twins of the DSP instructions).

int8_kernels/   int8 QLinearConv (pointwise, depthwise 3x3 stride 1 and 2, im2col: 3x3, 3x2
                dilated stride 2, 5x1, first-layer 3 channels, windows over
                510 values with and without chunks), QLinearAdd (tabulated inputs; same
                shape and broadcast), average pooling over whole planes (odd sizes), per-channel and per-tensor weight
                scales, multipliers below 1/4, above (accumulator pre-shifted) and far above (the
                reference output stage), channels with their own shifts (the reference output stages, one channel at a time),
                QLinearMatMul with constant B (fully connected); and for the Helium kernels of
                runtime/kiln_int8_mve.h (int8 only) rows of eight pixels and more, K and C not
                multiples of 16, depthwise 5x5 dilated and stride 2
uint8_kernels/  the same kernels on uint8 activations and weights with nonzero zero points
qdq_relu/       a QDQ model (Conv+Relu, depthwise+Clip(0, 6), Gemm+Relu): fused clamps narrower
                than the int8 range

Run from the repository root: /usr/bin/python3 tests/qemu/make_int8_models.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(graph, name, inputs):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="kiln-tests")
    model.ir_version = 7
    # Output shapes from ONNX's own inference (the checker wants them).
    inf = onnx.shape_inference.infer_shapes(model).graph
    inferred = {v.name: v for v in list(inf.value_info) + list(inf.output)}
    for o in model.graph.output:
        if not o.type.tensor_type.HasField("shape"):
            o.type.CopyFrom(inferred[o.name].type)
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for i, (n, a) in enumerate(inputs):
        with open(os.path.join(d, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())


def const(name, a):
    return numpy_helper.from_array(a, name)


class Builder:
    def __init__(self, rng, xt):
        self.rng, self.xt = rng, xt
        self.nodes, self.inits, self.outs = [], [], []
        self.shapes = {}  # outputs ONNX's shape inference cannot see (contrib ops)
        self.np_t = np.int8 if xt == TensorProto.INT8 else np.uint8
        self.lo, self.hi = (-128, 127) if xt == TensorProto.INT8 else (0, 255)

    def zp(self):
        return 0 if self.xt == TensorProto.INT8 and self.rng.random() < 0.3 else int(self.rng.integers(self.lo + 20, self.hi - 20))

    def qparams(self, name, scale, zp):
        self.inits += [const(name + "_s", np.array(scale, np.float32)), const(name + "_z", np.array(zp, self.np_t))]
        return [name + "_s", name + "_z"]

    def conv(self, name, x, xq, c, m, k, group=1, big_mult=False, per_channel=True, spread=False, ys_factor=1.0, **attrs):
        rng = self.rng
        cg = c // group
        w = rng.integers(self.lo, self.hi + 1, size=(m, cg) + k).astype(self.np_t)
        wz = self.zp() if self.xt == TensorProto.UINT8 else 0
        ws = (rng.uniform(0.002, 0.02, m) if per_channel else np.array(rng.uniform(0.002, 0.02))).astype(np.float32)
        if spread:  # scales 2^12 apart: per-channel shifts (RequantPerChannelShift)
            ws[::2] *= np.float32(1.0 / 4096)
        fan = cg * int(np.prod(k))
        ys = np.float32(xq[0] * 0.01 * 128 * np.sqrt(fan) * (0.01 if big_mult else 1.0) * ys_factor)
        b = rng.integers(-3000, 3000, size=m).astype(np.int32)
        self.inits += [const(name + "_w", w), const(name + "_ws", ws), const(name + "_wz", np.full(ws.shape, wz, self.np_t)),
                       const(name + "_b", b)]
        y = self.qparams(name + "_y", ys, self.zp())
        self.nodes.append(helper.make_node(
            "QLinearConv", [x, xq[1], xq[2], name + "_w", name + "_ws", name + "_wz", y[0], y[1], name + "_b"], [name],
            name, group=group, kernel_shape=list(k), **attrs))
        self.outs.append(name)

    def add(self, name, a, aq, b, bq, shape):
        rng = self.rng
        y = self.qparams(name + "_y", np.float32(max(aq[0], bq[0]) * rng.uniform(1.2, 2.5)), self.zp())
        self.nodes.append(helper.make_node("QLinearAdd", [a, aq[1], aq[2], b, bq[1], bq[2], y[0], y[1]], [name], name,
                                           domain="com.microsoft"))
        self.outs.append(name)
        self.shapes[name] = shape

    def pool(self, name, op, x, xq, shape, **attrs):
        y = self.qparams(name + "_y", np.float32(xq[0] * self.rng.uniform(0.5, 1.5)), self.zp())
        self.nodes.append(helper.make_node(op, [x, xq[1], xq[2], y[0], y[1]], [name], name, domain="com.microsoft",
                                           **attrs))
        self.outs.append(name)
        self.shapes[name] = shape

    def fc(self, name, x, xq, k, n):
        rng = self.rng
        w = rng.integers(self.lo, self.hi + 1, size=(k, n)).astype(self.np_t)
        wz = self.zp() if self.xt == TensorProto.UINT8 else 0
        ws = rng.uniform(0.002, 0.02, n).astype(np.float32)
        self.inits += [const(name + "_w", w), const(name + "_ws", ws), const(name + "_wz", np.full(n, wz, self.np_t))]
        y = self.qparams(name + "_y", np.float32(xq[0] * 0.01 * 128 * np.sqrt(k)), self.zp())
        self.nodes.append(helper.make_node(
            "QLinearMatMul", [x, xq[1], xq[2], name + "_w", name + "_ws", name + "_wz", y[0], y[1]], [name], name))
        self.outs.append(name)


def kernels(rng, xt, name):
    b = Builder(rng, xt)
    xa = b.qparams("xa", np.float32(0.05), b.zp())
    xa_v = (0.05, xa[0], xa[1])
    c, h, w = 6, 9, 11
    b.conv("pw", "xa", xa_v, c, 7, (1, 1))                                   # odd M, C % 4 = 2
    b.conv("pw_big", "xa", xa_v, c, 4, (1, 1), big_mult=True, per_channel=False)
    b.conv("dw1", "xa", xa_v, c, c, (3, 3), group=c, pads=[1, 0, 2, 1])       # odd width, every side
    b.conv("dw2", "xa", xa_v, c, c, (3, 3), group=c, strides=[2, 2], pads=[1, 1, 1, 1])
    b.conv("dw2v", "xa", xa_v, c, c, (3, 3), group=c, strides=[2, 2])        # unpadded, even rows left over
    b.conv("k33", "xa", xa_v, c, 5, (3, 3), pads=[1, 2, 0, 1])
    b.conv("pw_spread", "xa", xa_v, c, 5, (1, 1), spread=True)
    b.conv("dw_spread", "xa", xa_v, c, c, (3, 3), group=c, pads=[1, 1, 1, 1], spread=True)
    b.conv("k32d", "xa", xa_v, c, 6, (3, 2), strides=[2, 2], dilations=[2, 2], pads=[2, 1, 1, 0])
    b.conv("k51", "xa", xa_v, c, 9, (5, 1), pads=[2, 0, 2, 0], big_mult=True)
    b.conv("g2", "xa", xa_v, c, 4, (3, 3), group=2, pads=[1, 1, 1, 1])        # grouped: reference kernel
    b.conv("huge", "xa", xa_v, c, 3, (3, 3), pads=[1, 1, 1, 1], ys_factor=1e-6)  # multipliers near 2^10: reference stage
    xb = b.qparams("xb", np.float32(0.04), b.zp())
    b.conv("first", "xb", (0.04, xb[0], xb[1]), 3, 8, (3, 3), strides=[2, 2], pads=[0, 0, 1, 1])
    xc = b.qparams("xc", np.float32(0.03), b.zp())
    b.fc("fc", "xc", (0.03, xc[0], xc[1]), 37, 11)
    b.fc("fc8", "xc", (0.03, xc[0], xc[1]), 37, 4)
    xd = b.qparams("xd", np.float32(0.03), b.zp())
    b.fc("fc64", "xd", (0.03, xd[0], xd[1]), 64, 6)
    xa2 = b.qparams("xa2", np.float32(0.035), b.zp())
    b.add("add", "xa", xa_v, "xa", (0.035, xa2[0], xa2[1]), [1, c, h, w])                 # same tensor, other parameters
    xg = b.qparams("xg", np.float32(0.02), b.zp())
    b.add("add_bcast", "xa", xa_v, "xg", (0.02, xg[0], xg[1]), [1, c, h, w])
    b.pool("gap", "QLinearGlobalAveragePool", "xa", xa_v, [1, c, 1, 1], channels_last=0)
    b.pool("plane_pool", "QLinearAveragePool", "xa", xa_v, [1, c, 1, 1], kernel_shape=[h, w])  # = global
    xh = b.qparams("xh", np.float32(0.03), b.zp())
    b.fc("fc_tail", "xh", (0.03, xh[0], xh[1]), 53, 13)  # four-group passes, two groups and K % 4 after
    xe = b.qparams("xe", np.float32(0.03), b.zp())
    b.conv("chunked", "xe", (0.03, xe[0], xe[1]), 60, 5, (3, 3), pads=[1, 0, 0, 1])  # K = 540: 3 chunks of 20 channels
    xf = b.qparams("xf", np.float32(0.03), b.zp())
    b.conv("unchunked", "xf", (0.03, xf[0], xf[1]), 57, 3, (3, 3), pads=[1, 1, 1, 1])  # K = 513: no chunking
    # Helium (Cortex-M55, int8): rows long enough for the eight-pixel im2col gathers (stride 1 and
    # 2) beside padded ones, K and C not multiples of 16, depthwise 5x5 dilated and stride 2 wide.
    xi = b.qparams("xi", np.float32(0.03), b.zp())
    xi_v = (0.03, xi[0], xi[1])
    b.conv("mve_k33", "xi", xi_v, 20, 7, (3, 3), pads=[1, 1, 1, 1])                     # K = 180
    b.conv("mve_k33s2", "xi", xi_v, 20, 5, (3, 3), strides=[2, 2], pads=[1, 0, 0, 2])
    b.conv("mve_pw", "xi", xi_v, 20, 11, (1, 1))
    b.conv("mve_dw5", "xi", xi_v, 20, 20, (5, 5), group=20, dilations=[2, 2], pads=[2, 3, 4, 1])
    b.conv("mve_dw2", "xi", xi_v, 20, 20, (3, 3), group=20, strides=[2, 2], pads=[0, 1, 1, 0])
    xj = b.qparams("xj", np.float32(0.03), b.zp())
    b.fc("mve_fc", "xj", (0.03, xj[0], xj[1]), 100, 9)                                  # K % 16 = 4, N % 4 = 1
    shapes = {"xa": [1, c, h, w], "xb": [1, 3, 10, 13], "xc": [3, 37], "xd": [1, 64], "xe": [1, 60, 5, 5],
              "xf": [1, 57, 4, 3], "xg": [1, c, 1, w], "xh": [2, 53], "xi": [1, 20, 12, 21], "xj": [1, 100]}
    ins = [helper.make_tensor_value_info(n, xt, s) for n, s in shapes.items()]
    outs = [helper.make_tensor_value_info(o, xt, b.shapes.get(o)) for o in b.outs]
    graph = helper.make_graph(b.nodes, name, ins, outs, b.inits)
    data = [(n, rng.integers(b.lo, b.hi + 1, size=s).astype(b.np_t)) for n, s in shapes.items()]
    save(graph, name, data)


def qdq_relu(rng):
    c, h, w = 5, 8, 7
    nodes, inits = [], []

    def q(x, s, z, out):
        inits.extend([const(out + "_s", np.array(s, np.float32)), const(out + "_z", np.array(z, np.int8))])
        nodes.append(helper.make_node("QuantizeLinear", [x, out + "_s", out + "_z"], [out], out))

    def dq(x, s, z, out):
        nodes.append(helper.make_node("DequantizeLinear", [x, s, z], [out], out))

    def wq(name, shape, axis_len):
        wi = rng.integers(-127, 128, size=shape).astype(np.int8)
        ws = rng.uniform(0.005, 0.02, axis_len).astype(np.float32)
        inits.extend([const(name + "_q", wi), const(name + "_s", ws), const(name + "_z", np.zeros(axis_len, np.int8))])
        nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_s", name + "_z"], [name], name + "_dq",
                                      axis=0))

    q("x", 0.05, 3, "xq")
    dq("xq", "xq_s", "xq_z", "xf")
    wq("w1", (7, c, 3, 3), 7)
    inits.append(const("b1", rng.uniform(-0.3, 0.3, 7).astype(np.float32)))
    nodes += [helper.make_node("Conv", ["xf", "w1", "b1"], ["c1"], "conv1", pads=[1, 1, 1, 1]),
              helper.make_node("Relu", ["c1"], ["r1"], "relu1")]
    q("r1", 0.04, -20, "y1")
    dq("y1", "y1_s", "y1_z", "y1f")
    wq("w2", (7, 1, 3, 3), 7)
    inits += [const("b2", rng.uniform(-0.3, 0.3, 7).astype(np.float32)), const("zero", np.array(0, np.float32)),
              const("six", np.array(6, np.float32))]
    nodes += [helper.make_node("Conv", ["y1f", "w2", "b2"], ["c2"], "dw", group=7, pads=[1, 1, 1, 1]),
              helper.make_node("Clip", ["c2", "zero", "six"], ["r2"], "relu6")]
    q("r2", 0.03, -128, "y2")
    dq("y2", "y2_s", "y2_z", "y2f")
    inits.append(const("shape", np.array([1, -1], np.int64)))
    nodes.append(helper.make_node("Reshape", ["y2f", "shape"], ["flat"], "flatten"))
    wq("w3", (10, 7 * h * w), 10)
    inits.append(const("b3", rng.uniform(-0.3, 0.3, 10).astype(np.float32)))
    nodes += [helper.make_node("Gemm", ["flat", "w3", "b3"], ["g"], "fc", transB=1),
              helper.make_node("Relu", ["g"], ["r3"], "relu3")]
    q("r3", 0.1, 5, "y3")
    graph = helper.make_graph(nodes, "qdq_relu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
                              [helper.make_tensor_value_info("y3", TensorProto.INT8, None)], inits)
    x = rng.uniform(-6, 6, size=(1, c, h, w)).astype(np.float32)
    # QuantizeLinear's edges: NaN (-> the low end), infinities and values past int32, quotients at
    # the .5 rounding boundaries (0.025 / 0.05, 0.075 / 0.05 in float32). The
    # reference is the float QDQ model: its convolutions may round one step apart from the integer
    # kernels on rare inputs (docs/quantization.md); this input has none.
    x.flat[:8] = [np.nan, np.inf, -np.inf, 1e30, -1e30, 0.025, 0.075, -0.025]
    save(graph, "qdq_relu", [("x", x)])


if __name__ == "__main__":
    kernels(np.random.default_rng(7), TensorProto.INT8, "int8_kernels")
    kernels(np.random.default_rng(8), TensorProto.UINT8, "uint8_kernels")
    qdq_relu(np.random.default_rng(9))
