#!/usr/bin/env python3
"""The Python package's cost: accuracy control on the Fashion-MNIST ViT with a Python
validation_fn against the built-in top1 metric (same data, same options), and the per-call
overhead of compiled_model(x) against the C++ session.

    PYTHONPATH=build/python python3 bench/python_binding.py [ROUNDS]   (default 3)

Every run quantizes models/fashion_mnist_vit.onnx with 300 calibration samples, min/max ranges,
no kernel timing and no latency measurement, and max_drop 0.0005 on top-1 over the 1000
validation samples of scripts/fetch_assets.sh (plain INT8 loses 0.001 there, so the search
runs). The built-in run reads the .npy folder with the C++ top1 metric (batches of 16). The
Python runs read the data as (images, labels) items, of one sample each (as NNCF's examples'
DataLoader(batch_size=1) yields them) and of 16 samples (DataLoader(batch_size=16)), and score
with a validation_fn returning (accuracy, per-item accuracy). Each round runs the three in a
rotated order. It prints the wall times, each Python run's ratio to the built-in run (target
<= 1.3) and whether it reverted the same groups with the same metrics.

Per-call overhead: inside one validation_fn, compiled_model(x) on one sample timed against
handle.run (the C++ binding without the Python wrapper), on the first model lent (FP32), and the
C++ Session::run time of the same model given by `qac bench --batch 1 --threads 0` (the search's
sessions use every core).
"""

import os
import subprocess
import sys
import time

import numpy as np

import qac

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VIT = os.path.join(ROOT, "models", "fashion_mnist_vit.onnx")
DATA = os.path.join(ROOT, "assets", "data", "fmnist")
OPTIONS = dict(max_drop=0.0005, subset_size=300, return_report=True,
               advanced_quantization_parameters=qac.AdvancedQuantizationParameters(
                   activations_range_estimator=qac.RangeEstimator.MINMAX, kernel_timing=False,
                   measure_latency=False))
CALLS = 2000



def validate(compiled_model, items):
    per_item, correct, seen = [], 0, 0
    for x, y in items:
        hits = int(np.sum(np.argmax(compiled_model(x)[0], axis=1) == y))
        per_item.append(hits / len(y))
        correct, seen = correct + hits, seen + len(y)
    return correct / seen, per_item


def run_python(batch):
    calib = np.load(os.path.join(DATA, "calibration", "input.npy"))
    images = np.load(os.path.join(DATA, "validation", "input.npy"))
    labels = np.load(os.path.join(DATA, "validation", "labels.npy"))
    calibration = qac.Dataset([calib[i:i + batch] for i in range(0, len(calib), batch)])
    validation = qac.Dataset([(images[i:i + batch], labels[i:i + batch]) for i in range(0, len(labels), batch)],
                             lambda item: item[0])
    start = time.perf_counter()
    _, report = qac.quantize_with_accuracy_control(VIT, calibration, validation, validate, **OPTIONS)
    return time.perf_counter() - start, report


def run_builtin():
    start = time.perf_counter()
    _, report = qac.quantize_with_accuracy_control(VIT, qac.Dataset(os.path.join(DATA, "calibration")),
                                                   qac.Dataset(os.path.join(DATA, "validation")), "top1", **OPTIONS)
    return time.perf_counter() - start, report


def outcome(report):
    return (tuple(g.id for g in report.reverted_groups), report.fp32_metric, report.int8_metric, report.final_metric)


def per_call_overhead():
    x = np.load(os.path.join(DATA, "validation", "input.npy"))[:1].copy()
    timings = {}

    def measure(compiled_model, items):
        if timings:  # the first model lent (the FP32 one) only
            return 1.0
        for _ in range(200):  # warm-up
            compiled_model(x)
        start = time.perf_counter()
        for _ in range(CALLS):
            compiled_model(x)
        timings["compiled_model(x)"] = (time.perf_counter() - start) / CALLS
        handle = compiled_model._handle
        start = time.perf_counter()
        for _ in range(CALLS):
            handle.run([x])
        timings["handle.run([x])"] = (time.perf_counter() - start) / CALLS
        return 1.0

    calib = qac.Dataset([x])
    qac.quantize_with_accuracy_control(VIT, calib, qac.Dataset([x]), measure, max_drop=1.0, subset_size=1,
                                       advanced_quantization_parameters=OPTIONS["advanced_quantization_parameters"])
    out = subprocess.run([os.path.join(ROOT, "build", "qac"), "bench", VIT, "--data", os.path.join(DATA, "validation"),
                          "--batch", "1", "--threads", "0", "--runs", "500", "--warmup", "50"],
                         capture_output=True, text=True, check=True).stdout
    return timings, out


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    if not os.path.isdir(os.path.join(DATA, "validation")):
        print("Fashion-MNIST data absent (scripts/fetch_assets.sh)", file=sys.stderr)
        return 77
    runs = [("built-in top1", run_builtin), ("python, items of 1", lambda: run_python(1)),
            ("python, items of 16", lambda: run_python(16))]
    times = {name: [] for name, _ in runs}
    outcomes = {name: set() for name, _ in runs}
    for r in range(rounds):
        order = runs[r % len(runs):] + runs[:r % len(runs)]
        for name, fn in order:
            seconds, report = fn()
            times[name].append(seconds)
            outcomes[name].add(outcome(report))
            print(f"round {r}: {name} {seconds:.2f} s {outcome(report)}")
    builtin = float(np.median(times["built-in top1"]))
    all_same = True
    print(f"\naccuracy control, median of {rounds}: built-in top1 {builtin:.2f} s {sorted(outcomes['built-in top1'])}")
    for name, _ in runs[1:]:
        median = float(np.median(times[name]))
        same = outcomes[name] == outcomes["built-in top1"] and len(outcomes[name]) == 1
        all_same &= same
        print(f"{name}: {median:.2f} s, ratio {median / builtin:.2f}x (target <= 1.3x); "
              f"same reverted groups and metrics as the built-in run: {same}")
    timings, bench_out = per_call_overhead()
    for name, seconds in timings.items():
        print(f"{name}: {seconds * 1e6:.1f} us per call (batch 1, {CALLS} calls)")
    print("qac bench (C++ Session::run, batch 1, all cores):")
    print(bench_out)
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
