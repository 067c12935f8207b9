#!/usr/bin/python3
"""Builds the small models the QEMU tests run on every emulated core (deterministic: fixed seed).

residual_cnn.onnx  float32: Conv+Relu, Conv, Add (residual), Relu, Reshape. Small enough for the
                   micro:bit's 16 KiB of RAM (arena about 4.6 KiB).
int_add_relu.onnx  int32: Add of a constant, Relu, Add of the input, Reshape (bit-exact on every core).

Run from the repository root: /usr/bin/python3 tests/qemu/make_models.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(graph, name):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="kiln-tests")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def residual_cnn(rng):
    c, h, w = 3, 12, 12
    f = 8
    w1 = numpy_helper.from_array((rng.standard_normal((f, c, 3, 3)) * 0.3).astype(np.float32), "w1")
    b1 = numpy_helper.from_array((rng.standard_normal(f) * 0.1).astype(np.float32), "b1")
    w2 = numpy_helper.from_array((rng.standard_normal((f, f, 3, 3)) * 0.2).astype(np.float32), "w2")
    b2 = numpy_helper.from_array((rng.standard_normal(f) * 0.1).astype(np.float32), "b2")
    w3 = numpy_helper.from_array((rng.standard_normal((4, f, 3, 3)) * 0.2).astype(np.float32), "w3")
    shape = numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "flat")
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], "conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], "relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], "conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "r1"], ["s"], "residual"),
        helper.make_node("Relu", ["s"], ["r2"], "relu2"),
        helper.make_node("Conv", ["r2", "w3"], ["c3"], "conv3", strides=[2, 2]),
        helper.make_node("Reshape", ["c3", "flat"], ["y"], "flatten"),
    ]
    graph = helper.make_graph(
        nodes, "residual_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4 * 5 * 5])],
        [w1, b1, w2, b2, w3, shape])
    save(graph, "residual_cnn.onnx")


def int_add_relu(rng):
    k = numpy_helper.from_array(rng.integers(-50, 50, size=(1, 4, 1, 1)).astype(np.int32), "k")
    shape = numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "flat")
    nodes = [
        helper.make_node("Add", ["x", "k"], ["a"], "add_bias"),
        helper.make_node("Relu", ["a"], ["r"], "relu"),
        helper.make_node("Add", ["r", "x"], ["s"], "add_input"),
        helper.make_node("Reshape", ["s", "flat"], ["y"], "flatten"),
    ]
    graph = helper.make_graph(
        nodes, "int_add_relu",
        [helper.make_tensor_value_info("x", TensorProto.INT32, [1, 4, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [1, 144])],
        [k, shape])
    save(graph, "int_add_relu.onnx")


def big_output():
    """A 128 KiB output (256 KiB of hex through semihosting): more than a pipe holds, which QEMU's
    non-blocking console used to drop (kiln verify now reads the run from a file)."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "big_output",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 64, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 64, 64])])
    save(graph, "big_output.onnx")


if __name__ == "__main__":
    residual_cnn(np.random.default_rng(7))
    int_add_relu(np.random.default_rng(8))
    big_output()
