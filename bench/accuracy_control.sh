#!/usr/bin/env bash
# Accuracy-control benchmark: the default search (--strategy qac) side by side with the
# reproduction of NNCF's greedy search (--strategy nncf), same binary, same data, same run.
#
#   bash bench/accuracy_control.sh [QAC_BINARY [CASE...]]     (default: build/qac, every case)
#
# Cases: ocr-exact, vit-agreement, vit-top1, ocr-cer; hard cases (eight or more groups must
# return to float): blazeface-cosine, vit-cosine, mlsd-cosine.
#
# For every case both strategies run `qac quantize --validation ...` (the order alternates from
# case to case so neither always runs on a warmer or quieter machine), each timed as a whole with
# `date +%s.%N`. The saved model is then re-scored by `qac eval` (a fresh ONNX Runtime session on
# the written file): on the validation set, where it must equal the report's final_metric exactly,
# and on a held-out set the search never saw.
#
# Needs the assets of scripts/fetch_assets.sh. Models, reports and logs go to
# out/accuracy_control/ (git-ignored). Prints a Markdown table, the project's targets per case and
# the details of every run (commands, reverted nodes, load average).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qac_arg="${1:-build/qac}"
if [ -x "$qac_arg" ]; then
  QAC="$(cd "$(dirname "$qac_arg")" && pwd)/$(basename "$qac_arg")"
elif [ -x "$here/$qac_arg" ]; then
  QAC="$here/$qac_arg"
else
  echo "accuracy_control: no qac binary at $qac_arg (build it first, or pass its path)" >&2
  exit 1
