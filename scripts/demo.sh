#!/usr/bin/env bash
# Sets everything up and runs the main job on the built-in example: quantizes the Fashion-MNIST
# CNN (models/fashion_mnist_cnn.onnx) with 300 calibration images and compares FP32 and INT8
# top-1 accuracy on the 10,000-image test set with ONNX Runtime's int8 kernels.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
bash "$here/scripts/build.sh"
bash "$here/scripts/fetch_assets.sh"
qac="$here/build/qac"
data="$here/assets/data/fmnist"
out="$here/out"
mkdir -p "$out"
"$qac" quantize "$here/models/fashion_mnist_cnn.onnx" --calibration "$data/calibration" \
  -o "$out/fashion_mnist_cnn.int8.onnx" --report "$out/fashion_mnist_cnn.report.json"
echo "FP32:"; "$qac" eval "$here/models/fashion_mnist_cnn.onnx" --data "$data/test" --metric top1
echo "INT8:"; "$qac" eval "$out/fashion_mnist_cnn.int8.onnx" --data "$data/test" --metric top1
