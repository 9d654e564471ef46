#!/usr/bin/python3
"""Measures the FP32 PP-OCRv4 recognizer's exact-match accuracy on the rendered word sets.

Runs assets/models/ocr/rec.onnx on assets/data/ocr/<set>/x.npy with ONNX Runtime and compares
the greedy CTC decoding with labels.json (see scripts/render_words.py for the contract:
class 0 = blank, class i = line i of ppocr_keys_v1.txt, class 6624 = space).

There is no Python ONNX Runtime package on the machine, so this script calls the ONNX Runtime
C API of third_party/onnxruntime/lib/libonnxruntime.so (installed by scripts/setup.sh) through
ctypes. The OrtApi function table is append-only across ORT releases, so the indices below
are stable.

Usage: /usr/bin/python3 scripts/check_ocr_fp32.py [set ...]   (default: all three sets)
Prints, per set, the exact-match accuracy and the misread words.
"""
import ctypes
import json
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORT_LIBRARY = os.path.join(REPO, "third_party", "onnxruntime", "lib", "libonnxruntime.so.1")
MODEL = os.path.join(REPO, "assets", "models", "ocr", "rec.onnx")
KEYS_FILE = os.path.join(REPO, "assets", "models", "ocr", "ppocr_keys_v1.txt")
DATA_DIR = os.path.join(REPO, "assets", "data", "ocr")
DEFAULT_SETS = ("calibration", "validation", "holdout")
BATCH = 50

ORT_API_VERSION = 16          # any version >= the one that introduced the functions used
# Indices in the OrtApi function table (onnxruntime_c_api.h, struct OrtApi).
API_INDEX = {
    "GetErrorMessage": 2, "CreateEnv": 3, "CreateSession": 7, "Run": 9,
    "CreateSessionOptions": 10, "SetIntraOpNumThreads": 24,
    "CreateTensorWithDataAsOrtValue": 49, "GetTensorMutableData": 51,
    "GetDimensionsCount": 61, "GetDimensions": 62, "GetTensorTypeAndShape": 65,
    "CreateCpuMemoryInfo": 69, "ReleaseEnv": 92, "ReleaseStatus": 93,
    "ReleaseMemoryInfo": 94, "ReleaseSession": 95, "ReleaseValue": 96,
    "ReleaseTensorTypeAndShapeInfo": 99, "ReleaseSessionOptions": 100,
}
ORT_LOGGING_LEVEL_WARNING = 2
ORT_ARENA_ALLOCATOR = 1
ORT_MEM_TYPE_DEFAULT = 0
ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT = 1

P = ctypes.c_void_p
PP = ctypes.POINTER(ctypes.c_void_p)


