"""Inputs without a leading batch axis from Python: Silero VAD v5 takes a scalar sample rate and
a state [2, B, 128]. transform_fn returns the whole inputs of one sample; the Conv inside the
model's If branches are quantized."""

import os

import numpy as np
import pytest

import qac
from conftest import FAST, SOURCE_DIR

MODEL = os.path.join(SOURCE_DIR, "assets", "models", "extra", "silero_vad_v5.onnx")
DATA = os.path.join(SOURCE_DIR, "assets", "data", "extra", "silero_vad_v5_stream", "calibration", "dataset")


@pytest.fixture(scope="module")
def frames():
    if not (os.path.isfile(MODEL) and os.path.isfile(os.path.join(DATA, "state.npy"))):
        pytest.skip("Silero VAD model or stream data absent (scripts/fetch_assets.sh)")
    inputs = np.load(os.path.join(DATA, "input.npy"))[:24]
    states = np.load(os.path.join(DATA, "state.npy"))[:24]
    return [(inputs[i : i + 1], states[i]) for i in range(len(inputs))]


def one_sample(item):
    chunk, state = item
    return {"input": chunk, "state": state, "sr": np.array(16000, dtype=np.int64)}


def test_whole_inputs_quantize_inside_the_if(frames):
    result = qac.quantize(MODEL, qac.Dataset(frames, one_sample), advanced_parameters=FAST)
    branch = next(n for n in result.graph.node if n.op_type == "If").attribute
    then_branch = next(a.g for a in branch if a.name == "then_branch")
    assert sum(n.op_type == "QuantizeLinear" for n in then_branch.node) >= 2


def test_a_whole_input_with_the_wrong_shape_is_named(frames):
    def bad(item):
        chunk, state = item
        return {"input": chunk, "state": state[:, :, :64], "sr": np.array(16000, dtype=np.int64)}

    with pytest.raises(ValueError, match=r"input 'state'.*the whole input of one sample"):
        qac.quantize(MODEL, qac.Dataset(frames, bad), advanced_parameters=FAST)
