#!/usr/bin/env bash
# Plain-INT8 accuracy benchmark: FP32 vs INT8 (qac quantize, no accuracy control) on the
# project's three real models, every score measured by `qac eval` (ONNX Runtime with full
# graph optimizations, i.e. the int8 kernels a deployment runs).
#
#   bash bench/plain_int8.sh [QAC_BINARY]      (default: build/qac)
#
# Needs the assets of scripts/fetch_assets.sh. Quantized models go to out/plain_int8/ (git-ignored).
# Prints a Markdown table (one row per configuration, each with its exact commands) and the
# wall time. A configuration that fails is reported in its row and the run goes on.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qac_arg="${1:-build/qac}"
if [ -x "$qac_arg" ]; then
  QAC="$(cd "$(dirname "$qac_arg")" && pwd)/$(basename "$qac_arg")"
elif [ -x "$here/$qac_arg" ]; then
  QAC="$here/$qac_arg"
else
  echo "plain_int8: no qac binary at $qac_arg (build it first, or pass its path)" >&2
  exit 1
fi
cd "$here"  # every path below (and in the printed commands) is relative to the repo root

OUT=out/plain_int8
mkdir -p "$OUT"
start=$(date +%s)

CNN=models/fashion_mnist_cnn.onnx
VIT=models/fashion_mnist_vit.onnx
REC=assets/models/ocr/rec.onnx
FM_CALIB=assets/data/fmnist/calibration
FM_TEST=assets/data/fmnist/test
OCR_CALIB=assets/data/ocr/calibration
OCR_VAL=assets/data/ocr/validation
DICT=assets/models/ocr/ppocr_keys_v1.txt
OCR_METRIC=(--metric ctc-exact --dictionary "$DICT")
FM_METRIC=(--metric top1)

for f in "$CNN" "$VIT" "$REC" "$DICT" "$FM_CALIB" "$FM_TEST" "$OCR_CALIB" "$OCR_VAL"; do
  [ -e "$f" ] || { echo "plain_int8: missing $f (run scripts/fetch_assets.sh)" >&2; exit 1; }
done

rows=()          # finished Markdown table rows
last_score=""    # score (percent) of the latest eval_model call, empty on failure
last_error=""    # first error line of the latest failed step
last_summary=""  # "target X, overflow fix Y" of the latest quantize

# eval_model MODEL DATA METRIC_ARGS...: sets last_score to the metric in percent.
eval_model() {
  local model=$1 data=$2
  shift 2
  local out
  last_score=""
  if ! out=$("$QAC" eval "$model" --data "$data" "$@" -q 2>&1); then
    last_error="eval failed: $(echo "$out" | grep -m1 -i error || echo "$out" | tail -n1)"
    return 1
  fi
  # "<metric> = <value> on <n> samples of <data> (<model>)"
  last_score=$(echo "$out" | awk '/ = .* on [0-9]+ samples/ {printf "%.2f", $3 * 100; exit}')
  [ -n "$last_score" ] || { last_error="eval printed no score: $out"; return 1; }
}

# quantize_model FP32 CALIB OUT FLAGS...: sets last_summary.
quantize_model() {
  local model=$1 calib=$2 output=$3
  shift 3
  local out
  last_summary=""
  if ! out=$("$QAC" quantize "$model" --calibration "$calib" -o "$output" "$@" 2>&1); then
    last_error="quantize failed: $(echo "$out" | grep -m1 -i error || echo "$out" | tail -n1)"
    return 1
  fi
  last_summary=$(echo "$out" | sed -n 's/^\(target [^,]*, overflow fix [^,]*\),.*/\1/p')
}

# FP32 scores, one per (model, data).
declare -A fp32
measure_fp32() {
  local key=$1 model=$2 data=$3
  shift 3
  if eval_model "$model" "$data" "$@"; then fp32[$key]=$last_score; else fp32[$key]="n/a"; fi
  rows+=("| $key | FP32 | ${fp32[$key]} | | | | \`qac eval $model --data $data $*\` |")
  echo "  $key FP32: ${fp32[$key]}" >&2
}

