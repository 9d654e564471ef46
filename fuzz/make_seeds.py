#!/usr/bin/env python3
"""Writes the seed corpora of the fuzzers into fuzz/corpus/<name>/ (small, valid or nearly
valid inputs of each parser; the fuzzers mutate them). Deterministic: running it again
rewrites the same files. Needs python3-onnx and python3-numpy (Debian packages).

usage: /usr/bin/python3 fuzz/make_seeds.py
"""
import io
import json
import os
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
rng = np.random.default_rng(12)


def write(name, file, data):
    folder = os.path.join(CORPUS, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, file), "wb") as f:
        f.write(data)


# ---- models -----------------------------------------------------------------------------
def model(nodes, inputs, outputs, opset, initializers=(), ir_version=7, value_info=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers), value_info=list(value_info))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = ir_version
    return m.SerializeToString()


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def weights(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def models():
    x4 = f32("x", [1, 2, 6, 6])
    # A small CNN at opset 13 and the same at opset 7.
    for opset in (7, 13):
        nodes = [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c"], ["r"], name="relu"),
            helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
            helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
        ]
        inits = [weights("w", [3, 2, 3, 3]), weights("b", [3]), weights("fc_w", [4, 27]), weights("fc_b", [4])]
        write("model", f"cnn_opset{opset}.onnx", model(nodes, [x4], [f32("y", [1, 4])], opset, inits))
    # Constants, Reshape-1 (shape attribute), Softmax-11 on an inner axis.
    nodes = [
        helper.make_node("Constant", [], ["k"], name="k", value=numpy_helper.from_array(np.float32([2.0]), "k")),
        helper.make_node("Mul", ["x", "k"], ["m"], name="mul"),
        helper.make_node("Softmax", ["m"], ["y"], name="softmax", axis=1),
    ]
    write("model", "constant_softmax11.onnx", model(nodes, [f32("x", [2, 3, 4])], [f32("y", [2, 3, 4])], 11))
    nodes = [helper.make_node("Reshape", ["x"], ["y"], name="reshape", shape=[3, 8])]
    write("model", "reshape1.onnx", model(nodes, [f32("x", [2, 3, 4])], [f32("y", [3, 8])], 1, ir_version=3))
    # Upsample-7, Upsample-9 (scales input), Resize-10.
    nodes = [helper.make_node("Upsample", ["x"], ["y"], name="up", scales=[1.0, 1.0, 2.0, 2.0], mode="nearest")]
    write("model", "upsample7.onnx", model(nodes, [x4], [f32("y", [1, 2, 12, 12])], 7, ir_version=3))
    scales = numpy_helper.from_array(np.float32([1, 1, 2, 2]), "s")
    nodes = [helper.make_node("Upsample", ["x", "s"], ["y"], name="up", mode="linear")]
    write("model", "upsample9.onnx", model(nodes, [x4], [f32("y", [1, 2, 12, 12])], 9, [scales]))
    nodes = [helper.make_node("Resize", ["x", "s"], ["y"], name="resize")]
    write("model", "resize10.onnx", model(nodes, [x4], [f32("y", [1, 2, 12, 12])], 10, [scales]))
    # Attributes that became inputs: Clip-6, Pad-2, Slice-1, Squeeze-11, Split-2, TopK-1, Dropout-7.
    x = f32("x", [2, 6])
    nodes = [
        helper.make_node("Clip", ["x"], ["a"], name="clip", min=-1.0, max=1.0),
        helper.make_node("Pad", ["a"], ["b"], name="pad", pads=[0, 1, 0, 1], value=0.5),
        helper.make_node("Slice", ["b"], ["c"], name="slice", starts=[0], ends=[4], axes=[1]),
        helper.make_node("Dropout", ["c"], ["d"], name="dropout", ratio=0.1),
        helper.make_node("Split", ["d"], ["e", "f"], name="split", axis=1, split=[2, 2]),
        helper.make_node("TopK", ["e"], ["y", "i"], name="topk", k=1),
    ]
    outputs = [f32("y", [2, 1]), helper.make_tensor_value_info("i", TensorProto.INT64, [2, 1]), f32("f", [2, 2])]
    write("model", "attributes_to_inputs.onnx", model(nodes, [x], outputs, 2, ir_version=3))
    # Legacy broadcast (Add-6 with axis), BatchNormalization-7, PRelu-6.
    nodes = [
        helper.make_node("Add", ["x", "bias"], ["a"], name="add", broadcast=1, axis=1),
        helper.make_node("BatchNormalization", ["a", "s", "b", "m", "v"], ["n"], name="bn"),
        helper.make_node("PRelu", ["n", "slope"], ["y"], name="prelu"),
    ]
    inits = [weights(n, [2]) for n in ("bias", "s", "b", "m", "slope")] + [
        numpy_helper.from_array(np.float32([1, 2]), "v")]
    write("model", "legacy_broadcast.onnx", model(nodes, [x4], [f32("y", [1, 2, 6, 6])], 6, inits, ir_version=3))
    # If with subgraphs reading an outer value.
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t"], name="then_relu")], "then", [], [f32("t", [2])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"], name="else_neg")], "else", [], [f32("e", [2])])
    nodes = [helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_g, else_branch=else_g)]
    cond = helper.make_tensor_value_info("cond", TensorProto.BOOL, [])
    write("model", "if.onnx", model(nodes, [f32("x", [2]), cond], [f32("y", [2])], 13))
    # Transformer-like MatMul / LayerNormalization pieces at opset 13.
    nodes = [
        helper.make_node("MatMul", ["x", "wq"], ["q"], name="q"),
        helper.make_node("Transpose", ["q"], ["qt"], name="qt", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "qt"], ["s"], name="scores"),
        helper.make_node("Softmax", ["s"], ["p"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["p", "q"], ["y"], name="context"),
    ]
    write("model", "attention.onnx", model(nodes, [f32("x", [1, 4, 8])], [f32("y", [1, 4, 8])], 13,
                                             [weights("wq", [8, 8])]))


