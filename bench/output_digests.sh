#!/usr/bin/env bash
# Quantizes the Fashion-MNIST CNN and ViT and PP-OCRv4 rec, plainly and with accuracy control,
# and prints one Markdown table row per case: the sha256 of the written model and the
# accuracy-control outcome (metrics, groups in float, evaluations). Run it before and after a
# change that must not change any output and compare the tables.
#
#   bash bench/output_digests.sh [path/to/qac]
#
# Kernel timing decisions come from a timing cache in out/output_digests/timing-cache: the first
# run times and fills it, later runs on the same machine and ONNX Runtime reuse the same decisions,
# so the digests compare the code, not the noise of one timing run.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here" || exit 1
QAC="${1:-build/qac}"
[ -x "$QAC" ] || { echo "output_digests: no qac binary at $QAC (build it first)" >&2; exit 1; }
PY=/usr/bin/python3
OUT=out/output_digests
mkdir -p "$OUT"
CACHE="--kernel-timing-cache $OUT/timing-cache"

CNN=models/fashion_mnist_cnn.onnx
VIT=models/fashion_mnist_vit.onnx
REC=assets/models/ocr/rec.onnx
DICT=assets/models/ocr/ppocr_keys_v1.txt
FM_CALIB=assets/data/fmnist/calibration
FM_VAL=assets/data/fmnist/validation
OCR_CALIB=assets/data/ocr/calibration
OCR_VAL=assets/data/ocr/validation
for f in "$CNN" "$VIT" "$REC" "$DICT" "$FM_CALIB" "$FM_VAL" "$OCR_CALIB" "$OCR_VAL"; do
  [ -e "$f" ] || { echo "output_digests: missing $f (run scripts/fetch_assets.sh)" >&2; exit 1; }
done

# outcome REPORT: "fp32 / int8 / final | groups in float (ids) | evaluations" of an AC report.
outcome() {
  "$PY" - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ids = ",".join(str(g["id"]) for g in r["reverted_groups"]) or "-"
print(f'{r["fp32_metric"]:.6f} / {r["int8_metric"]:.6f} / {r["final_metric"]:.6f} | '
      f'{r["groups_in_float"]} ({ids}) | {r["evaluations"]}')
EOF
}

echo "| case | command | sha256 of the model | fp32 / int8 / final | groups in float | evaluations |"
echo "|---|---|---|---|---|---|"
# run CASE ARGS...: `qac quantize ARGS -o OUT/CASE.onnx --report OUT/CASE.json`, then one row.
run() {
  local id=$1
  shift
  local model="$OUT/$id.onnx" report="$OUT/$id.json"
  rm -f "$model" "$report"
  # shellcheck disable=SC2086  # CACHE is a flag list
  if ! "$QAC" quantize "$@" $CACHE -o "$model" --report "$report" -q >"$OUT/$id.log" 2>&1; then
    echo "| $id | \`qac quantize $*\` | FAILED: $(tail -n1 "$OUT/$id.log") | | | |"
    return
  fi
  local digest rest="- | - | -"
  digest=$(sha256sum "$model" | cut -d' ' -f1)
  if grep -q -- "--validation" <<<"$*"; then rest=$(outcome "$report"); fi
  echo "| $id | \`qac quantize $*\` | \`$digest\` | $rest |"
}

run cnn-plain "$CNN" --calibration "$FM_CALIB"
run vit-plain "$VIT" --calibration "$FM_CALIB" --model-type transformer --no-kernel-timing
run rec-plain "$REC" --calibration "$OCR_CALIB"
run cnn-ac "$CNN" --calibration "$FM_CALIB" --validation "$FM_VAL" --metric top1 --max-drop 0.002
run vit-ac "$VIT" --calibration "$FM_CALIB" --model-type transformer --no-kernel-timing \
  --validation "$FM_VAL" --metric agreement --max-drop 0.005
run rec-ac "$REC" --calibration "$OCR_CALIB" --validation "$OCR_VAL" \
  --metric ctc-exact --dictionary "$DICT" --max-drop 0.01
