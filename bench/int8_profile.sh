#!/usr/bin/env bash
# Where the time goes on the models whose int8 kernels do not pay in ONNX Runtime, or pay for only
# part of their convolutions (PP-OCRv4 det and rec: int8 coverage under 90%): ONNX Runtime's
# own profiler (`qac bench --profile`) on the FP32 model, on the model with every node unit in
# int8 (`--no-kernel-timing`) and on qac's default output, side by side.
#
#   bash bench/int8_profile.sh [QAC_BINARY]      (after scripts/setup.sh, build.sh, fetch_assets.sh)
#
# Writes bench/int8_profile.md; models go to bench/out/int8_profile/ (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qac="${1:-$here/build/qac}"
out="$here/bench/out/int8_profile"
mkdir -p "$out"
M="$here/assets/models"
D="$here/assets/data"
# Microsoft's ONNX Runtime 1.30 (scripts/fetch_ort130.sh), for the model whose 1.30 figure is the closest
bash "$here/scripts/fetch_ort130.sh" >/dev/null
ort130_libdir="$here/third_party/onnxruntime-1.30/compat-1.29"
# name | FP32 model | calibration | bench data | extra quantize flags
cases=(
  "ocr_cls|$M/ocr/cls.onnx|$D/ocr_cls/calibration|$D/ocr_cls/validation|"
  "ocr_det|$M/ocr/det.onnx|$D/ocr_det/calibration|$D/ocr_det/validation|"
  "ocr_rec|$M/ocr/rec.onnx|$D/ocr/calibration|$D/ocr/validation|"
  "fmnist_cnn|$here/models/fashion_mnist_cnn.onnx|$D/fmnist/calibration|$D/fmnist/validation|"
  "fmnist_vit|$here/models/fashion_mnist_vit.onnx|$D/fmnist/calibration|$D/fmnist/validation|--model-type transformer"
  "blazeface|$M/extra/blazeface.onnx|$D/extra/blazeface/calibration|$D/extra/blazeface/validation|"
)
commit="$(git -C "$here" rev-parse --short HEAD)"
{
  echo "# Where the time goes when int8 does not pay"
  echo
  echo "Command: \`bash bench/int8_profile.sh\` (commit $commit). For each model: FP32, every node unit in int8"
  echo "(\`qac quantize --no-kernel-timing\`) and the default output (kernel timing), timed by"
  echo "\`qac bench FP32 ALL DEFAULT --data VAL --threads 1 --batch 1 --runs 30 --profile\`: median latency, then"
  echo "ONNX Runtime's profiler, time per op type summed over the nodes of the optimized graph it ran (each node's"
  echo "median of 5 profiled runs; the profiler adds a little time per node)."
  echo
} >"$here/bench/int8_profile.md"
for c in "${cases[@]}"; do
  IFS='|' read -r name fp32 calib data flags <<<"$c"
  # shellcheck disable=SC2086
  "$qac" quantize "$fp32" --calibration "$calib" -o "$out/$name.all_units.onnx" --no-kernel-timing --no-latency -q $flags >/dev/null
  # shellcheck disable=SC2086
  "$qac" quantize "$fp32" --calibration "$calib" -o "$out/$name.default.onnx" --no-latency -q $flags \
    --report "$out/$name.default.json" >/dev/null
  {
    echo "## $name"
    echo
    echo '```'
    "$qac" bench "$fp32" "$out/$name.all_units.onnx" "$out/$name.default.onnx" --data "$data" --threads 1 --batch 1 \
      --runs 30 --profile 2>&1 | sed "s|$here/||g"
    echo '```'
    echo
    echo "Kernel timing's decisions in the default output (its report):"
    echo
    /usr/bin/python3 -c 'import json, sys
for d in json.load(open(sys.argv[1]))["decisions"]:
    if "stays float" in d or d.startswith("kernel timing"):
        print("- " + d)' "$out/$name.default.json"
    echo
  } >>"$here/bench/int8_profile.md"
  echo "[int8_profile] $name done" >&2
done
{
  echo "## blazeface on ONNX Runtime 1.30"
  echo
  echo "The same FP32 and default models, run by Microsoft's ONNX Runtime 1.30 (\`LD_LIBRARY_PATH=$(sed "s|$here/||" <<<"$ort130_libdir")\`)."
  echo
  echo '```'
  env "LD_LIBRARY_PATH=$ort130_libdir" "$qac" bench "$M/extra/blazeface.onnx" "$out/blazeface.default.onnx" \
    --data "$D/extra/blazeface/validation" --threads 1 --batch 1 --runs 30 --profile 2>&1 | sed "s|$here/||g"
  echo '```'
  echo
} >>"$here/bench/int8_profile.md"
echo "[int8_profile] blazeface on ONNX Runtime 1.30 done" >&2
if [ -f "$here/bench/int8_profile_notes.md" ]; then cat "$here/bench/int8_profile_notes.md" >>"$here/bench/int8_profile.md"; fi
echo "[int8_profile] wrote $here/bench/int8_profile.md" >&2
