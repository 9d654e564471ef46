#!/usr/bin/env bash
# Silero VAD v5 run as deployed: over audio streams, chunk by chunk, carrying its state.
#
#   bash bench/silero_vad.sh [--quantize] [QAC_BINARY]
#
# Needs espeak-ng and sox (scripts/setup.sh), the model (scripts/fetch_extra_models.sh) and
# build/bench/bench_silero_vad (cmake --build build --target bench_silero_vad).
#
# 1. scripts/make_vad_streams.py writes the calibration and validation streams (10-20 s each of
#    espeak-ng sentences between pauses of silence and noise) unless they exist.
# 2. `bench_silero_vad data` runs the FP32 model over them and keeps every 20th calibration
#    chunk (~260 samples) and every 14th validation chunk (~420 samples) as qac datasets, with
#    the state each chunk really sees: <split>/dataset/{input,state,sr}.npy + meta.json.
# 3. `bench_silero_vad compare` of FP32 with itself: must agree on every chunk, ratio ~1.
# 4. With --quantize: qac quantize (plain; accuracy control with cosine over every output, and
#    with the FP32 speech calls as the user's metric) and `bench_silero_vad compare` of each result on the validation streams; models, reports
#    and tables go to bench/out/silero_vad/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quantize=0
if [ "${1:-}" = "--quantize" ]; then quantize=1; shift; fi
qac="${1:-$here/build/qac}"
bench="$here/build/bench/bench_silero_vad"
model="$here/assets/models/extra/silero_vad_v5.onnx"
streams="$here/assets/data/extra/silero_vad_v5_stream"
out="$here/bench/out/silero_vad"
cal_every=20
val_every=14
repeats="${QAC_BENCH_REPEATS:-5}"

[ -f "$model" ] || { echo "silero_vad.sh: $model missing (run scripts/fetch_extra_models.sh)" >&2; exit 1; }
[ -x "$bench" ] || { echo "silero_vad.sh: $bench missing (cmake --build build --target bench_silero_vad)" >&2; exit 1; }
mkdir -p "$out"

# 1. streams
/usr/bin/python3 "$here/scripts/make_vad_streams.py"

# 2. datasets cut from the streams, with carried states
"$bench" data "$model" "$streams/calibration" "$streams/calibration/dataset" --every "$cal_every"
"$bench" data "$model" "$streams/validation" "$streams/validation/dataset" --every "$val_every"

# 3. the harness against itself
"$bench" compare "$model" "$model" "$streams/validation" --repeats "$repeats" | tee "$out/fp32_vs_fp32.md"

[ "$quantize" = 1 ] || exit 0

# ---- 4. quantization with qac --------------------------------------------------------------
# The samples hold `sr` as a scalar and `state` as [2, 1, 128]: qac feeds them whole, one sample
# per run, and quantizes the Conv layers inside the model's If branches.

# The FP32 call (probability >= 0.5) of each validation sample, as integer labels for
# bench/silero_vad_metric.py. qac reads labels.npy as labels, never as a model input.
write_labels() {  # dataset_dir
  /usr/bin/python3 - "$1" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]
meta = json.load(open(d + "/meta.json"))
np.save(d + "/labels.npy", np.array([int(s["fp32_prob"] >= 0.5) for s in meta["per_sample"]], np.int64))
PY
}

quantize_plain() {  # -> $out/plain.int8.onnx
  "$qac" quantize "$model" --calibration "$streams/calibration/dataset" \
    -o "$out/plain.int8.onnx" --report "$out/plain.report.json"
}

# Label-free: cosine similarity with FP32 over every output (speech probability and state),
# budget 0.0002, which plain INT8 misses on these samples.
quantize_cosine() {  # -> $out/cosine.int8.onnx
  "$qac" quantize "$model" --calibration "$streams/calibration/dataset" \
    --validation "$streams/validation/dataset" --metric cosine --max-drop 0.0002 \
    -o "$out/cosine.int8.onnx" --report "$out/cosine.report.json" --html "$out/cosine.report.html"
}

# The user's own metric: share of samples whose speech call matches FP32's, at most 0.5% flipped.
quantize_calls() {  # -> $out/calls.int8.onnx
  write_labels "$streams/validation/dataset"
  "$qac" quantize "$model" --calibration "$streams/calibration/dataset" \
    --validation "$streams/validation/dataset" \
    --metric-command "/usr/bin/python3 $here/bench/silero_vad_metric.py" --max-drop 0.005 \
    -o "$out/calls.int8.onnx" --report "$out/calls.report.json"
  rm -f "$streams/validation/dataset/labels.npy"
}

compare_int8() {  # name: FP32 against $out/<name>.int8.onnx, each carrying its own state
  "$bench" compare "$model" "$out/$1.int8.onnx" "$streams/validation" --repeats "$repeats" | tee "$out/$1.md"
}

quantize_plain
compare_int8 plain
quantize_cosine
compare_int8 cosine
quantize_calls
compare_int8 calls
