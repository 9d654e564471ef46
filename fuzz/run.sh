#!/usr/bin/env bash
# Builds the fuzzers (clang, libFuzzer, ASan + UBSan) in build-fuzz/ and runs one of them, or
# each in turn, for a given time in a single process.
#
# usage: fuzz/run.sh NAME|all SECONDS
#   NAME: model, pb, npy, labels, metric_json, cache_entry
# The working corpus is build-fuzz/corpus/NAME/, seeded from fuzz/corpus/NAME/ (committed).
# A crash, sanitizer report, leak or timeout writes the input to build-fuzz/artifacts/NAME/ and
# makes the script exit non-zero. libFuzzer's final statistics (execs, coverage) are printed.
# Environment: QAC_FUZZ_BUILD (build folder), QAC_FUZZ_JOBS (build parallelism, default 1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly kNames=(model pb npy labels metric_json cache_entry)

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 NAME|all SECONDS   (NAME: ${kNames[*]})" >&2
  exit 2
fi
name=$1
seconds=$2
if [ "$name" = all ]; then
  names=("${kNames[@]}")
elif [[ " ${kNames[*]} " == *" $name "* ]]; then
  names=("$name")
else
  echo "$0: unknown fuzzer '$name' (${kNames[*]})" >&2
  exit 2
fi

build="${QAC_FUZZ_BUILD:-$here/build-fuzz}"
cmake -S "$here" -B "$build" -DQAC_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$build" -j "${QAC_FUZZ_JOBS:-1}" --target "${targets[@]}"

# Per-fuzzer options: the largest input tried, and a dictionary of the format's tokens.
max_len() {
  case $1 in
    model) echo 65536 ;;
    pb | npy) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# Inputs are written to files for the parsers that read files: keep them in memory.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi

status=0
for n in "${names[@]}"; do
  corpus="$build/corpus/$n"
  artifacts="$build/artifacts/$n"
  mkdir -p "$corpus" "$artifacts"
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=4096
        -max_len="$(max_len "$n")" -artifact_prefix="$artifacts/")
  if [ -f "$here/fuzz/dict/$n.dict" ]; then args+=(-dict="$here/fuzz/dict/$n.dict"); fi
  # The ONNX checker prints a warning on stderr for every model with an experimental op; the
  # sanitizers and libFuzzer still report on the original stderr.
  if [ "$n" = model ]; then args+=(-close_fd_mask=2); fi
  echo "[fuzz] $n for $seconds s: $build/fuzz/fuzz_$n ${args[*]} $corpus $here/fuzz/corpus/$n"
  if ! ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0 \
       UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "$build/fuzz/fuzz_$n" "${args[@]}" "$corpus" "$here/fuzz/corpus/$n"; then
    echo "[fuzz] $n FAILED: see $artifacts/" >&2
    status=1
  fi
done
exit $status
