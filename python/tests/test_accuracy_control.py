"""qac.quantize_with_accuracy_control with a Python validation_fn and with built-in metrics."""

import logging

import numpy as np
import onnx
import pytest
import torch

import qac
from conftest import CNN, FAST, top1


def items_of(images, labels):
    return [(images[i:i + 1], int(labels[i])) for i in range(len(labels))]


def test_python_validation_fn_with_per_sample_values(calibration, validation):
    calib = qac.Dataset([calibration[0][:32]])
    val = qac.Dataset(items_of(*validation), lambda item: item[0])
    seen = {"calls": 0, "compiled": None}

    def validate(compiled_model, items):
        seen["calls"] += 1
        seen["compiled"] = compiled_model
        assert [p.name for p in compiled_model.inputs] == ["input"]
        assert [p.name for p in compiled_model.outputs] == ["logits"]
        outputs = compiled_model(items[0][0] if isinstance(items, list) else next(iter(items))[0])
        assert outputs[0] is not None and np.array_equal(outputs[0], outputs["logits"])
        return top1(compiled_model, items)

    model, report = qac.quantize_with_accuracy_control(
        CNN, calib, val, validate, max_drop=0.5, subset_size=32, advanced_quantization_parameters=FAST,
        return_report=True)
    assert isinstance(model, onnx.ModelProto)
    assert report.budget_met
    assert report.metric == "validate"
    assert 0.5 < report.fp32_metric <= 1.0
    assert report.final_drop <= 0.5
    assert "final_drop_ci95" in report  # per-sample values give the bootstrap interval
    assert seen["calls"] >= 2  # FP32 and plain INT8 at least
    # The compiled model is lent for one evaluation only.
    with pytest.raises(RuntimeError, match="finished evaluation"):
        seen["compiled"](validation[0][:1])


def test_scalar_validation_fn_and_dataloader_batches(calibration, validation):
    images, labels = validation
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels)), batch_size=16)

    def accuracy(compiled_model, batches):
        hits = total = 0
        for x, y in batches:
            pred = np.argmax(compiled_model({"input": x})["logits"], axis=1)
            hits += int((pred == y.numpy()).sum())
            total += len(y)
        return hits / total

    options = dict(max_drop=0.5, subset_size=32, advanced_quantization_parameters=FAST, return_report=True)
    _, report = qac.quantize_with_accuracy_control(
        CNN, qac.Dataset([calibration[0]]), qac.Dataset(loader, lambda item: item[0]), accuracy, **options)
    assert report.budget_met
    assert "final_drop_ci95" not in report  # no per-sample values: no interval
    # The same batches scored by the built-in top1 (labels from label_fn) give the same values.
    _, builtin = qac.quantize_with_accuracy_control(
        CNN, qac.Dataset([calibration[0]]), qac.Dataset(loader, lambda item: item[0], label_fn=lambda item: item[1]),
        "top1", **options)
    assert report.fp32_metric == pytest.approx(builtin.fp32_metric, abs=1e-12)
    assert report.int8_metric == pytest.approx(builtin.int8_metric, abs=1e-12)


def test_builtin_metric_by_name_matches_python_function(calibration, validation):
    images, labels = validation
    calib = qac.Dataset([calibration[0]])
    by_name = qac.quantize_with_accuracy_control(
        CNN, calib, qac.Dataset(items_of(images, labels), lambda i: i[0], label_fn=lambda i: [i[1]]), "top1",
        max_drop=0.002, subset_size=32, advanced_quantization_parameters=FAST, return_report=True)
    by_fn = qac.quantize_with_accuracy_control(
        CNN, calib, qac.Dataset(items_of(images, labels), lambda i: i[0]), top1,
        max_drop=0.002, subset_size=32, advanced_quantization_parameters=FAST, return_report=True)
    assert by_name[1].metric == "top1"
    for field in ("fp32_metric", "int8_metric", "final_metric"):
        assert getattr(by_name[1], field) == pytest.approx(getattr(by_fn[1], field), abs=1e-12)
    assert [g.id for g in by_name[1].reverted_groups] == [g.id for g in by_fn[1].reverted_groups]


def test_log_lines_go_to_python_logging(calibration, validation, caplog):
    caplog.set_level(logging.INFO, logger="qac")
    qac.quantize_with_accuracy_control(
        CNN, qac.Dataset([calibration[0]]), qac.Dataset(items_of(*validation), lambda i: i[0]), top1,
        max_drop=0.5, subset_size=32, advanced_quantization_parameters=FAST)
    records = [r for r in caplog.records if r.name == "qac"]
    assert records, "no log line reached the 'qac' logger"
    assert all(r.levelno >= logging.INFO for r in records)