fi
cd "$here" || exit 1  # every path below (and in the printed commands) is relative to the repo root
PY=/usr/bin/python3
shift $(( $# > 0 ? 1 : 0 ))
selected=" ${*:-ocr-exact vit-agreement vit-top1 ocr-cer blazeface-cosine vit-cosine mlsd-cosine} "
wanted() { [[ "$selected" == *" $1 "* ]]; }

OUT=out/accuracy_control
mkdir -p "$OUT"
start=$(date +%s.%N)
load_start=$(uptime | sed 's/.*load average: //')
commit_start=$(git rev-parse --short HEAD 2>/dev/null || echo "unknown commit")

REC=assets/models/ocr/rec.onnx
DICT=assets/models/ocr/ppocr_keys_v1.txt
OCR_CALIB=assets/data/ocr/calibration
OCR_VAL=assets/data/ocr/validation
OCR_HOLDOUT=assets/data/ocr/holdout
VIT=models/fashion_mnist_vit.onnx
FM_CALIB=assets/data/fmnist/calibration
FM_VAL=assets/data/fmnist/validation
FM_TEST=assets/data/fmnist/test
FM_HOLDOUT_LIMIT=2000  # held-out = the first 2000 images of the test set
BLAZEFACE=assets/models/extra/blazeface.onnx
BF_CALIB=assets/data/extra/blazeface/calibration
BF_VAL=assets/data/extra/blazeface/validation
MLSD=assets/models/extra/mlsd_tiny.onnx
MLSD_CALIB=assets/data/extra/mlsd_tiny/calibration
MLSD_VAL=assets/data/extra/mlsd_tiny/validation
BUDGET_TOLERANCE=1e-12

for f in "$REC" "$DICT" "$OCR_CALIB" "$OCR_VAL" "$OCR_HOLDOUT" "$VIT" "$FM_CALIB" "$FM_VAL" "$FM_TEST"; do
  [ -e "$f" ] || { echo "accuracy_control: missing $f (run scripts/fetch_assets.sh)" >&2; exit 1; }
done

rows=()     # main table rows
targets=()  # per-case target rows
details=()  # per-run details (Markdown list items)
notes=()    # anything that looks wrong, or skipped cases

now() { date +%s.%N; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# json_field FILE EXPR: evaluates the Python expression EXPR over the parsed JSON `r`.
json_field() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    r = json.load(f)
v = eval(sys.argv[2], {"r": r})
print(v if not isinstance(v, float) else repr(v))
EOF
}

last_value=""  # value printed by the latest eval_json call (full precision), empty on failure
last_error=""
# eval_json MODEL DATA ARGS...: runs `qac eval --json`, sets last_value.
eval_json() {
  local model=$1 data=$2
  shift 2
  local out
  last_value=""
  if ! out=$("$QAC" eval "$model" --data "$data" "$@" --json -q 2>&1); then
    last_error="qac eval $model --data $data $* failed: $(echo "$out" | tail -n1)"
    return 1
  fi
  last_value=$(echo "$out" | "$PY" -c 'import json,sys; print(repr(float(json.load(sys.stdin)["value"])))' 2>/dev/null)
  [ -n "$last_value" ] || { last_error="qac eval printed no value: $out"; return 1; }
}

f4() { awk -v x="$1" 'BEGIN {printf "%.4f", x}'; }
sub4() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.4f", a - b}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.3f", a / b; else printf "n/a"}'; }
MAX_WALL_RATIO=0.25  # the project's target: default wall time <= 0.25x nncf
MIN_NNCF_FULL_PASSES=20  # ... where NNCF needs more than this many full-pass equivalents

# Per-case context, set by measure_case.
declare -A fp32_val fp32_holdout int8_val int8_holdout_drop

# measure_case ID MODEL CALIB VAL HOLDOUT "QUANT_FLAGS" "EVAL_METRIC" "HOLDOUT_EXTRA":
# FP32 on validation and held-out, and plain INT8 (no accuracy control) on validation, all by
# `qac eval`; plain INT8 also on the held-out set, to show what the search buys there.
measure_case() {
  local id=$1 model=$2 calib=$3 val=$4 holdout=$5 qflags=$6 emetric=$7 hextra=$8
  local plain="$OUT/${id}_plain.onnx"
  fp32_val[$id]=""; fp32_holdout[$id]=""; int8_val[$id]=""; int8_holdout_drop[$id]="n/a"
  # shellcheck disable=SC2086  # flag lists
  eval_json "$model" "$val" $emetric && fp32_val[$id]=$last_value || notes+=("$id: $last_error")
  # shellcheck disable=SC2086
  eval_json "$model" "$holdout" $emetric $hextra && fp32_holdout[$id]=$last_value || notes+=("$id: $last_error")
  rm -f "$plain"
  # shellcheck disable=SC2086
  if "$QAC" quantize "$model" --calibration "$calib" -o "$plain" $qflags -q >"$OUT/${id}_plain.log" 2>&1; then
    # shellcheck disable=SC2086
    eval_json "$plain" "$val" $emetric && int8_val[$id]=$last_value || notes+=("$id: $last_error")
    # shellcheck disable=SC2086
    if [ -n "${fp32_holdout[$id]}" ] && eval_json "$plain" "$holdout" $emetric $hextra; then
      int8_holdout_drop[$id]=$(sub4 "${fp32_holdout[$id]}" "$last_value")
    fi
  else
    notes+=("$id: plain quantize failed: $(tail -n1 "$OUT/${id}_plain.log")")
  fi
  echo "  $id: FP32 val ${fp32_val[$id]} held-out ${fp32_holdout[$id]}, plain INT8 val ${int8_val[$id]}, held-out drop ${int8_holdout_drop[$id]}" >&2
}

# Results of the latest run_strategy call, by "<case>/<strategy>".
declare -A wall fpe groups budget_ok

# run_strategy CASE STRATEGY MODEL CALIB VAL HOLDOUT "QUANT_FLAGS" "AC_FLAGS" "EVAL_METRIC" "HOLDOUT_EXTRA"
run_strategy() {
  local id=$1 strategy=$2 model=$3 calib=$4 val=$5 holdout=$6 qflags=$7 acflags=$8 emetric=$9 hextra=${10}
  local key="$id/$strategy" base="$OUT/${id}_${strategy}"
  local saved="$base.onnx" report="$base.json" log="$base.log"
  rm -f "$saved" "$report"
  local cmd="qac quantize $model --calibration $calib -o $saved $qflags --validation $val $acflags --strategy $strategy --report $report"
  local load_before t0 t1 rc
  load_before=$(load1)
  echo "  $key: running (load $load_before)" >&2
  t0=$(now)
  # shellcheck disable=SC2086
  "$QAC" quantize "$model" --calibration "$calib" -o "$saved" $qflags --validation "$val" $acflags \
    --strategy "$strategy" --report "$report" >"$log" 2>&1
  rc=$?
  t1=$(now)
  wall[$key]=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  local load_after
  load_after=$(load1)
  # Exit 0: budget met; 3: budget not met, best model written; anything else: failure.
  if { [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; } || [ ! -f "$report" ] || [ ! -f "$saved" ]; then
    notes+=("**$key failed** (exit $rc): $(grep -m1 -i error "$log" || tail -n1 "$log"). Reproduce: \`$cmd\`")
    rows+=("| $id | $strategy | | | | | | | FAILED (exit $rc) | | | | ${wall[$key]} | | | | | |")
    fpe[$key]=""; groups[$key]=""; budget_ok[$key]=""
    return 1
  fi
  local metric max_drop fp32 int8 final drop lo hi claimed g total evals
  metric=$(json_field "$report" 'r["metric"]')
  max_drop=$(json_field "$report" 'r["max_drop"]')
  fp32=$(json_field "$report" 'r["fp32_metric"]')
  int8=$(json_field "$report" 'r["int8_metric"]')
  final=$(json_field "$report" 'r["final_metric"]')
  drop=$(json_field "$report" 'r["final_drop"]')
  lo=$(json_field "$report" '(r.get("final_drop_ci95") or ["",""])[0]')
  hi=$(json_field "$report" '(r.get("final_drop_ci95") or ["",""])[1]')
  claimed=$(json_field "$report" 'r["budget_met"]')
  g=$(json_field "$report" 'r["groups_in_float"]')
  total=$(json_field "$report" 'r["total_groups"]')
  evals=$(json_field "$report" 'r["evaluations"]')
  fpe[$key]=$(json_field "$report" 'round(r["full_pass_equivalents"], 2)')
  groups[$key]=$g
  local reverted
  reverted=$(json_field "$report" \
    '"; ".join("group %d: %s" % (x["id"], ", ".join(x["nodes"])) for x in r["reverted_groups"]) or "none"')

  # Within budget, checked here rather than trusted; and the claim must agree with it. The
  # tolerance is the library's (kBudgetTolerance): a mean of per-sample values carries rounding
  # error (1 - 0.995 is 0.0050000000000000044).
  local within
  within=$(awk -v d="$drop" -v m="$max_drop" -v tol="$BUDGET_TOLERANCE" 'BEGIN {print (d <= m + tol) ? "yes" : "NO"}')
  budget_ok[$key]=$within
  if { [ "$within" = yes ] && [ "$claimed" != True ]; } || { [ "$within" = NO ] && [ "$claimed" = True ]; } ||
     { [ "$claimed" = True ] && [ "$rc" -ne 0 ]; } || { [ "$claimed" != True ] && [ "$rc" -ne 3 ]; }; then
    notes+=("**$key: inconsistent budget claim**: final_drop $drop, max_drop $max_drop, budget_met $claimed, exit $rc. Reproduce: \`$cmd\`")
  fi
  [ "$within" = NO ] && notes+=("$key: budget not met (final_drop $drop > $max_drop, exit $rc).")

  # The saved file, re-scored by a fresh session: validation must equal final_metric.
  local check="n/a" held="n/a" held_value=""
  # shellcheck disable=SC2086
  if eval_json "$saved" "$val" $emetric; then
    # Equal, or equal to 1e-9: the metric summed over other batch boundaries (a float mean of
    # per-sample cosines depends on the order of the sums), not another model.
    local diff
    diff=$("$PY" -c "print(abs(float('$last_value') - float('$final')))")
    if "$PY" -c "import sys; sys.exit(0 if float('$last_value') == float('$final') else 1)"; then
      check="OK"
    elif "$PY" -c "import sys; sys.exit(0 if $diff <= 1e-9 else 1)"; then
      check="OK (differs by $diff: summation order)"
    else
      check="MISMATCH ($(f4 "$last_value"))"
      notes+=("**$key: MISMATCH**: \`qac eval $saved --data $val $emetric\` = $last_value, report final_metric = $final. Reproduce: \`$cmd\`")
    fi
  else
    notes+=("$key: $last_error")
  fi
  # shellcheck disable=SC2086
  if [ -n "${fp32_holdout[$id]}" ] && eval_json "$saved" "$holdout" $emetric $hextra; then
    held_value=$last_value
    held=$(sub4 "${fp32_holdout[$id]}" "$held_value")
  else
    notes+=("$key: held-out evaluation failed: $last_error")
  fi
  # The report's FP32 / INT8 against `qac eval` of the FP32 model and of plain INT8.
  if [ -n "${fp32_val[$id]}" ] && ! "$PY" -c "import sys; sys.exit(0 if float('${fp32_val[$id]}') == float('$fp32') else 1)"; then
    notes+=("$key: report fp32_metric $fp32 differs from \`qac eval $model --data $val $emetric\` = ${fp32_val[$id]}")
  fi
  if [ -n "${int8_val[$id]}" ] && ! "$PY" -c "import sys; sys.exit(0 if float('${int8_val[$id]}') == float('$int8') else 1)"; then
    notes+=("$key: report int8_metric $int8 differs from \`qac eval\` of plain \`qac quantize $model $qflags\` = ${int8_val[$id]} (validation)")
  fi

  # Latency of the saved model against FP32 (1 thread, batch 1, runs interleaved).
  local latency="n/a"
  if "$QAC" bench "$model" "$saved" --data "$val" --threads 1 --batch 1 --runs 20 --json "$base.bench.json" -q \
      >/dev/null 2>&1; then
    latency=$(json_field "$base.bench.json" '"%.3f" % r["models"][1]["ratio_to_first"]')
  else
    notes+=("$key: qac bench failed on $saved")
  fi

  local ci="n/a"
  [ -n "$lo" ] && ci="[$(f4 "$lo"), $(f4 "$hi")]"
  local budget_text
  budget_text="$max_drop $(json_field "$report" 'r["drop_type"]')"
  rows+=("| $id | $strategy | $metric | $budget_text | $(f4 "$fp32") | $(f4 "$int8") | $(f4 "$final") | $(f4 "$drop") $ci | $within | $g / $total | $evals | ${fpe[$key]} | ${wall[$key]} | RATIO_WALL_$id | RATIO_FPE_$id | $held (INT8 ${int8_holdout_drop[$id]}) | $check | $latency |")
  details+=("- **$key** (exit $rc, load average $load_before before, $load_after after, $(json_field "$report" \
    '", ".join("%s %.1fs" % (k, v) for k, v in r["seconds_per_phase"].items())')): \`$cmd\`; reverted: $reverted; held-out: \`qac eval $saved --data $holdout $emetric $hextra\` = $(f4 "${held_value:-nan}") (FP32 $(f4 "${fp32_holdout[$id]:-nan}"))")
  echo "  $key: final $(f4 "$final") drop $(f4 "$drop") groups $g/$total evals $evals fpe ${fpe[$key]} wall ${wall[$key]}s check $check held-out drop $held" >&2
}

# run_case ID FIRST MODEL CALIB VAL HOLDOUT "QUANT_FLAGS" "AC_FLAGS" "EVAL_METRIC" "HOLDOUT_EXTRA"
# Runs both strategies, FIRST first, then fills in the ratios and the targets row.
run_case() {
  local id=$1 first=$2
  shift 2
  local second=nncf
  [ "$first" = nncf ] && second=qac
  run_strategy "$id" "$first" "$@"
  run_strategy "$id" "$second" "$@"
  local wq=${wall[$id/qac]} wn=${wall[$id/nncf]} fq=${fpe[$id/qac]:-} fn=${fpe[$id/nncf]:-}
  local rw rf
  rw=$(ratio "$wq" "$wn")
  rf=$( [ -n "$fq" ] && [ -n "$fn" ] && ratio "$fq" "$fn" || echo n/a)
  local i
  for i in "${!rows[@]}"; do
    case "${rows[$i]}" in
      "| $id | qac |"*) rows[i]=${rows[i]/RATIO_WALL_$id/$rw}; rows[i]=${rows[i]/RATIO_FPE_$id/$rf} ;;
      "| $id | nncf |"*) rows[i]=${rows[i]/RATIO_WALL_$id/}; rows[i]=${rows[i]/RATIO_FPE_$id/} ;;
    esac
  done
  local t_wall t_groups t_budget gq=${groups[$id/qac]:-} gn=${groups[$id/nncf]:-}
  # Judged on the unrounded times, not on the printed ratio.
  # The wall target applies where NNCF's search costs more than MIN_NNCF_FULL_PASSES.
  t_wall=$(awk -v q="$wq" -v n="$wn" -v m="$MAX_WALL_RATIO" -v f="${fn:-0}" -v min="$MIN_NNCF_FULL_PASSES" \
    'BEGIN {if (f <= min) print "n/a (NNCF " f " full passes)"; else print (n > 0 && q / n <= m) ? "met" : "**not met**"}')
  t_groups=$( [ -n "$gq" ] && [ -n "$gn" ] && [ "$gq" -le "$gn" ] && echo met || echo "**not met**")
  t_budget=$( [ "${budget_ok[$id/qac]:-}" = yes ] && [ "${budget_ok[$id/nncf]:-}" = yes ] && echo met || echo "**not met**")
  targets+=("| $id | $rw ($wq s vs $wn s) | $t_wall | $gq vs $gn | $t_groups | qac ${budget_ok[$id/qac]:-?}, nncf ${budget_ok[$id/nncf]:-?} | $t_budget |")
}