class OrtSession:
    """One ONNX Runtime CPU session over float32 inputs and outputs."""

    def __init__(self, model_path, threads=1):
        lib = ctypes.CDLL(ORT_LIBRARY)
        lib.OrtGetApiBase.restype = P
        base = ctypes.cast(lib.OrtGetApiBase(), ctypes.POINTER(P))
        get_api = ctypes.CFUNCTYPE(P, ctypes.c_uint32)(base[0])
        table = ctypes.cast(get_api(ORT_API_VERSION), ctypes.POINTER(P))
        if not table:
            raise RuntimeError("ONNX Runtime does not provide the requested C API version")
        self._table = table
        self._env, self._options, self._session, self._memory = P(), P(), P(), P()
        self._check(self._fn("CreateEnv", ctypes.c_int, ctypes.c_char_p, PP)(
            ORT_LOGGING_LEVEL_WARNING, b"qac", ctypes.byref(self._env)))
        self._check(self._fn("CreateSessionOptions", PP)(ctypes.byref(self._options)))
        self._check(self._fn("SetIntraOpNumThreads", P, ctypes.c_int)(self._options, threads))
        self._check(self._fn("CreateSession", P, ctypes.c_char_p, P, PP)(
            self._env, model_path.encode(), self._options, ctypes.byref(self._session)))
        self._check(self._fn("CreateCpuMemoryInfo", ctypes.c_int, ctypes.c_int, PP)(
            ORT_ARENA_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, ctypes.byref(self._memory)))

    def _fn(self, name, *argtypes, restype=P):
        return ctypes.CFUNCTYPE(restype, *argtypes)(self._table[API_INDEX[name]])

    def _check(self, status):
        if status:
            message = self._fn("GetErrorMessage", P, restype=ctypes.c_char_p)(status)
            self._fn("ReleaseStatus", P, restype=None)(status)
            raise RuntimeError(f"ONNX Runtime: {message.decode()}")

    def run(self, input_name, array, output_name):
        """Runs the model on one float32 input; returns the named float32 output."""
        array = np.ascontiguousarray(array, dtype=np.float32)
        shape = (ctypes.c_int64 * array.ndim)(*array.shape)
        value, output = P(), P()
        self._check(self._fn("CreateTensorWithDataAsOrtValue", P, P, ctypes.c_size_t,
                             ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t, ctypes.c_int, PP)(
            self._memory, array.ctypes.data, array.nbytes, shape, array.ndim,
            ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, ctypes.byref(value)))
        try:
            names_in = (ctypes.c_char_p * 1)(input_name.encode())
            names_out = (ctypes.c_char_p * 1)(output_name.encode())
            values_in = (P * 1)(value)
            self._check(self._fn("Run", P, P, P, P, ctypes.c_size_t, P, ctypes.c_size_t, PP)(
                self._session, None, names_in, values_in, 1, names_out, 1,
                ctypes.byref(output)))
            return self._to_numpy(output)
        finally:
            self._fn("ReleaseValue", P, restype=None)(value)
            if output:
                self._fn("ReleaseValue", P, restype=None)(output)

    def _to_numpy(self, value):
        info, count, data = P(), ctypes.c_size_t(), P()
        self._check(self._fn("GetTensorTypeAndShape", P, PP)(value, ctypes.byref(info)))
        self._check(self._fn("GetDimensionsCount", P, ctypes.POINTER(ctypes.c_size_t))(
            info, ctypes.byref(count)))
        dims = (ctypes.c_int64 * count.value)()
        self._check(self._fn("GetDimensions", P, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t)(
            info, dims, count.value))
        self._fn("ReleaseTensorTypeAndShapeInfo", P, restype=None)(info)
        self._check(self._fn("GetTensorMutableData", P, PP)(value, ctypes.byref(data)))
        shape = tuple(dims)
        buffer = (ctypes.c_float * int(np.prod(shape))).from_address(data.value)
        return np.frombuffer(buffer, dtype=np.float32).reshape(shape).copy()

    def __del__(self):
        for name, handle in (("ReleaseMemoryInfo", "_memory"), ("ReleaseSession", "_session"),
                             ("ReleaseSessionOptions", "_options"), ("ReleaseEnv", "_env")):
            h = getattr(self, handle, None)
            if h:
                self._fn(name, P, restype=None)(h)


def ctc_greedy_decode(probs, alphabet):
    """probs [N,T,C] -> strings: argmax, merge repeats, drop blanks (class 0)."""
    texts = []
    for best in probs.argmax(axis=2):
        chars, previous = [], -1
        for c in best:
            if c != previous and c != 0:
                chars.append(alphabet[c])
            previous = c
        texts.append("".join(chars))
    return texts


def main():
    import onnx
    model = onnx.load(MODEL)
    input_name = model.graph.input[0].name
    output_name = model.graph.output[0].name
    with open(KEYS_FILE, encoding="utf-8") as f:
        alphabet = ["<blank>"] + f.read().split("\n") + [" "]
    session = OrtSession(MODEL, threads=2)
    for name in sys.argv[1:] or DEFAULT_SETS:
        folder = os.path.join(DATA_DIR, name)
        x = np.load(os.path.join(folder, "x.npy"))
        with open(os.path.join(folder, "labels.json"), encoding="utf-8") as f:
            labels = json.load(f)
        texts = []
        for i in range(0, len(x), BATCH):
            probs = session.run(input_name, x[i:i + BATCH], output_name)
            assert probs.shape[2] == len(alphabet), probs.shape
            texts += ctc_greedy_decode(probs, alphabet)
        wrong = [(t, l) for t, l in zip(texts, labels) if t != l]
        print(f"{name}: exact match {len(labels) - len(wrong)}/{len(labels)} "
              f"({100 * (1 - len(wrong) / len(labels)):.1f}%), output shape {probs.shape[1:]}")
        for text, label in wrong:
            print(f"  read {text!r}, expected {label!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