def test_items_of_one_sample_are_run_ahead_in_batches(calibration, validation, caplog):
    """compiled_model(x) on an item's own input is answered from a batched run of the items
    (the same numbers as the built-in metric's batches); any other input runs the model, and
    once the calls stop matching the items, batching ahead turns itself off."""
    caplog.set_level(logging.INFO, logger="qac")
    images, labels = validation
    calib = qac.Dataset([calibration[0]])
    options = dict(max_drop=0.002, subset_size=32, advanced_quantization_parameters=FAST, return_report=True)
    by_name = qac.quantize_with_accuracy_control(
        CNN, calib, qac.Dataset(items_of(images, labels), lambda i: i[0], label_fn=lambda i: [i[1]]), "top1",
        **options)[1]
    by_fn = qac.quantize_with_accuracy_control(CNN, calib, qac.Dataset(items_of(images, labels), lambda i: i[0]),
                                               top1, **options)[1]
    # The first evaluation (FP32) is always answered from batches; whether batching ahead stays
    # on afterwards is a measured decision (a loaded machine may find lone runs cheaper).
    decisions = [r.getMessage() for r in caplog.records if "ahead" in r.getMessage()]
    assert len(decisions) == 1, decisions
    assert ("validation items run ahead in batches of up to 16 samples" in decisions[0]
            or "ahead is off: reading an item and its share of a batched run take" in decisions[0]), decisions
    assert [g.id for g in by_fn.reverted_groups] == [g.id for g in by_name.reverted_groups]
    for field in ("fp32_metric", "int8_metric", "final_metric"):
        assert getattr(by_fn, field) == getattr(by_name, field)

    caplog.clear()

    def shifted_top1(compiled_model, items):  # feeds inputs no item has: every call runs the model
        return top1(compiled_model, [(image + np.float32(1e-3), label) for image, label in items])

    shifted = qac.quantize_with_accuracy_control(CNN, calib, qac.Dataset(items_of(images, labels), lambda i: i[0]),
                                                 shifted_top1, **options)[1]
    off = [r.getMessage() for r in caplog.records if "batching the validation items ahead is off" in r.getMessage()]
    assert off and "does not feed what transform_fn gives" in off[0]
    assert 0.5 < shifted.fp32_metric <= 1.0


def test_restorer_parameters_and_relative_drop(tmp_path, calibration, validation):
    params = qac.AdvancedAccuracyRestorerParameters(max_num_iterations=1, ranking_subset_size=16,
                                                    restore_mode=qac.RestoreMode.ONLY_ACTIVATIONS,
                                                    intermediate_model_dir=str(tmp_path))
    _, report = qac.quantize_with_accuracy_control(
        CNN, qac.Dataset([calibration[0]]), qac.Dataset(items_of(*validation), lambda i: i[0]), top1,
        max_drop=0.0, drop_type=qac.DropType.RELATIVE, subset_size=32, advanced_quantization_parameters=FAST,
        advanced_accuracy_restorer_parameters=params, return_report=True)
    assert report.drop_type == "relative"
    assert report.options.restore_mode == "only_activations"
    assert report.options.ranking_subset_size == 16
    assert len(report.reverted_groups) <= 1
    assert any(p.name.endswith(".fully_quantized.onnx") for p in tmp_path.iterdir())


def test_cache_dir_answers_a_repeated_run_from_disk(tmp_path, calibration, validation):
    params = qac.AdvancedQuantizationParameters(kernel_timing=False, measure_latency=False,
                                                cache_dir=str(tmp_path / "cache"))
    calls = {"n": 0}

    def counted_top1(compiled_model, items):
        calls["n"] += 1
        return top1(compiled_model, items)

    def run():
        return qac.quantize_with_accuracy_control(
            CNN, qac.Dataset([calibration[0][:32]]), qac.Dataset(items_of(*validation), lambda i: i[0]),
            counted_top1, max_drop=0.002, subset_size=32, advanced_quantization_parameters=params,
            return_report=True)

    first_model, first = run()
    first_calls = calls["n"]
    assert first.cached_answers == 0 and first_calls >= 2
    second_model, second = run()
    # Every answer comes from the cache: the function is not called again.
    assert second.cached_answers >= first.evaluations
    assert calls["n"] == first_calls
    assert second_model.SerializeToString() == first_model.SerializeToString()
    assert [g.id for g in second.reverted_groups] == [g.id for g in first.reverted_groups]
