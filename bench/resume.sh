#!/usr/bin/env bash
# Resuming a killed accuracy-control run (--cache-dir): PP-OCRv4 rec, exact-match accuracy
# within 0.003, --no-kernel-timing (a search of about a hundred evaluations).
#
#   bash bench/resume.sh [KILL_FRACTION...] > bench/resume.md      (default: 0.25 0.5 0.9)
#
# 1. One uninterrupted run without a cache: its wall time T and its model.
# 2. For each fraction f: a run with a fresh --cache-dir, killed with SIGKILL after f * T
#    seconds; then the same command again. Prints the killed and the resumed run's wall times,
#    (killed + resumed) / T, the answers the resumed run read from the cache, and whether its
#    model is byte-identical to the uninterrupted run's.
# Runs one after another (never two at once). Models, logs and caches go to bench/out/resume/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qac="$here/build/qac"
out="$here/bench/out/resume"
fractions=("$@")
[ ${#fractions[@]} -gt 0 ] || fractions=(0.25 0.5 0.9)
data="$here/assets/data/ocr"
args=(quantize "$here/assets/models/ocr/rec.onnx" --calibration "$data/calibration" --validation "$data/validation"
      --metric ctc-exact --dictionary "$here/assets/models/ocr/ppocr_keys_v1.txt" --max-drop 0.003
      --no-kernel-timing --no-latency -v)
rm -rf "$out"
mkdir -p "$out"

now() { date +%s.%N; }
seconds() { /usr/bin/python3 -c "print(f'{$2 - $1:.1f}')"; }

start=$(now)
"$qac" "${args[@]}" -o "$out/whole.onnx" --report "$out/whole.json" > "$out/whole.log" 2>&1
whole=$(seconds "$start" "$(now)")

echo "# Resuming a killed accuracy-control run"
echo
echo "Command: \`bash bench/resume.sh ${fractions[*]}\` (commit $(git -C "$here" rev-parse --short HEAD), $(nproc) cores,"
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
echo
echo "PP-OCRv4 rec, \`--metric ctc-exact --max-drop 0.003 --no-kernel-timing\`: uninterrupted run without a"
echo "cache **${whole} s**, $(/usr/bin/python3 -c "import json; r=json.load(open('$out/whole.json')); print(f\"{r['evaluations']} evaluations, {len(r['reverted_groups'])} groups in float\")")."
echo
echo "| killed after | killed run | resumed run | (killed + resumed) / uninterrupted | answers read from the cache | model identical |"
echo "|---|---|---|---|---|---|"
for f in "${fractions[@]}"; do
  cache="$out/cache_$f"
  delay=$(/usr/bin/python3 -c "print($f * $whole)")
  start=$(now)
  "$qac" "${args[@]}" --cache-dir "$cache" -o "$out/killed_$f.onnx" --report "$out/killed_$f.json" > "$out/killed_$f.log" 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  killed=$(seconds "$start" "$(now)")
  start=$(now)
  "$qac" "${args[@]}" --cache-dir "$cache" -o "$out/resumed_$f.onnx" --report "$out/resumed_$f.json" > "$out/resumed_$f.log" 2>&1
  resumed=$(seconds "$start" "$(now)")
  ratio=$(/usr/bin/python3 -c "print(f'{($killed + $resumed) / $whole:.3f}')")
  cached=$(/usr/bin/python3 -c "import json; print(json.load(open('$out/resumed_$f.json'))['cached_answers'])")
  same=$(cmp -s "$out/whole.onnx" "$out/resumed_$f.onnx" && echo yes || echo NO)
  echo "| ${f} T | ${killed} s | ${resumed} s | **${ratio}** | ${cached} | ${same} |"
done