declare -A int8_score  # by row id
# int8_row ID KEY MODEL CALIB DATA "METRIC_ARGS" QUANTIZE_FLAGS...
int8_row() {
  local id=$1 key=$2 model=$3 calib=$4 data=$5 metric=$6
  shift 6
  local output="$OUT/$id.onnx" t0=$(date +%s) score delta note
  local qcmd="qac quantize $model --calibration $calib -o $output${*:+ $*}"
  local ecmd="qac eval $output --data $data $metric"
  rm -f "$output"
  # shellcheck disable=SC2086  # metric is a flag list
  if quantize_model "$model" "$calib" "$output" "$@" && eval_model "$output" "$data" $metric; then
    score=$last_score
    int8_score[$id]=$score
    delta=$(awk -v a="$score" -v b="${fp32[$key]}" 'BEGIN {printf "%+.2f", a - b}')
    note=$last_summary
  else
    score="FAILED"
    delta=""
    note=$last_error
  fi
  local seconds=$(( $(date +%s) - t0 ))
  local label="${*:-(defaults)}"
  [ "$id" = rec_naive ] && label="naive min-max QDQ: $label"
  rows+=("| $key | $label | $score | $delta | $note | $seconds | \`$qcmd\` <br> \`$ecmd\` |")
  echo "  $key [$*]: $score ($delta) $note, ${seconds}s" >&2
}

