"""Shared fixtures: the committed Fashion-MNIST models and the data sets of
scripts/fetch_assets.sh (tests that need them skip when they are absent)."""

import os

import numpy as np
import pytest

SOURCE_DIR = os.environ.get("QAC_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CNN = os.path.join(SOURCE_DIR, "models", "fashion_mnist_cnn.onnx")
VIT = os.path.join(SOURCE_DIR, "models", "fashion_mnist_vit.onnx")
FMNIST = os.path.join(SOURCE_DIR, "assets", "data", "fmnist")

# Fast settings: no kernel timing, no latency measurement.
import qac  # noqa: E402

FAST = qac.AdvancedQuantizationParameters(kernel_timing=False, measure_latency=False)


def _load(split, count):
    folder = os.path.join(FMNIST, split)
    if not os.path.isfile(os.path.join(folder, "input.npy")):
        pytest.skip(f"{folder} is absent (scripts/fetch_assets.sh)")
    images = np.load(os.path.join(folder, "input.npy"), mmap_mode="r")[:count]
    labels = np.load(os.path.join(folder, "labels.npy"))[:count]
    return np.array(images), labels


@pytest.fixture(scope="session")
def calibration():
    """32 calibration images [32, 1, 28, 28] float32 and their labels."""
    return _load("calibration", 32)


@pytest.fixture(scope="session")
def validation():
    """64 validation images and labels."""
    return _load("validation", 64)


def top1(compiled_model, items):
    """A validation_fn over (image [1,1,28,28], label) items: accuracy and per-item correctness."""
    correct = []
    for image, label in items:
        logits = compiled_model(image)[0]
        correct.append(float(np.argmax(logits, axis=1)[0] == label))
    return float(np.mean(correct)), correct
