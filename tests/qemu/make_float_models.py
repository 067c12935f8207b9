#!/usr/bin/python3
"""Builds the float kernel model the QEMU tests run (deterministic: fixed seed), with its inputs.

The register-blocked float kernels (runtime/kiln_conv_blocked.h, with their inline-assembly loops
on Arm FPUs) on awkward shapes: pointwise convolutions out of place and in place (output larger
and smaller than the input), with channel counts that are not multiples of 4 (or 2: the odd
multiply-add step), one input channel, pixel counts not a multiple of 4 and fused Relu, Clip(0, 6),
LeakyRelu; convolutions through the row buffer with 1 to 5 taps per row at stride 1, 2 and 3, dilated;
depthwise at stride 1 and 2 with padding; a convolution read in place (no row buffer) with kernel rows cut by the padding; fully connected layers (Gemm, MatMul with a
constant B) whose K leaves every remainder mod 4 (and K < 4), whose N is not a multiple of 8 or 4,
with several rows of A, alpha and beta, transposed A. `kiln verify` compares QEMU's outputs with
kiln's reference evaluation and with the host build's (which runs the C loops).

float_kernels/   model.onnx, input_0.pb (x [1, 5, 7, 9]), input_1.pb (a [3, 7]), input_2.pb (z [1, 3, 20, 23]),
                 input_3.pb (v [1, 2, 40, 20])

Run from the repository root: /usr/bin/python3 tests/qemu/make_float_models.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(20261125)
    inits, nodes, outs = [], [], []

    def const(name, a):
        inits.append(numpy_helper.from_array(np.asarray(a, np.float32), name))
        return name

    def conv(name, x, c, m, k, act=None, group=1, out=False, bias=True, **attrs):
        w = const(name + "_w", rng.uniform(-1, 1, (m, c // group) + k) / np.sqrt(c // group * np.prod(k)))
        ins = [x, w] + ([const(name + "_b", rng.uniform(-0.5, 0.5, m))] if bias else [])
        y = name if act is None else name + "_c"
        nodes.append(helper.make_node("Conv", ins, [y], name, kernel_shape=list(k), group=group, **attrs))
        if act == "relu":
            nodes.append(helper.make_node("Relu", [y], [name], name + "_relu"))
        elif act == "relu6":
            nodes.append(helper.make_node("Clip", [y, const(name + "_lo", 0.0), const(name + "_hi", 6.0)], [name],
                                          name + "_clip"))
        elif act == "leaky":
            nodes.append(helper.make_node("LeakyRelu", [y], [name], name + "_leaky", alpha=0.1))
        if out:
            outs.append(name)
        return name

    # First, at the arena's peak (its row buffer would raise the arena): a convolution reading its
    # input directly (conv2d_blocked_direct), 10x4 at stride 2 as KWS's first layer, kernel rows
    # cut by the padding at the top and bottom, 22 outputs.
    d = conv("direct", "v", 2, 22, (10, 4), act="relu", strides=[2, 2], pads=[5, 1, 4, 1])
    nodes.append(helper.make_node("GlobalAveragePool", [d], ["direct_pool"], "direct_pool"))
    outs.append("direct_pool")
    # Pointwise out of place (x is the graph input: it stays), 63 pixels, 5 -> 7 channels.
    conv("pw_out", "x", 5, 7, (1, 1), act="relu", out=True)
    conv("pw_leaky", "x", 5, 9, (1, 1), act="leaky", out=True, bias=False)
    # Convolutions through the row buffer (taps of the assembly tile): 5x5 at stride 2, 1x1 at
    # stride 2, 2x4 dilated in width, 3x3 at stride 3 (the C tiles), pads on every side.
    conv("k55s2", "x", 5, 6, (5, 5), act="relu", out=True, strides=[2, 2], pads=[2, 1, 2, 2])
    conv("k11s2", "x", 5, 9, (1, 1), out=True, strides=[2, 2])
    conv("k24d", "x", 5, 4, (2, 4), act="relu6", out=True, dilations=[1, 2], pads=[0, 1, 1, 2])
    conv("k33s3", "x", 5, 5, (3, 3), out=True, strides=[3, 3], pads=[1, 1, 1, 1])
    # A chain whose pointwise inputs die at their node: the in-place pointwise (6 -> 11, then 11 -> 3).
    t = conv("k33", "x", 5, 6, (3, 3), act="relu", pads=[1, 1, 1, 1])
    t = conv("pw_grow", t, 6, 11, (1, 1), act="relu6")
    t = conv("pw_shrink", t, 11, 8, (1, 1))
    t = conv("dw1", t, 8, 8, (3, 3), act="relu", group=8, pads=[1, 0, 2, 1])
    t = conv("dw2", t, 8, 8, (3, 3), act="relu6", group=8, strides=[2, 2], pads=[1, 1, 1, 1])
    t = conv("pw_one", t, 8, 1, (1, 1), act="relu")  # one output channel (the single-row tiles)
    t = conv("pw_k1", t, 1, 13, (1, 1), out=True)    # one input channel: K = 1
    # Depthwise on a larger image (z [1, 3, 20, 23]: the border outputs checked, the inner ones in
    # blocks of four), stride 1 and 2, padded and not; after a pointwise whose output dies there: in place.
    conv("zdw1", "z", 3, 3, (3, 3), act="relu6", group=3, out=True, pads=[1, 1, 1, 1])
    conv("zdw2", "z", 3, 3, (3, 3), group=3, out=True, strides=[2, 2])
    u = conv("zpw", "z", 3, 6, (1, 1))
    u = conv("zdw3", u, 6, 6, (3, 3), act="relu", group=6, strides=[2, 2], pads=[0, 1, 1, 0])
    conv("zpw2", u, 6, 5, (1, 1), out=True)
    # Fully connected: K = 13 * 4 * 4 = 208 (K % 4 = 0), then 10 (2), 17 (1), 3 (< 4), with N of
    # 10, 17, 3, 9 and 4.
    f = "flat"
    nodes.append(helper.make_node("Flatten", [t], [f], "flatten"))
    nodes.append(helper.make_node("Gemm", [f, const("g1_w", rng.uniform(-0.1, 0.1, (208, 10))),
                                           const("g1_b", rng.uniform(-0.5, 0.5, 10))], ["g1_c"], "g1"))
    nodes.append(helper.make_node("Relu", ["g1_c"], ["g1"], "g1_relu"))
    nodes.append(helper.make_node("Gemm", ["g1", const("g2_w", rng.uniform(-0.5, 0.5, (17, 10))),
                                           const("g2_c", rng.uniform(-0.5, 0.5, (1, 17)))], ["g2"], "g2",
                                  transB=1, alpha=0.5, beta=2.0))
    nodes.append(helper.make_node("MatMul", ["g2", const("g3_w", rng.uniform(-0.5, 0.5, (17, 3)))], ["g3"], "g3"))
    nodes.append(helper.make_node("Gemm", ["g3", const("g4_w", rng.uniform(-1, 1, (3, 9))),
                                           const("g4_b", rng.uniform(-0.5, 0.5, 9))], ["g4"], "g4"))
    outs.append("g4")
    # Several rows of A: a [3, 7] . B [7, 20] (K % 4 = 3, N = 2 x 8 + 4), and A transposed.
    nodes.append(helper.make_node("MatMul", ["a", const("m1_w", rng.uniform(-1, 1, (7, 20)))], ["m1"], "m1"))
    outs.append("m1")
    nodes.append(helper.make_node("Gemm", ["a", const("m2_w", rng.uniform(-1, 1, (3, 16))),
                                           const("m2_b", rng.uniform(-0.5, 0.5, 16))], ["m2"], "m2", transA=1))
    outs.append("m2")

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 5, 7, 9])
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, 7])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3, 20, 23])
    v = helper.make_tensor_value_info("v", TensorProto.FLOAT, [1, 2, 40, 20])
    graph = helper.make_graph(nodes, "float_kernels", [x, a, z, v],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="kiln-tests")
    model.ir_version = 7
    inf = onnx.shape_inference.infer_shapes(model).graph
    inferred = {v.name: v for v in list(inf.value_info) + list(inf.output)}
    for o in model.graph.output:
        o.type.CopyFrom(inferred[o.name].type)
    onnx.checker.check_model(model)
    d = os.path.join(HERE, "float_kernels")
    os.makedirs(d, exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for i, (n, v) in enumerate([("x", rng.uniform(-1, 1, (1, 5, 7, 9))), ("a", rng.uniform(-1, 1, (3, 7))),
                                 ("z", rng.uniform(-1, 1, (1, 3, 20, 23))), ("v", rng.uniform(-1, 1, (1, 2, 40, 20)))]):
        with open(os.path.join(d, f"input_{i}.pb"), "wb") as fh:
            fh.write(numpy_helper.from_array(v.astype(np.float32), n).SerializeToString())


if __name__ == "__main__":
    main()
