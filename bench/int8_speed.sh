#!/usr/bin/env bash
# INT8 vs FP32 latency and int8 coverage of qac's default output, on real models.
#
#   bash bench/int8_speed.sh [QAC_BINARY]      (after scripts/setup.sh, build.sh, fetch_assets.sh)
#
# For every model: `qac quantize` at default options (target host), then `qac bench FP32 INT8`
# on validation samples, runs interleaved, at 1 thread / batch 1 and all cores / batch 8; the same
# two measurements again with Microsoft's ONNX Runtime 1.30 library (scripts/fetch_ort130.sh).
# Writes bench/int8_speed.md (the table below the command that made it) and keeps the models and
# JSON files in bench/out/int8_speed/ (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qac="${1:-$here/build/qac}"
out="$here/bench/out/int8_speed"
mkdir -p "$out"
runs="${QAC_BENCH_RUNS:-30}"
# Models whose runs take under a millisecond get this many times more rounds: their medians move
# with a few microseconds of noise (all cores of a 2-core machine most of all).
small_model_factor=10
bash "$here/scripts/fetch_ort130.sh" >/dev/null
ort130_libdir="$here/third_party/onnxruntime-1.30/compat-1.29"

M="$here/assets/models"
D="$here/assets/data"
# name | FP32 model | calibration | bench data | batch of the all-cores run | extra quantize flags
# (blazeface and mlsd_tiny take a fixed batch of 1); the Fashion-MNIST models are the sub-millisecond ones
cases=(
  "ocr_rec|$M/ocr/rec.onnx|$D/ocr/calibration|$D/ocr/validation|8|"
  "ocr_det|$M/ocr/det.onnx|$D/ocr_det/calibration|$D/ocr_det/validation|8|"
  "ocr_cls|$M/ocr/cls.onnx|$D/ocr_cls/calibration|$D/ocr_cls/validation|8|"
  "fmnist_cnn|$here/models/fashion_mnist_cnn.onnx|$D/fmnist/calibration|$D/fmnist/validation|8|"
  "fmnist_vit|$here/models/fashion_mnist_vit.onnx|$D/fmnist/calibration|$D/fmnist/validation|8|--model-type transformer"
  "blazeface|$M/extra/blazeface.onnx|$D/extra/blazeface/calibration|$D/extra/blazeface/validation|1|"
  "mlsd_tiny|$M/extra/mlsd_tiny.onnx|$D/extra/mlsd_tiny/calibration|$D/extra/mlsd_tiny/validation|1|"
  "oww_embedding|$M/extra/oww_embedding.onnx|$D/extra/oww_embedding/calibration|$D/extra/oww_embedding/validation|8|"
)

commit="$(git -C "$here" rev-parse --short HEAD)"
# Accuracy of the same INT8 models next to FP32, measured by `qac eval` (all optimizations).
accuracy_rows=()
# The metric's value, then each output's own value when the model has several ("(name v, ...)").
score() {
  local text; text="$("$qac" eval "$1" --data "$2" "${@:3}" -q 2>/dev/null)"
  local value; value="$(sed -n 's/^[a-z0-9_-]* = \([0-9.e+-]*\).*/\1/p' <<<"$text" | tail -n1)"
  local outputs; outputs="$(sed -n "s/^  output '\(.*\)': \([0-9.e+-]*\)$/\1 \2/p" <<<"$text")"
  if [ "$(grep -c . <<<"$outputs")" -gt 1 ]; then
    echo "$value ($(paste -sd, - <<<"$outputs" | sed 's/,/, /g'))"
  else
    echo "$value"
  fi
}
accuracy_case() {  # name fp32 int8 data metric...
  local name="$1" fp32="$2" int8="$3" data="$4"; shift 4
  accuracy_rows+=("| $name | $(basename "$data") | $1 $2 | $(score "$fp32" "$data" "$@") | $(score "$int8" "$data" "$@") |")
}
for c in "${cases[@]}"; do
  IFS='|' read -r name fp32 calib data batch flags <<<"$c"
  int8="$out/$name.int8.onnx"
  # shellcheck disable=SC2086
  "$qac" quantize "$fp32" --calibration "$calib" -o "$int8" --report "$out/$name.report.json" --no-latency -q $flags >/dev/null
  model_runs="$runs"
  case "$name" in fmnist_*) model_runs=$((runs * small_model_factor)) ;; esac
  for lib in 1.29 1.30; do
    env_prefix=()
    [ "$lib" = 1.30 ] && env_prefix=(env "LD_LIBRARY_PATH=$ort130_libdir")
    "${env_prefix[@]}" "$qac" bench "$fp32" "$int8" --data "$data" --threads 1 --batch 1 --runs "$model_runs" \
      --json "$out/$name.ort$lib.t1b1.json" >/dev/null
    "${env_prefix[@]}" "$qac" bench "$fp32" "$int8" --data "$data" --threads 0 --batch "$batch" --runs "$model_runs" \
      --json "$out/$name.ort$lib.tallb8.json" >/dev/null
    echo "[int8_speed] $name on ONNX Runtime $lib done" >&2
  done
done