echo "accuracy_control: qac = $QAC, outputs in $OUT, load average $load_start" >&2
OCR_EXACT="--metric ctc-exact --dictionary $DICT"
OCR_CER="--metric ctc-cer --dictionary $DICT"

# --- 1. PP-OCRv4 rec, exact-match accuracy, 1 point absolute -------------------------------
wanted ocr-exact && measure_case ocr-exact "$REC" "$OCR_CALIB" "$OCR_VAL" "$OCR_HOLDOUT" "" "$OCR_EXACT" ""
wanted ocr-exact && run_case ocr-exact qac "$REC" "$OCR_CALIB" "$OCR_VAL" "$OCR_HOLDOUT" "" \
  "$OCR_EXACT --max-drop 0.01" "$OCR_EXACT" ""

# --- 2. Fashion-MNIST ViT, top-1 agreement with FP32, 0.5 point absolute -------------------
# On x86 ONNX Runtime none of this small ViT's int8 kernels is faster than its float one, so kernel
# timing (the default) would leave every op float and nothing to search: its quantizers are kept.
VIT_FLAGS="--model-type transformer --no-kernel-timing"
AGREE_EVAL="--metric agreement --reference $VIT"
wanted vit-agreement && measure_case vit-agreement "$VIT" "$FM_CALIB" "$FM_VAL" "$FM_TEST" "$VIT_FLAGS" "$AGREE_EVAL" "--limit $FM_HOLDOUT_LIMIT"
wanted vit-agreement && run_case vit-agreement nncf "$VIT" "$FM_CALIB" "$FM_VAL" "$FM_TEST" "$VIT_FLAGS" \
  "--metric agreement --max-drop 0.005" "$AGREE_EVAL" "--limit $FM_HOLDOUT_LIMIT"

