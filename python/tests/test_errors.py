"""Bad input gives a Python exception with a clear message, never a crash; exceptions of the
user's functions reach the caller as raised; Ctrl-C stops a run."""

import os
import signal
import threading
import time
import traceback

import numpy as np
import pytest

import qac
from conftest import CNN, FAST, top1


class MyError(Exception):
    pass


def items_of(images, labels):
    return [(images[i:i + 1], int(labels[i])) for i in range(len(labels))]


def run_ac(calibration, validation, fn, **kw):
    return qac.quantize_with_accuracy_control(
        CNN, qac.Dataset([calibration[0]]), qac.Dataset(items_of(*validation), lambda i: i[0]), fn,
        subset_size=32, advanced_quantization_parameters=FAST, **kw)


def test_missing_model_path(calibration):
    with pytest.raises(FileNotFoundError, match="no_such_model.onnx"):
        qac.quantize("no_such_model.onnx", qac.Dataset([calibration[0]]))


def test_not_a_model():
    with pytest.raises(ValueError, match="not an ONNX model"):
        qac.quantize(b"not a model", qac.Dataset([np.zeros((1, 1, 28, 28), np.float32)]))


def test_wrong_shape(calibration):
    with pytest.raises(ValueError, match=r"transform_fn.*shape \[4, 28, 28\]; the model takes \[\?, 1, 28, 28\]"):
        qac.quantize(CNN, qac.Dataset([calibration[0][:4, 0]]), advanced_parameters=FAST)


def test_wrong_inputs_in_dict_and_tuple(calibration):
    with pytest.raises(ValueError, match="transform_fn returned a dict with keys \\['x'\\]"):
        qac.quantize(CNN, qac.Dataset([calibration[0][:4]], lambda x: {"x": x}), advanced_parameters=FAST)
    with pytest.raises(ValueError, match="transform_fn returned 2 values"):
        qac.quantize(CNN, qac.Dataset([calibration[0][:4]], lambda x: (x, x)), advanced_parameters=FAST)
    with pytest.raises(ValueError, match="transform_fn returned str"):
        qac.quantize(CNN, qac.Dataset(["text"]), advanced_parameters=FAST)


def test_empty_dataset_and_one_shot_generator(calibration):
    with pytest.raises(ValueError, match="yielded no item"):
        qac.quantize(CNN, qac.Dataset([]), advanced_parameters=FAST)
    one_shot = (calibration[0][i:i + 1] for i in range(8))
    with pytest.raises(ValueError, match="generator function"):
        qac.quantize(CNN, qac.Dataset(one_shot), subset_size=8, advanced_parameters=FAST)


def test_transform_fn_exception_reaches_caller_with_traceback(calibration):
    def broken_transform(item):
        raise MyError("bad item")

    with pytest.raises(MyError, match="bad item") as info:
        qac.quantize(CNN, qac.Dataset([calibration[0]], broken_transform), advanced_parameters=FAST)
    assert "broken_transform" in "".join(traceback.format_tb(info.value.__traceback__))


def test_validation_fn_exception_reaches_caller(calibration, validation):
    def failing_validate(compiled_model, items):
        raise MyError("metric exploded")

    with pytest.raises(MyError, match="metric exploded") as info:
        run_ac(calibration, validation, failing_validate)
    assert "failing_validate" in "".join(traceback.format_tb(info.value.__traceback__))


@pytest.mark.parametrize("answer, message", [
    (float("nan"), "validation_fn 'bad' returned nan"),
    ("0.9", "validation_fn 'bad' returned str"),
    (None, "validation_fn 'bad' returned NoneType"),
    ((0.9, [1.0]), "validation_fn 'bad' returned 1 per-sample values for 64"),
    ((0.9, [float("nan")] * 64), "NaN or infinite per-sample"),
    ((0.9, 1, 2), "tuple of 3"),
])
def test_bad_validation_results(calibration, validation, answer, message):
    def bad(compiled_model, items):
        return answer

    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_ac(calibration, validation, bad)


def test_compiled_model_wrong_input(calibration, validation):
    def wrong(compiled_model, items):
        compiled_model(np.zeros((1, 3, 28, 28), np.float32))

    with pytest.raises(ValueError, match=r"compiled_model's input 'input' has shape \[1, 3, 28, 28\]"):
        run_ac(calibration, validation, wrong)


def test_bad_options(calibration, validation):
    with pytest.raises(ValueError, match="preset: 'fast' is not one of"):
        qac.quantize(CNN, qac.Dataset([calibration[0]]), preset="fast")
    with pytest.raises(TypeError, match="validation_fn must be"):
        run_ac(calibration, validation, 42)
    with pytest.raises(ValueError, match="unknown metric|not a built-in|unknown"):
        run_ac(calibration, validation, "top42")
    with pytest.raises(ValueError, match="needs labels|labels"):
        run_ac(calibration, validation, "top1")  # the dataset has no label_fn


def test_keyboard_interrupt_raised_in_validation_fn(calibration, validation):
    def interrupted(compiled_model, items):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ac(calibration, validation, interrupted)


def test_ctrl_c_while_cpp_runs_stops_promptly_and_writes_nothing(tmp_path, calibration):
    """SIGINT arrives while the engine works (GIL released): the run stops with
    KeyboardInterrupt within a batch or two, and no file is written."""
    images = calibration[0]

    def slow_items():  # many items: a run of several seconds
        for _ in range(2000):
            yield images[:16]

    calls = []

    def validate(compiled_model, items):
        calls.append(1)
        for x in items:
            compiled_model(x)
        return 1.0

    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    params = qac.AdvancedAccuracyRestorerParameters(intermediate_model_dir=str(tmp_path / "inter"))
    with pytest.raises(KeyboardInterrupt):
        qac.quantize_with_accuracy_control(
            CNN, qac.Dataset(slow_items), qac.Dataset(slow_items), validate, subset_size=32000,
            advanced_quantization_parameters=FAST, advanced_accuracy_restorer_parameters=params)
    elapsed = time.monotonic() - start
    timer.cancel()
    assert elapsed < 10.0
    assert not (tmp_path / "inter").exists()