dict="$here/assets/models/ocr/ppocr_keys_v1.txt"
accuracy_case ocr_rec "$M/ocr/rec.onnx" "$out/ocr_rec.int8.onnx" "$D/ocr/validation" --metric ctc-exact --dictionary "$dict"
accuracy_case ocr_rec "$M/ocr/rec.onnx" "$out/ocr_rec.int8.onnx" "$D/ocr/holdout" --metric ctc-exact --dictionary "$dict"
accuracy_case fmnist_cnn "$here/models/fashion_mnist_cnn.onnx" "$out/fmnist_cnn.int8.onnx" "$D/fmnist/test" --metric top1
accuracy_case fmnist_vit "$here/models/fashion_mnist_vit.onnx" "$out/fmnist_vit.int8.onnx" "$D/fmnist/test" --metric top1
for n in ocr_det blazeface mlsd_tiny oww_embedding; do
  IFS='|' read -r _ fp32 _ data _ _ <<<"$(printf '%s\n' "${cases[@]}" | grep "^$n|")"
  accuracy_case "$n" "$fp32" "$out/$n.int8.onnx" "$data" --metric sqnr --reference "$fp32"
done
accuracy_table="$(printf '%s\n' "${accuracy_rows[@]}")"

/usr/bin/python3 - "$out" "$commit" "$runs" "$((runs * small_model_factor))" >"$here/bench/int8_speed.md" <<'EOF'
import json, os, sys
out, commit, runs, small_runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
names = ["ocr_rec", "ocr_det", "ocr_cls", "fmnist_cnn", "fmnist_vit", "blazeface", "mlsd_tiny", "oww_embedding"]
def report(name):
    return json.load(open(os.path.join(out, f"{name}.report.json")))
def units(name):
    r = report(name)
    kept = sum(r["quantized_ops_per_type"].values())
    timed_float = sum(1 for s in r["skipped"] if "timed on this CPU" in s["reason"] or "whole-model check" in s["reason"])
    return f"{kept} / {kept + timed_float}"
def load(name, lib, cfg):
    return json.load(open(os.path.join(out, f"{name}.ort{lib}.{cfg}.json")))["models"]
print("# INT8 vs FP32 latency of qac's default output\n")
print("Command: `bash bench/int8_speed.sh` (commit %s, %s timed rounds per measurement, %s for the "
      "sub-millisecond Fashion-MNIST models, FP32 and INT8 "
      "interleaved, median latency; ratio = INT8 / FP32). INT8 = `qac quantize` at default options "
      "(target host = cpu-vnni on this machine); int8 MACs = share of the Conv/MatMul/Gemm "
      "multiply-accumulates ONNX Runtime ran in int8 kernels. ONNX Runtime 1.29 is the library the build "
      "links (npm com.github.asus4.onnxruntime@0.4.9); 1.30 is Microsoft's library from npm "
      "onnxruntime-node@1.30.0, loaded through scripts/fetch_ort130.sh's symbol-version shim.\n" % (commit, runs, small_runs))
for lib in ("1.29", "1.30"):
    print(f"## ONNX Runtime {lib}\n")
    print("| model | FP32 ms (1 thread, batch 1) | INT8 ms | ratio | FP32 ms (all cores, batch 8*) | INT8 ms | ratio | int8 MACs | units in int8 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in names:
        try:
            a = load(n, lib, "t1b1"); b = load(n, lib, "tallb8")
        except FileNotFoundError:
            continue
        cov = a[1].get("int8_coverage")
        cov_s = "-" if cov is None else "%.1f%%" % (100 * cov)
        print(f"| {n} | {a[0]['median_ms']:.3f} | {a[1]['median_ms']:.3f} | **{a[1]['ratio_to_first']:.3f}** | "
              f"{b[0]['median_ms']:.3f} | {b[1]['median_ms']:.3f} | **{b[1]['ratio_to_first']:.3f}** | {cov_s} | "
              f"{units(n)} |")
    print()
print("*blazeface and mlsd_tiny have a fixed batch of 1: their all-cores column is batch 1.\n")
print("Units in int8 = node units kernel timing kept in int8 / units placement made. Kernel timing's whole-model "
      "check on this machine (`qac quantize -v`, 1 thread, batch 1, provisional parameters):\n")
for n in names:
    for d in report(n)["decisions"]:
        if d.startswith("kernel timing, whole model"):
            print(f"- {n}: {d[len('kernel timing, whole model (1 thread, batch 1): '):]}")
print()
print("With no unit in int8 (ocr_cls, fmnist_vit, blazeface on this machine) the output is the float model; "
      "its speed-up over the input comes from the graph rewrites alone (hard-swish written as four ops -> "
      "HardSigmoid + Mul; channel zero-padding Concat -> 1x1 identity Conv, BlazeFace; packed-QKV self-attention "
      "-> one fused Attention or MultiHeadAttention node, fmnist_vit and ocr_rec), which the ONNX Runtime targets "
      "apply to the float parts of every output. All-cores runs on a 2-core machine are the noisiest column "
      "(p90 up to 6x the median for the sub-millisecond models, hence their longer runs).\n")
EOF
echo "[int8_speed] wrote $here/bench/int8_speed.md" >&2
{
  echo "## Accuracy of the same INT8 models"
  echo
  echo "\`qac eval\` (ONNX Runtime, all optimizations) of the INT8 models above. sqnr (dB) is measured against"
  echo "the FP32 model on every output: the value is the mean over samples of each sample's worst output, and"
  echo "for models with several outputs, in parentheses each output's own value (FP32 against itself shows the"
  echo "metric's cap, 100)."
  echo
  echo "| model | data | metric | FP32 | INT8 |"
  echo "|---|---|---|---|---|"
  echo "$accuracy_table"
} >>"$here/bench/int8_speed.md"