# --- 2b. Fashion-MNIST ViT, top-1 with labels, no drop allowed ------------------------------
# Only meaningful when plain INT8 is below FP32 on the validation set.
wanted vit-top1 && measure_case vit-top1 "$VIT" "$FM_CALIB" "$FM_VAL" "$FM_TEST" "$VIT_FLAGS" "--metric top1" "--limit $FM_HOLDOUT_LIMIT"
if ! wanted vit-top1; then
  :
elif [ -n "${int8_val[vit-top1]}" ] && [ -n "${fp32_val[vit-top1]}" ] &&
   awk -v i="${int8_val[vit-top1]}" -v f="${fp32_val[vit-top1]}" 'BEGIN {exit !(i < f)}'; then
  run_case vit-top1 qac "$VIT" "$FM_CALIB" "$FM_VAL" "$FM_TEST" "$VIT_FLAGS" \
    "--metric top1 --max-drop 0.0" "--metric top1" "--limit $FM_HOLDOUT_LIMIT"
else
  notes+=("vit-top1 skipped: plain INT8 top-1 on $FM_VAL (${int8_val[vit-top1]:-n/a}) is not below FP32 (${fp32_val[vit-top1]:-n/a}), so --max-drop 0.0 is met without search.")
fi

# --- 3. PP-OCRv4 rec, 1 - CER, 0.2 point absolute ------------------------------------------
wanted ocr-cer && measure_case ocr-cer "$REC" "$OCR_CALIB" "$OCR_VAL" "$OCR_HOLDOUT" "" "$OCR_CER" ""
wanted ocr-cer && run_case ocr-cer nncf "$REC" "$OCR_CALIB" "$OCR_VAL" "$OCR_HOLDOUT" "" \
  "$OCR_CER --max-drop 0.002" "$OCR_CER" ""