echo "plain_int8: qac = $QAC, models in $OUT" >&2
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
source_state="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(
  [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (tracked files modified)')"

# --- Fashion-MNIST CNN -------------------------------------------------------------------
measure_fp32 fmnist-cnn "$CNN" "$FM_TEST" "${FM_METRIC[@]}"
int8_row cnn_default fmnist-cnn "$CNN" "$FM_CALIB" "$FM_TEST" "${FM_METRIC[*]}"
int8_row cnn_mse fmnist-cnn "$CNN" "$FM_CALIB" "$FM_TEST" "${FM_METRIC[*]}" --estimator mse
int8_row cnn_minmax fmnist-cnn "$CNN" "$FM_CALIB" "$FM_TEST" "${FM_METRIC[*]}" --estimator minmax

# --- Fashion-MNIST ViT -------------------------------------------------------------------
measure_fp32 fmnist-vit "$VIT" "$FM_TEST" "${FM_METRIC[@]}"
int8_row vit_default fmnist-vit "$VIT" "$FM_CALIB" "$FM_TEST" "${FM_METRIC[*]}" --model-type transformer
int8_row vit_mixed fmnist-vit "$VIT" "$FM_CALIB" "$FM_TEST" "${FM_METRIC[*]}" --model-type transformer --preset mixed

# --- PP-OCRv4 rec ------------------------------------------------------------------------
measure_fp32 ocr-rec "$REC" "$OCR_VAL" "${OCR_METRIC[@]}"
int8_row rec_default ocr-rec "$REC" "$OCR_CALIB" "$OCR_VAL" "${OCR_METRIC[*]}"
# The defaults are performance + mean_minmax + bias correction fast + overflow fix auto; the
# grid row that spells out what auto resolved to is the same model, so it is not run twice.
default_fix=$(echo "$last_summary" | sed -n 's/.*overflow fix \([a-z_]*\).*/\1/p')
int8_row rec_naive ocr-rec "$REC" "$OCR_CALIB" "$OCR_VAL" "${OCR_METRIC[*]}" \
  --preset mixed --estimator minmax --bias-correction none --overflow-fix disable
best_id=""
best_flags=""
for preset in performance mixed; do
  for estimator in mean_minmax minmax quantile mse kl; do
    for fix in disable enable; do
      id="rec_${preset}_${estimator}_${fix}"
      flags="--preset $preset --estimator $estimator --overflow-fix $fix"
      if [ "$preset $estimator $fix" = "performance mean_minmax $default_fix" ] && [ -n "${int8_score[rec_default]:-}" ]; then
        int8_score[$id]=${int8_score[rec_default]}
        rows+=("| ocr-rec | $flags | ${int8_score[$id]} | $(awk -v a="${int8_score[$id]}" -v b="${fp32[ocr-rec]}" \
          'BEGIN {printf "%+.2f", a - b}') | = defaults (auto overflow fix resolved to $fix) | 0 | same model as the (defaults) row |")
      else
        # shellcheck disable=SC2086
        int8_row "$id" ocr-rec "$REC" "$OCR_CALIB" "$OCR_VAL" "${OCR_METRIC[*]}" $flags
      fi
      score=${int8_score[$id]:-}
      if [ -n "$score" ] && { [ -z "$best_id" ] ||
          awk -v a="$score" -v b="${int8_score[$best_id]}" 'BEGIN {exit !(a > b)}'; }; then
        best_id=$id
        best_flags=$flags
      fi
    done
  done
done
# Bias correction on the best grid setting (the grid ran with the default, fast).
if [ -n "$best_id" ]; then
  echo "  best OCR setting: $best_flags (${int8_score[$best_id]})" >&2
  for bc in none full; do
    # shellcheck disable=SC2086
    int8_row "rec_best_bc_$bc" ocr-rec "$REC" "$OCR_CALIB" "$OCR_VAL" "${OCR_METRIC[*]}" $best_flags --bias-correction $bc
  done
fi

# Held-out check: the best setting was picked on the validation words, so score it (and the
# defaults and the naive setting) on the disjoint holdout words as well.
OCR_HOLDOUT=assets/data/ocr/holdout
holdout_rows=()
holdout_fp32=""
if [ -d "$OCR_HOLDOUT" ]; then
  for id in fp32 rec_default rec_naive ${best_id:+$best_id}; do
    model="$OUT/$id.onnx"
    [ "$id" = fp32 ] && model=$REC
    [ -f "$model" ] || continue
    if eval_model "$model" "$OCR_HOLDOUT" "${OCR_METRIC[@]}"; then score=$last_score; else score="FAILED: $last_error"; fi
    [ "$id" = fp32 ] && holdout_fp32=$score
    delta=$(awk -v a="$score" -v b="${holdout_fp32:-x}" 'BEGIN {if (a + 0 == a && b + 0 == b) printf "%+.2f", a - b}')
    holdout_rows+=("| $id | $score | $delta | \`qac eval $model --data $OCR_HOLDOUT ${OCR_METRIC[*]}\` |")
    echo "  holdout $id: $score" >&2
  done
fi

elapsed=$(( $(date +%s) - start ))
echo "| model | INT8 configuration (qac quantize flags) | score % | Δ vs FP32 (pp) | resolved target / overflow fix | s | commands |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Scores: fmnist-* = top-1 on $FM_TEST (10000 images), ocr-rec = ctc-exact on $OCR_VAL (300 words)."
[ -n "$best_id" ] && echo "Best OCR grid setting (picked on the validation words): \`$best_flags\` (bias correction fast = default)."
if [ ${#holdout_rows[@]} -gt 0 ]; then
  echo
  echo "Held-out check, ctc-exact % on $OCR_HOLDOUT (300 other words, not used for any choice):"
  echo
  echo "| model | score % | Δ vs FP32 (pp) | command |"
  echo "|---|---|---|---|"
  printf '%s\n' "${holdout_rows[@]}"
fi
echo
echo "Source tree at start: $source_state (the binary is whatever $qac_arg was built from); load average (1/5/15 min) at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
echo "Wall time: ${elapsed} s ($(( elapsed / 60 )) min $(( elapsed % 60 )) s)"
