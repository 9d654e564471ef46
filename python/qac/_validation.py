"""What validation_fn receives (CompiledModel) and how its answer is read."""

import math
import numbers

import numpy as np

from ._dataset import to_input_arrays

__all__ = ["CompiledModel", "ModelOutputs", "Port", "parse_validation_result"]


class Port:
    """An input or output of a compiled model: ``name``, ``dtype`` (numpy name), ``shape``
    (-1 for free dimensions)."""

    __slots__ = ("name", "dtype", "shape", "index")

    def __init__(self, name, dtype, shape, index):
        self.name, self.dtype, self.shape, self.index = name, dtype, list(shape), index

    def get_any_name(self):
        """The port's name (OpenVINO's spelling)."""
        return self.name

    def __repr__(self):
        return f"Port({self.name!r}, {self.dtype}, {self.shape})"


class ModelOutputs:
    """The outputs of one run: ``outputs[0]``, ``outputs["logits"]``, ``outputs[port]``,
    ``len(outputs)``, iteration over the arrays in output order, ``keys()``/``values()``/
    ``items()``, ``to_dict()``."""

    __slots__ = ("_ports", "_arrays")

    def __init__(self, ports, arrays):
        self._ports, self._arrays = ports, arrays

    def __getitem__(self, key):
        if isinstance(key, Port):
            key = key.name
        if isinstance(key, str):
            for port, array in zip(self._ports, self._arrays):
                if port.name == key:
                    return array
            raise KeyError(f"the model has no output '{key}'; outputs: {[p.name for p in self._ports]}")
        return self._arrays[key]

    def __len__(self):
        return len(self._arrays)

    def __iter__(self):
        return iter(self._arrays)

    def keys(self):
        return [p.name for p in self._ports]

    def values(self):
        return list(self._arrays)

    def items(self):
        return list(zip(self.keys(), self._arrays))

    def to_dict(self):
        return dict(self.items())

    def __repr__(self):
        return "ModelOutputs(" + ", ".join(f"{p.name}: {a.shape}" for p, a in zip(self._ports, self._arrays)) + ")"


class CompiledModel:
    """A candidate model, run on the ONNX Runtime session qac scores with (all optimizations,
    int8 kernels). Call it with the model inputs of one batch in any form transform_fn may
    return (one array, a tuple/list in input order, a dict by name; numpy or torch) and get a
    ModelOutputs. Valid only inside the validation_fn call that received it."""

    def __init__(self, handle):
        self._handle = handle
        self.inputs = [Port(n, d, s, i) for i, (n, d, s) in enumerate(handle.inputs())]
        self.outputs = [Port(n, d, s, i) for i, (n, d, s) in enumerate(handle.outputs())]
        self._names = [p.name for p in self.inputs]
        self._dtypes = [p.dtype for p in self.inputs]

    def input(self, index=0):
        """The input port at `index` (a position or a name)."""
        return _port(self.inputs, index)

    def output(self, index=0):
        """The output port at `index` (a position or a name)."""
        return _port(self.outputs, index)

    def __call__(self, inputs):
        arrays = to_input_arrays(inputs, self._names, self._dtypes, "compiled_model")
        return ModelOutputs(self.outputs, self._handle.run(arrays))

    def __repr__(self):
        return f"CompiledModel(inputs={self.inputs}, outputs={self.outputs})"


def _port(ports, index):
    if isinstance(index, str):
        for p in ports:
            if p.name == index:
                return p
        raise KeyError(index)
    return ports[index]


def _finite_number(value, fn_name, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)) and not (
            isinstance(value, np.ndarray) and value.ndim == 0):
        raise ValueError(f"validation_fn '{fn_name}' returned {type(value).__name__} as {what}; "
                         "it must return a float, or (float, per-sample values)")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"validation_fn '{fn_name}' returned {value} as {what}; it must be a finite number")
    return value


def parse_validation_result(result, fn_name, items):
    """(metric, per-sample list or None) from validation_fn's answer; ValueError naming the
    function for anything else, a NaN, or a per-sample list whose length is not `items`."""
    per_sample = None
    if isinstance(result, tuple):
        if len(result) != 2:
            raise ValueError(f"validation_fn '{fn_name}' returned a tuple of {len(result)}; it must return a "
                             "float, or (float, per-sample values)")
        result, per_sample = result
    value = _finite_number(result, fn_name, "the metric")
    if per_sample is not None:
        if isinstance(per_sample, (str, bytes)):
            raise ValueError(f"validation_fn '{fn_name}' returned a string as per-sample values")
        try:
            values = np.asarray(per_sample, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as e:
            raise ValueError(f"validation_fn '{fn_name}' returned per-sample values that are not numbers") from e
        if values.size != items:
            raise ValueError(f"validation_fn '{fn_name}' returned {values.size} per-sample values for {items} "
                             "validation items (one value per item)")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"validation_fn '{fn_name}' returned a NaN or infinite per-sample value")
        per_sample = values.tolist()
    return value, per_sample