# --- 4. Hard cases: eight or more groups must return to float ---------------------------
# extra_model_case ID FIRST MODEL CALIB VAL FLAGS EVAL BUDGET: a model of
# scripts/fetch_extra_models.sh, which has no held-out split (the held-out column re-scores the
# calibration data); skipped with a note when the model or its data is missing.
extra_model_case() {
  local id=$1 first=$2 model=$3 calib=$4 val=$5 flags=$6 eval_args=$7 budget=$8
  wanted "$id" || return 0
  if [ ! -e "$model" ] || [ ! -e "$val" ]; then
    notes+=("$id skipped: $model or $val missing (scripts/fetch_extra_models.sh, scripts/make_extra_data.py).")
    return 0
  fi
  measure_case "$id" "$model" "$calib" "$val" "$calib" "$flags" "$eval_args" ""
  run_case "$id" "$first" "$model" "$calib" "$val" "$calib" "$flags" "$budget" "$eval_args" ""
}

# BlazeFace (MediaPipe face detector, scripts/fetch_extra_models.sh; data by
# scripts/make_extra_data.py), cosine against FP32 over all its outputs, 0.5 point. Kernel
# timing keeps every BlazeFace unit float on x86 ONNX Runtime (no int8 kernel pays), so, as for
# the ViT, --no-kernel-timing keeps its quantizers for the search to work on. It has no held-out
# split: the held-out column re-scores the calibration images.
BF_FLAGS="--no-kernel-timing"
BF_EVAL="--metric cosine --reference $BLAZEFACE"
extra_model_case blazeface-cosine qac "$BLAZEFACE" "$BF_CALIB" "$BF_VAL" "$BF_FLAGS" "$BF_EVAL" \
  "--metric cosine --max-drop 0.005"

