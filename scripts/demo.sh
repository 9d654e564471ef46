#!/usr/bin/env bash
# Sets everything up and runs the main job on the built-in example: the PP-OCRv4 text
# recognizer (from npm) on rendered words. qac quantizes with accuracy control (--max-drop 0.01
# on exact-match accuracy): kernel timing keeps in float the convolutions whose int8 kernel does
# not pay on this CPU, the search returns to float what still costs accuracy, and the summary
# gives FP32, plain INT8 and final latency. Every model is then scored on a third, held-out set
# of words with ONNX Runtime's int8 kernels.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
bash "$here/scripts/build.sh"
bash "$here/scripts/fetch_assets.sh"
qac="$here/build/qac"
model="$here/assets/models/ocr/rec.onnx"
dict="$here/assets/models/ocr/ppocr_keys_v1.txt"
data="$here/assets/data/ocr"
out="$here/out"
mkdir -p "$out"
"$qac" quantize "$model" --calibration "$data/calibration" \
  --validation "$data/validation" --metric ctc-exact --dictionary "$dict" --max-drop 0.01 \
  --intermediate-dir "$out" -o "$out/rec.int8.onnx" --report "$out/rec.report.json" --html "$out/rec.report.html"
echo
echo "Held-out words (not used for calibration or validation), exact match:"
for m in "$model" "$out/rec.fully_quantized.onnx" "$out/rec.int8.onnx"; do
  "$qac" eval "$m" --data "$data/holdout" --metric ctc-exact --dictionary "$dict" -q
done
echo "(FP32, plain INT8, INT8 with accuracy control; report: $out/rec.report.json, page: $out/rec.report.html)"
