#!/usr/bin/env bash
# Calibration cost benchmark: statistics time against an FP32 pass over the same samples, and
# peak memory against the number of calibration samples, on the project's real models.
#
#   bash bench/calibration.sh [BUILD_DIR]      (default: build)
#
# Runs BUILD_DIR/bench/bench_calibration (see bench/bench_calibration.cc for its rows) on the
# Fashion-MNIST CNN, the Fashion-MNIST ViT (as a transformer: SmoothQuant on) and PP-OCRv4 rec,
# with 100 and 300 calibration samples, then the peak RSS of a whole `qac quantize` at 100 and
# 300 samples. Needs the assets of scripts/fetch_assets.sh. Prints Markdown.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_arg="${1:-build}"
case "$build_arg" in /*) BUILD="$build_arg" ;; *) BUILD="$here/$build_arg" ;; esac
BENCH="$BUILD/bench/bench_calibration"
QAC="$BUILD/qac"
for f in "$BENCH" "$QAC"; do
  [ -x "$f" ] || { echo "calibration: $f missing (build with scripts/build.sh first)" >&2; exit 1; }
done
cd "$here"

echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | samples | FP32 pass ms | statistics ms (qac, in-graph) | ratio | fetched whole ms | ratio | with histograms ms | ratio | calibrate() incl. SmoothQuant ms | ratio | bench peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
run_case() {  # name model data repeats extra-args...
  local name=$1 model=$2 data=$3 repeats=$4
  shift 4
  for n in 100 300; do
    local out
    out=$("$BENCH" --model "$model" --data "$data" --samples "$n" --repeats "$repeats" "$@")
    # Medians: columns 'median ms' and 'ratio' of each row.
    awk -v name="$name" -v n="$n" '
      /^\(a\)/ { a = $(NF-2) }
      /^\(b\)/ { b = $(NF-4); br = $(NF-3) }
      /^\(c\)/ { c = $(NF-4); cr = $(NF-3) }
      /^\(d\)/ { d = $(NF-4); dr = $(NF-3) }
      /^\(e\)/ { e = $(NF-4); er = $(NF-3) }
      /^peak RSS/ { rss = $3 }
      END { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, n, a, b, br, c, cr, d, dr, e, er, rss }' <<<"$out"
  done
}
run_case "Fashion-MNIST CNN" models/fashion_mnist_cnn.onnx assets/data/fmnist/calibration 15
run_case "Fashion-MNIST ViT (transformer)" models/fashion_mnist_vit.onnx assets/data/fmnist/calibration 15 --model-type transformer
run_case "PP-OCRv4 rec" assets/models/ocr/rec.onnx assets/data/ocr/calibration 3

echo
echo "Peak RSS of a whole \`qac quantize\` (GNU time, KiB -> MiB):"
echo
echo "| model | --subset-size 100 | --subset-size 300 |"
echo "|---|---|---|"
peak() {  # model data n extra-args...
  local model=$1 data=$2 n=$3
  shift 3
  /usr/bin/time -f '%M' "$QAC" quantize "$model" --calibration "$data" -o "$tmp/out.onnx" \
    --subset-size "$n" -q "$@" 2>&1 >/dev/null | tail -1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in "models/fashion_mnist_cnn.onnx assets/data/fmnist/calibration" \
            "models/fashion_mnist_vit.onnx assets/data/fmnist/calibration --model-type transformer" \
            "assets/models/ocr/rec.onnx assets/data/ocr/calibration"; do
  set -- $spec
  model=$1 data=$2
  shift 2
  a=$(peak "$model" "$data" 100 "$@")
  b=$(peak "$model" "$data" 300 "$@")
  echo "| $model | $((a / 1024)) | $((b / 1024)) |"
done
