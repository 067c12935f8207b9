#!/usr/bin/python3
"""Writes tiny.onnx: the small model whose IR and generated code are golden files.

Conv+BatchNormalization+Relu, a residual Add, MaxPool, Flatten and Gemm: enough to exercise
BN folding, activation fusion, in-place Add, views and memory planning. Deterministic.
Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def const(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.5).astype(np.float32), name)


inits = [
    const("conv1.W", 4, 1, 3, 3), const("conv1.B", 4),
    numpy_helper.from_array(rng.uniform(0.5, 1.5, 4).astype(np.float32), "bn.scale"),
    const("bn.B", 4), const("bn.mean", 4),
    numpy_helper.from_array(rng.uniform(0.5, 2.0, 4).astype(np.float32), "bn.var"),
    const("conv2.W", 4, 4, 3, 3), const("conv2.B", 4),
    const("fc.W", 3, 36), const("fc.B", 3),
]
nodes = [
    helper.make_node("Conv", ["x", "conv1.W", "conv1.B"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["c1", "bn.scale", "bn.B", "bn.mean", "bn.var"], ["b1"], name="bn"),
    helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
    helper.make_node("Conv", ["r1", "conv2.W", "conv2.B"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
    helper.make_node("Add", ["c2", "r1"], ["s"], name="residual"),
    helper.make_node("Relu", ["s"], ["r2"], name="relu2"),
    helper.make_node("MaxPool", ["r2"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "fc.W", "fc.B"], ["y"], name="fc", transB=1),
]
graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="kiln-tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "tiny.onnx")
