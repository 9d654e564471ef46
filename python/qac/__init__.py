"""qac: 8-bit post-training quantization of ONNX models with accuracy control, NNCF's API.

    import qac
    calibration_dataset = qac.Dataset(calibration_loader, transform_fn)
    validation_dataset = qac.Dataset(validation_loader, transform_fn)
    quantized = qac.quantize_with_accuracy_control(
        "model.onnx", calibration_dataset, validation_dataset, validate, max_drop=0.01)
    qac.save(quantized, "model.int8.onnx")

The engine is qac's C++ library: models run in ONNX Runtime with all optimizations (the int8
kernels you deploy). The GIL is released while it works and taken only to call your functions
(transform_fn, validation_fn, label_fn). Log lines go to logging.getLogger("qac"), progress bars
to stderr; Ctrl-C stops a run between batches with KeyboardInterrupt.
"""

import os

import onnx

from . import _qac
from ._dataset import Dataset
from ._options import (AdvancedAccuracyRestorerParameters, AdvancedQuantizationParameters, DropType, IgnoredScope,
                       ModelType, OverflowFix, QuantizationPreset, RangeEstimator, RestoreMode, TargetDevice,
                       quantization_options, restorer_options)
from ._report import Report
from ._validation import CompiledModel, ModelOutputs, Port

__version__ = _qac.version
__all__ = [
    "Dataset", "quantize", "quantize_with_accuracy_control", "save", "Metric", "builtin_metric_names",
    "IgnoredScope", "AdvancedQuantizationParameters", "AdvancedAccuracyRestorerParameters", "QuantizationPreset",
    "TargetDevice", "ModelType", "DropType", "RestoreMode", "OverflowFix", "RangeEstimator", "Report",
    "CompiledModel", "ModelOutputs", "Port",
]


class Metric:
    """A built-in metric by name, computed in C++ (no Python per sample): "top1", "top5",
    "topk:K", "ctc-exact", "ctc-cer" (labels from the dataset's label_fn, or labels.npy /
    labels.json of a folder), "agreement", "sqnr", "cosine", "nmse" (against the FP32 model).
    `dictionary`: the CTC dictionary file; `output_index`: which output(s) it reads (None: the
    metric's default, "all", "every" or an index). A plain string works where a Metric does."""

    def __init__(self, name, dictionary=None, output_index=None):
        self.name = str(name)
        self.dictionary = "" if dictionary is None else os.fspath(dictionary)
        if output_index is None:
            self.output_index = _qac.kDefaultOutput
        elif output_index == "all":
            self.output_index = _qac.kAllOutputs
        elif output_index == "every":
            self.output_index = _qac.kEveryOutput
        else:
            self.output_index = int(output_index)

    def __repr__(self):
        return f"qac.Metric({self.name!r})"


def builtin_metric_names():
    """The names qac.Metric accepts ("topk:K" stands for any K)."""
    return list(_qac.builtin_metric_names())


def _numpy_dtype_name(elem_type):
    """numpy's name of an ONNX element type (onnx 1.12 and later)."""
    if hasattr(onnx.helper, "tensor_dtype_to_np_dtype"):
        return onnx.helper.tensor_dtype_to_np_dtype(elem_type).name
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[elem_type].name


def _load_model(model):
    """(serialized bytes, label, [(input name, numpy dtype name, shape)]) of a path, bytes or
    onnx.ModelProto."""
    if isinstance(model, onnx.ModelProto):
        proto, data, label = model, model.SerializeToString(), model.graph.name or "model"
    elif isinstance(model, (bytes, bytearray, memoryview)):
        data, label = bytes(model), "model"
        try:
            proto = onnx.load_from_string(data)
        except Exception as e:  # noqa: BLE001 - protobuf raises its own DecodeError
            raise ValueError(f"the model bytes are not an ONNX model: {e}") from e
    elif isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"model file '{path}' does not exist")
        with open(path, "rb") as f:
            data = f.read()
        label = os.path.basename(path)
        try:
            proto = onnx.load_from_string(data)
        except Exception as e:  # noqa: BLE001
            raise ValueError(f"'{path}' is not an ONNX model: {e}") from e
    else:
        raise TypeError(f"model must be a path, bytes or an onnx.ModelProto, not {type(model).__name__}")
    initializers = {i.name for i in proto.graph.initializer}
    inputs = []
    for value in proto.graph.input:
        if value.name in initializers:
            continue
        tensor_type = value.type.tensor_type
        dtype = _numpy_dtype_name(tensor_type.elem_type)
        shape = [d.dim_value if d.HasField("dim_value") else -1 for d in tensor_type.shape.dim]
        inputs.append((value.name, dtype, shape))
    return data, label, inputs


