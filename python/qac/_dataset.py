"""qac.Dataset: NNCF's dataset wrapper over any iterable, read lazily."""

import os

import numpy as np

__all__ = ["Dataset"]


def _to_numpy(value):
    """A numpy view of a numpy array or a torch tensor (no copy for CPU tensors)."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch.Tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


def to_input_arrays(value, names, dtypes, who):
    """The model inputs in `value` as C-contiguous arrays, in the order of `names`.

    `value` is a single array (a model with one input), a tuple or list in input order, or a
    dict by input name; arrays are numpy arrays or torch tensors. Floating arrays are converted
    to the model's floating type (float64 numpy defaults to float32 models). `who` names the
    function that produced `value` in messages.
    """
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        extra = [k for k in value if k not in names]
        if missing or extra:
            raise ValueError(f"{who} returned a dict with keys {sorted(map(str, value))}; the model takes "
                             f"inputs {list(names)}")
        values = [value[n] for n in names]
    elif isinstance(value, (tuple, list)):
        if len(value) != len(names):
            raise ValueError(f"{who} returned {len(value)} values; the model takes {len(names)} inputs {list(names)}")
        values = list(value)
    else:
        if len(names) != 1:
            raise ValueError(f"{who} returned one value; the model takes {len(names)} inputs {list(names)}: "
                             "return a tuple in input order or a dict by name")
        values = [value]
    arrays = []
    for name, dtype, v in zip(names, dtypes, values):
        try:
            a = _to_numpy(v)
        except Exception as e:  # noqa: BLE001 - the message names the culprit
            raise ValueError(f"{who} returned {type(v).__name__} for input '{name}', not an array") from e
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{who} returned {type(v).__name__} of dtype {a.dtype} for input '{name}'; "
                             f"the model takes {dtype}")
        if a.dtype != np.dtype(dtype):
            if a.dtype.kind == "f" and np.dtype(dtype).kind == "f":
                a = a.astype(dtype)
            else:
                raise ValueError(f"{who} returned dtype {a.dtype} for input '{name}'; the model takes {dtype}")
        arrays.append(a if a.flags.c_contiguous else a.copy(order="C"))  # keeps 0-d arrays 0-d
    return arrays


class Dataset:
    """The data of a quantization run, as in NNCF: ``qac.Dataset(data_source, transform_fn)``.

    data_source: any iterable that yields the same items in the same order on every pass (a
        ``torch.utils.data.DataLoader`` without shuffling, a list, ...), or a function without
        arguments that returns a fresh iterator (a generator function). A generator object can
        be read once only and is refused at the second pass. A ``str`` or ``os.PathLike`` is a
        folder of ``<input>.npy`` files (and labels.npy / labels.json), read by qac itself.
    transform_fn(item): the model input(s) of one item, batch axis first as the model takes it:
        one array, a tuple/list in input order, or a dict by input name (numpy arrays or torch
        tensors). None: the item is the input(s) itself.
    label_fn(item): optional, the labels of the item's samples (class ids or strings); only the
        built-in label metrics (top1, ctc-exact ...) need them.

    Items are pulled lazily and never all held in memory: qac makes one pass to count samples
    (up to ``subset_size`` for calibration) and reads again as it needs.
    """

    def __init__(self, data_source, transform_fn=None, label_fn=None):
        self.data_source = data_source
        self.transform_fn = transform_fn
        self.label_fn = label_fn
        self._folder = os.fspath(data_source) if isinstance(data_source, (str, os.PathLike)) else None

    def get_data(self, indices=None):
        """The raw items (all, or those at the sorted `indices`), as the source yields them."""
        return self._items(indices)

    def get_inference_data(self, indices=None):
        """The transformed items (all, or those at the sorted `indices`)."""
        transform = self.transform_fn or (lambda x: x)
        return (transform(item) for item in self._items(indices))

    def __repr__(self):
        return f"qac.Dataset({self.data_source!r}, transform_fn={self.transform_fn!r})"

    # -- used by the engine ------------------------------------------------------------------
    def _fresh_iterator(self):
        source = self.data_source
        if self._folder is not None:
            raise ValueError("a folder dataset has no Python items")
        if callable(source) and not hasattr(source, "__iter__"):
            return iter(source())
        if iter(source) is source:  # a one-shot iterator (generator object)
            if getattr(self, "_iterated", False):
                raise ValueError("the dataset's data_source is an iterator (e.g. a generator object) that was "
                                 "already read; qac reads the data several times: pass a list, a DataLoader "
                                 "or the generator function itself")
            self._iterated = True
        return iter(source)

    def _items(self, indices):
        if indices is None:
            source = self.data_source
            if callable(source) and not hasattr(source, "__iter__"):
                return source()
            if iter(source) is not source:
                return source  # re-iterable: handed over as it is (NNCF does the same)
            return self._fresh_iterator()
        wanted = list(indices)
        return _select(self._fresh_iterator(), wanted)

    def _model_inputs(self, item, names, dtypes):
        value = self.transform_fn(item) if self.transform_fn is not None else item
        return to_input_arrays(value, names, dtypes, "transform_fn")

    def _labels(self, item, samples):
        labels = self.label_fn(item)
        labels = labels.tolist() if hasattr(labels, "tolist") else list(labels)
        if len(labels) != samples:
            raise ValueError(f"label_fn returned {len(labels)} labels for an item of {samples} samples")
        return labels


def _select(iterator, wanted):
    """The items of `iterator` at the sorted positions `wanted`."""
    position = 0
    for target in wanted:
        for item in iterator:
            if position == target:
                position += 1
                yield item
                break
            position += 1
        else:
            return