# ---- TensorProto (.pb) ------------------------------------------------------------------
def pbs():
    def put(file, t):
        write("pb", file, t.SerializeToString())

    put("float_raw.pb", numpy_helper.from_array(rng.standard_normal((2, 3)).astype(np.float32), "x"))
    put("int64_raw.pb", numpy_helper.from_array(np.int64([[1, -2], [3, 4]]), "x"))
    put("uint8_raw.pb", numpy_helper.from_array(np.uint8([[1, 2, 3]]), "x"))
    put("bool_raw.pb", numpy_helper.from_array(np.array([[True, False]]), "x"))
    put("float16_raw.pb", numpy_helper.from_array(np.float16([[1.5, -2]]), "x"))
    put("double_raw.pb", numpy_helper.from_array(np.float64([[0.25]]), "x"))
    put("float_typed.pb", helper.make_tensor("x", TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0]))
    put("int32_typed.pb", helper.make_tensor("x", TensorProto.INT32, [1, 3], [7, -8, 9]))
    put("float16_typed.pb", helper.make_tensor("x", TensorProto.FLOAT16, [1, 2], [0x3C00, 0xC000]))
    put("int64_typed.pb", helper.make_tensor("x", TensorProto.INT64, [3, 1], [1, 2, 3]))
    put("empty_rows.pb", helper.make_tensor("x", TensorProto.FLOAT, [0, 4], []))
    put("unnamed.pb", helper.make_tensor("", TensorProto.FLOAT, [1, 1], [5.0]))
    put("string.pb", helper.make_tensor("x", TensorProto.STRING, [1], [b"a"]))
    t = helper.make_tensor("x", TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0])
    t.data_location = TensorProto.EXTERNAL
    put("external.pb", t)


# ---- .npy ---------------------------------------------------------------------------------
def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


def npys():
    write("npy", "float32.npy", npy_bytes(rng.standard_normal((3, 2, 2)).astype(np.float32)))
    write("npy", "int64.npy", npy_bytes(np.int64([5, 6, 7])))
    write("npy", "uint8_v2.npy", npy_bytes(np.uint8([[1, 2], [3, 4]]), (2, 0)))
    write("npy", "int16_v3.npy", npy_bytes(np.int16([[1], [2]]), (3, 0)))
    write("npy", "float16.npy", npy_bytes(np.float16([[1, 2]])))
    write("npy", "float64.npy", npy_bytes(np.float64([[0.5]])))
    write("npy", "bool.npy", npy_bytes(np.array([[True], [False]])))
    write("npy", "int8.npy", npy_bytes(np.int8([-1, 1])))
    write("npy", "scalar.npy", npy_bytes(np.float32(3.0)))
    write("npy", "empty.npy", npy_bytes(np.zeros((0, 4), np.float32)))
    write("npy", "fortran.npy", npy_bytes(np.asfortranarray(np.ones((2, 3), np.float32))))
    write("npy", "big_endian.npy", npy_bytes(np.arange(4, dtype=">f4")))


