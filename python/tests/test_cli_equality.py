"""Same data, same options: qac.quantize_with_accuracy_control with a Python validation_fn and
`qac quantize` with the built-in top1 metric revert the same groups, measure the same metrics and
write the same model."""

import json
import os
import subprocess

import numpy as np
import onnx
import pytest

import qac
from conftest import FMNIST, VIT

CLI = os.environ.get("QAC_CLI", "")
MINMAX = qac.AdvancedQuantizationParameters(activations_range_estimator=qac.RangeEstimator.MINMAX,
                                            kernel_timing=False, measure_latency=False)
# Min/max ranges: plain INT8 loses 0.001 top-1 on this set, so the budget needs reverted groups.
MAX_DROP = 0.0005
SUBSET = 300


def validate(compiled_model, items):
    correct = [float(np.argmax(compiled_model(x)[0], axis=1)[0] == y) for x, y in items]
    return float(np.mean(correct)), correct


@pytest.mark.skipif(not os.path.isfile(CLI), reason="QAC_CLI (the built qac tool) is not set")
def test_python_validation_fn_equals_cli(tmp_path):
    calib_dir, val_dir = os.path.join(FMNIST, "calibration"), os.path.join(FMNIST, "validation")
    if not os.path.isdir(val_dir):
        pytest.skip("Fashion-MNIST data absent (scripts/fetch_assets.sh)")
    out, report_path = tmp_path / "cli.onnx", tmp_path / "cli.json"
    subprocess.run([CLI, "quantize", VIT, "--calibration", calib_dir, "--validation", val_dir, "--metric", "top1",
                    "--max-drop", str(MAX_DROP), "--subset-size", str(SUBSET), "--estimator", "minmax", "--no-kernel-timing", "--no-latency",
                    "-o", str(out), "--report", str(report_path), "-q"], check=True)
    cli = json.loads(report_path.read_text())

    calib = np.load(os.path.join(calib_dir, "input.npy"))
    images = np.load(os.path.join(val_dir, "input.npy"))
    labels = np.load(os.path.join(val_dir, "labels.npy"))
    model, py = qac.quantize_with_accuracy_control(
        VIT, qac.Dataset([calib[i:i + 1] for i in range(len(calib))]),
        qac.Dataset([(images[i:i + 1], int(labels[i])) for i in range(len(labels))], lambda item: item[0]),
        validate, max_drop=MAX_DROP, subset_size=SUBSET, advanced_quantization_parameters=MINMAX,
        return_report=True)

    assert py.int8_drop > MAX_DROP, "plain INT8 meets the budget: the comparison shows nothing"
    assert py.budget_met == cli["budget_met"]
    for field in ("fp32_metric", "int8_metric", "final_metric", "final_drop"):
        assert getattr(py, field) == pytest.approx(cli[field], abs=1e-12), field
    assert [(g.id, g.nodes) for g in py.reverted_groups] == [(g["id"], g["nodes"]) for g in cli["reverted_groups"]]
    assert model.SerializeToString() == onnx.load(str(out)).SerializeToString()
