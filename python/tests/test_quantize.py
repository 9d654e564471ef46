"""qac.quantize: datasets from lists, generators and DataLoaders; array, tuple and dict inputs;
lazy reading; model forms; the report."""

import os

import numpy as np
import onnx
import pytest
import torch

import qac
from conftest import CNN, FAST


def quantized_ops(model):
    return sum(1 for n in model.graph.node if n.op_type == "QuantizeLinear")


def test_list_of_single_samples(calibration):
    images, _ = calibration
    items = [images[i:i + 1] for i in range(len(images))]
    model, report = qac.quantize(CNN, qac.Dataset(items), subset_size=16, advanced_parameters=FAST,
                                 return_report=True)
    assert isinstance(model, onnx.ModelProto)
    assert quantized_ops(model) > 0
    assert report.calibration_samples == 16
    assert report.options.subset_size == 16


@pytest.mark.parametrize("form", ["array", "tuple", "list", "dict", "torch"])
def test_transform_fn_forms(calibration, form):
    images, _ = calibration
    wrap = {
        "array": lambda x: x,
        "tuple": lambda x: (x,),
        "list": lambda x: [x],
        "dict": lambda x: {"input": x},
        "torch": torch.from_numpy,
    }[form]
    items = [(images[i:i + 4], i) for i in range(0, 16, 4)]
    model = qac.quantize(CNN, qac.Dataset(items, lambda item: wrap(item[0])), subset_size=16,
                         advanced_parameters=FAST)
    assert quantized_ops(model) > 0


def test_same_model_whatever_the_item_size(calibration):
    """subset_size counts samples: items of 1, of 5 and one of 16 give the same model."""
    images, _ = calibration
    results = []
    for size in (1, 5, 16):
        items = [images[i:i + size] for i in range(0, 16, size)]
        results.append(qac.quantize(CNN, qac.Dataset(items), subset_size=16, advanced_parameters=FAST)
                       .SerializeToString())
    assert results[0] == results[1] == results[2]


def test_items_pulled_lazily_up_to_subset_size(calibration):
    images, _ = calibration
    pulled = []

    def generate():
        for i in range(0, 32, 4):
            pulled.append(i)
            yield images[i:i + 4]

    qac.quantize(CNN, qac.Dataset(generate), subset_size=8, advanced_parameters=FAST)
    # Items of 4 samples: the first two cover subset_size, and nothing beyond them is read.
    assert max(pulled) == 4


def test_dataloader(calibration):
    images, labels = calibration
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels)), batch_size=8)
    model = qac.quantize(CNN, qac.Dataset(loader, lambda item: item[0]), subset_size=32, advanced_parameters=FAST)
    assert quantized_ops(model) > 0


def test_model_as_bytes_and_proto_and_float64_inputs(calibration):
    images, _ = calibration
    data = qac.Dataset([images[:8].astype(np.float64)])  # float64 is converted to the model's float32
    from_path = qac.quantize(CNN, data, subset_size=8, advanced_parameters=FAST).SerializeToString()
    with open(CNN, "rb") as f:
        raw = f.read()
    assert qac.quantize(raw, data, subset_size=8, advanced_parameters=FAST).SerializeToString() == from_path
    assert qac.quantize(onnx.load(CNN), data, subset_size=8,
                        advanced_parameters=FAST).SerializeToString() == from_path


def test_ignored_scope(calibration):
    images, _ = calibration
    data = qac.Dataset([images[:8]])
    model, report = qac.quantize(CNN, data, subset_size=8, advanced_parameters=FAST,
                                 ignored_scope=qac.IgnoredScope(types=["Gemm"]), return_report=True)
    assert "Gemm" not in report.quantized_ops_per_type.to_dict()


def test_save_is_atomic_and_round_trips(tmp_path, calibration):
    images, _ = calibration
    model = qac.quantize(CNN, qac.Dataset([images[:8]]), subset_size=8, advanced_parameters=FAST)
    path = tmp_path / "m.onnx"
    qac.save(model, path)
    assert onnx.load(str(path)).SerializeToString() == model.SerializeToString()
    with pytest.raises(ValueError, match="folder|directory"):
        qac.save(model, tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["m.onnx"]


def test_help_and_docstrings():
    assert "max_drop" in qac.quantize_with_accuracy_control.__doc__
    assert "transform_fn" in qac.Dataset.__doc__
    assert "validation_fn" in qac.__doc__ or "validation" in qac.__doc__
    assert "top1" in qac.builtin_metric_names()