# ---- labels (first byte: low 3 bits = samples, bit 3 = labels.npy) ------------------------
def labels():
    def put(file, samples, npy, data):
        write("labels", file, bytes([samples | (8 if npy else 0)]) + data)

    put("texts.json", 3, False, json.dumps(["abc", "日本", ""]).encode())
    put("classes.json", 2, False, json.dumps([3, 1]).encode())
    put("mixed.json", 2, False, json.dumps([3, "a"]).encode())
    put("object.json", 1, False, json.dumps({"a": [1]}).encode())
    put("classes.npy", 3, True, npy_bytes(np.int64([0, 1, 2])))
    put("column.npy", 2, True, npy_bytes(np.int32([[4], [5]])))
    put("floats.npy", 2, True, npy_bytes(np.float32([1, 2])))


# ---- metric command output (first byte: samples) ------------------------------------------
def metric_json():
    def put(file, samples, text):
        write("metric_json", file, bytes([samples]) + text.encode())

    put("metric.json", 0, json.dumps({"metric": 0.75}))
    put("per_sample.json", 3, json.dumps({"metric": 0.5, "per_sample": [1, 0, 0.5]}))
    put("wrong_length.json", 2, json.dumps({"metric": 1, "per_sample": [1]}))
    put("string_metric.json", 0, json.dumps({"metric": "1"}))
    put("nested.json", 1, json.dumps({"metric": 1, "per_sample": [[1]], "extra": {"a": [None, True]}}))
    put("garbage.txt", 1, "not json at all\n")


# ---- --cache-dir entries (first byte: 0 TensorStats, 1 answer, 2 probe) --------------------
# The layout of src/core/byte_record.h (little-endian host): strings and vectors u64-length-prefixed.
def cache_entries():
    def string(text):
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    def vector(fmt, values):
        return struct.pack("<Q", len(values)) + b"".join(struct.pack("<" + fmt, v) for v in values)

    def histogram(counts, has_bins, point, exponent, first):
        return (vector("Q", counts) + struct.pack("<QBdiq", sum(counts), has_bins, point, exponent, first))

    def stats(name, hist, mean_axis=None, absmax=()):
        head = string(name) + struct.pack("<BQiBB", hist is not None, 8, mean_axis or 0, mean_axis is not None,
                                           len(absmax) > 0)
        head += struct.pack("<QQQffddQ", 4, 64, 0, -1.5, 3.0, -4.0, 10.0, 4)
        head += struct.pack("<B", hist is not None) + (hist or b"")
        sums = [1.0, -2.0] if mean_axis is not None else []
        return head + struct.pack("<i", mean_axis if mean_axis is not None else -1) + vector("d", sums) + \
            struct.pack("<Q", 32 if sums else 0) + vector("f", absmax) + vector("q", [1, 2, 8])

    write("cache_entry", "stats_histogram", b"\0" + stats("conv_out", histogram([0, 3, 5, 0, 1, 0, 0, 7], 1, 0, -3, -2)))
    write("cache_entry", "stats_point", b"\0" + stats("const", histogram([0] * 8, 0, 2.5, 0, 0), mean_axis=1))
    write("cache_entry", "stats_plain", b"\0" + stats("relu", None, absmax=(1.0, 2.0)))
    answer = string("qac-answer-1") + struct.pack("<d", 0.75) + vector("d", [1, 0, 1, 1]) + vector("d", [0.7, 0.8])
    write("cache_entry", "answer", b"\1" + answer + struct.pack("<BdBdd", 0, 0.0, 1, 0.1, 0.002))
    write("cache_entry", "answer_screen", b"\1" + answer + struct.pack("<BdB", 1, 1e-3, 0))
    probe = string("qac-probe-1") + vector("d", [0.5, 0.0, 2.0]) + struct.pack("<Q", 2)
    for node, group in (("conv 1", 0), ("mm", 2)):
        probe += string(node) + string("Conv") + string(node + ":0") + struct.pack("<qd", group, 31.5)
    write("cache_entry", "probe", b"\2" + probe + struct.pack("<QB", 64, 1))


if __name__ == "__main__":
    models()
    pbs()
    npys()
    labels()
    metric_json()
    cache_entries()