# Fashion-MNIST ViT, cosine against FP32, 0.02 point: most of its 21 groups return to float.
VIT_COS_EVAL="--metric cosine --reference $VIT"
wanted vit-cosine && measure_case vit-cosine "$VIT" "$FM_CALIB" "$FM_VAL" "$FM_TEST" "$VIT_FLAGS" "$VIT_COS_EVAL" "--limit $FM_HOLDOUT_LIMIT"
wanted vit-cosine && run_case vit-cosine nncf "$VIT" "$FM_CALIB" "$FM_VAL" "$FM_TEST" "$VIT_FLAGS" \
  "--metric cosine --max-drop 0.0002" "$VIT_COS_EVAL" "--limit $FM_HOLDOUT_LIMIT"

# M-LSD tiny (line-segment detector, scripts/fetch_extra_models.sh), cosine against FP32 over
# its outputs (line map and junction scores), 1 point, at default options: kernel timing keeps
# its int8 units on this CPU. No held-out split: the held-out column re-scores calibration.
MLSD_EVAL="--metric cosine --reference $MLSD"
extra_model_case mlsd-cosine qac "$MLSD" "$MLSD_CALIB" "$MLSD_VAL" "" "$MLSD_EVAL" "--metric cosine --max-drop 0.01"

elapsed=$(awk -v a="$start" -v b="$(now)" 'BEGIN {printf "%.0f", b - a}')
load_end=$(uptime | sed 's/.*load average: //')

echo "| case | strategy | metric | max drop | FP32 | INT8 | final | final drop [95% CI] | within budget | groups in float / total | evaluations | full-pass equivalents | wall s | wall qac/nncf | full passes qac/nncf | held-out drop (plain INT8) | \`qac eval\` = final_metric | latency final / FP32 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Latency: \`qac bench FP32 saved --data VAL --threads 1 --batch 1 --runs 20\` (interleaved, median ratio)."
echo
echo "FP32 / INT8 / final: the report's values on the validation set. Held-out drop: \`qac eval\` of the FP32 model minus \`qac eval\` of the saved model (in parentheses: of plain INT8, no accuracy control) on $OCR_HOLDOUT (OCR), the first $FM_HOLDOUT_LIMIT images of $FM_TEST (ViT) or $BF_CALIB (BlazeFace, which has no held-out split)."
echo
echo "Targets: default wall time <= 0.25x nncf where nncf needs more than $MIN_NNCF_FULL_PASSES full-pass equivalents, groups in float <= nncf's, both strategies within budget."
echo
echo "| case | wall qac/nncf | <= 0.25 | groups qac vs nncf | <= nncf | within budget | both |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${targets[@]}"
echo
echo "Runs:"
echo
printf '%s\n' "${details[@]}"
echo
if [ "${#notes[@]}" -gt 0 ]; then
  echo "Notes:"
  echo
  printf -- '- %s\n' "${notes[@]}"
  echo
fi
echo "Binary: $QAC (repository at $commit_start when the run started)."
echo "Load average (1, 5, 15 min): start $load_start; end $load_end."
echo "Wall time: ${elapsed} s ($(( elapsed / 60 )) min $(( elapsed % 60 )) s)"
