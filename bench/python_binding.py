#!/usr/bin/env python3
"""The Python package's cost: accuracy control on the Fashion-MNIST ViT with a Python
validation_fn against the built-in top1 metric (same data, same options), and the per-call
overhead of compiled_model(x) against the C++ session.

    PYTHONPATH=build/python python3 bench/python_binding.py [ROUNDS]   (default 2)

Both runs quantize models/fashion_mnist_vit.onnx with 300 calibration samples, min/max ranges,
no kernel timing and no latency measurement, and max_drop 0.0005 on top-1 over the 1000
validation samples of scripts/fetch_assets.sh (plain INT8 loses 0.001 there, so the search
runs). The Python run reads the data as (images, labels) items of 16 samples, as a
DataLoader(batch_size=16) yields them, and scores with a validation_fn returning (accuracy,
per-item accuracy); the built-in run reads the .npy folder with the C++ top1 metric (batches of
16 too). Rounds alternate the order. It prints both wall times, their ratio (target <= 1.3) and
whether both runs reverted the same groups with the same metrics; then the same Python run over
items of one sample each (one ONNX Runtime run per sample), for comparison.

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


BATCH = 16


def validate(compiled_model, items):
    per_item, correct, seen = [], 0, 0
    for x, y in items:
        hits = int(np.sum(np.argmax(compiled_model(x)[0], axis=1) == y))
        per_item.append(hits / len(y))
        correct, seen = correct + hits, seen + len(y)
    return correct / seen, per_item


def run_python(batch=BATCH):
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
    return ([g.id for g in report.reverted_groups], report.fp32_metric, report.int8_metric, report.final_metric)


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
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    if not os.path.isdir(os.path.join(DATA, "validation")):
        print("Fashion-MNIST data absent (scripts/fetch_assets.sh)", file=sys.stderr)
        return 77
    py_times, builtin_times, same = [], [], True
    for r in range(rounds):
        runs = [("python", run_python), ("builtin", run_builtin)]
        if r % 2:
            runs.reverse()
        results = {}
        for name, fn in runs:
            results[name] = fn()
        py_times.append(results["python"][0])
        builtin_times.append(results["builtin"][0])
        same &= outcome(results["python"][1]) == outcome(results["builtin"][1])
        print(f"round {r}: python {results['python'][0]:.2f} s, built-in {results['builtin'][0]:.2f} s; "
              f"python {outcome(results['python'][1])}, built-in {outcome(results['builtin'][1])}")
    py, builtin = float(np.median(py_times)), float(np.median(builtin_times))
    print(f"\naccuracy control, median of {rounds}: python validation_fn {py:.2f} s, built-in top1 {builtin:.2f} s, "
          f"ratio {py / builtin:.2f}x (target <= 1.3x); same reverted groups and metrics: {same}")
    single_time, single_report = run_python(batch=1)
    print(f"python validation_fn over items of one sample each: {single_time:.2f} s "
          f"({single_time / builtin:.2f}x the built-in median), {outcome(single_report)}")
    timings, bench_out = per_call_overhead()
    for name, seconds in timings.items():
        print(f"{name}: {seconds * 1e6:.1f} us per call (batch 1, {CALLS} calls)")
    print("qac bench (C++ Session::run, batch 1, all cores):")
    print(bench_out)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