def _check_dataset(dataset, role):
    if not isinstance(dataset, Dataset):
        raise TypeError(f"{role} must be a qac.Dataset, not {type(dataset).__name__}")


def quantize(model, calibration_dataset, *, preset=None, target_device=TargetDevice.HOST, subset_size=300,
             fast_bias_correction=True, model_type=None, ignored_scope=None, advanced_parameters=None,
             return_report=False):
    """Quantizes an FP32 ONNX model to an INT8 QDQ model (NNCF's nncf.quantize).

    model: a path, bytes or onnx.ModelProto. calibration_dataset: a qac.Dataset; its first
    `subset_size` samples give the activation statistics. preset, target_device, model_type,
    ignored_scope, fast_bias_correction, advanced_parameters: as in NNCF (see their classes).
    Returns an onnx.ModelProto, or (model, qac.Report) with return_report=True.
    Raises ValueError for bad input (naming the file, input or node), FileNotFoundError,
    KeyboardInterrupt on Ctrl-C, and any exception raised by transform_fn as it was raised.
    """
    _check_dataset(calibration_dataset, "calibration_dataset")
    data, label, inputs = _load_model(model)
    options = quantization_options(preset, target_device, subset_size, fast_bias_correction, model_type,
                                   ignored_scope, advanced_parameters)
    out, report = _qac.quantize(data, label, inputs, calibration_dataset, options)
    result = onnx.load_from_string(out)
    return (result, Report.from_json(report)) if return_report else result


def quantize_with_accuracy_control(model, calibration_dataset, validation_dataset, validation_fn, *, max_drop=0.01,
                                   drop_type=DropType.ABSOLUTE, preset=None, target_device=TargetDevice.HOST,
                                   subset_size=300, fast_bias_correction=True, model_type=None, ignored_scope=None,
                                   advanced_quantization_parameters=None, advanced_accuracy_restorer_parameters=None,
                                   return_report=False):
    """Quantizes with accuracy control (NNCF's nncf.quantize_with_accuracy_control): plain INT8
    first, then the quantizer groups that cost the most accuracy go back to float until the drop
    of `validation_fn` on `validation_dataset` is within `max_drop`.

    validation_fn(compiled_model, validation_data) -> float, or (float, per-sample values):
        compiled_model runs the candidate (see qac.CompiledModel); validation_data yields the
        validation items as the dataset's source yields them (raw items, transform_fn not
        applied). Per-sample values (one per item) let the search rank on subsets. Higher is
        better. Instead of a function, the name of a built-in metric ("top1", ...) or a
        qac.Metric runs entirely in C++.
    max_drop, drop_type: the budget (absolute: fp32 - int8; relative: / |fp32|).
    advanced_accuracy_restorer_parameters: qac.AdvancedAccuracyRestorerParameters.
    Other arguments as in quantize(). When no configuration meets the budget the best model
    found is returned and report.budget_met is False (a warning is logged).
    Returns an onnx.ModelProto, or (model, qac.Report) with return_report=True.
    Raises as quantize(); an exception raised by validation_fn reaches the caller as raised,
    and a NaN or a result of the wrong type is a ValueError naming the function.
    """
    _check_dataset(calibration_dataset, "calibration_dataset")
    _check_dataset(validation_dataset, "validation_dataset")
    data, label, inputs = _load_model(model)
    options = quantization_options(preset, target_device, subset_size, fast_bias_correction, model_type,
                                   ignored_scope, advanced_quantization_parameters)
    options.update(restorer_options(max_drop, drop_type, advanced_accuracy_restorer_parameters))
    metric, fn, fn_name = None, None, ""
    if isinstance(validation_fn, str):
        metric = Metric(validation_fn)
    elif isinstance(validation_fn, Metric):
        metric = validation_fn
    elif callable(validation_fn):
        fn, fn_name = validation_fn, getattr(validation_fn, "__name__", type(validation_fn).__name__)
    else:
        raise TypeError("validation_fn must be a function, a built-in metric name or a qac.Metric")
    out, report, summary = _qac.quantize_with_accuracy_control(data, label, inputs, calibration_dataset,
                                                               validation_dataset, fn, fn_name, metric, options)
    result = onnx.load_from_string(out)
    return (result, Report.from_json(report, summary)) if return_report else result


def save(model, path):
    """Writes a model (onnx.ModelProto or bytes) to `path` atomically: the file is either the
    complete model or untouched."""
    if isinstance(model, onnx.ModelProto):
        model = model.SerializeToString()
    if not isinstance(model, (bytes, bytearray)):
        raise TypeError(f"model must be an onnx.ModelProto or bytes, not {type(model).__name__}")
    _qac.save(bytes(model), os.fspath(path))
