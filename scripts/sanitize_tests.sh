#!/usr/bin/env bash
# Builds qac and its tests with AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer
# into build-sanitize/ and runs the test suite with CTest. Any sanitizer report stops the test
# that triggered it (halt_on_error), so the run passes only without a single report.
# Assertions stay on (no NDEBUG). The install-and-build-example test is left out: it links an
# unsanitized program against the sanitized library, which ASan refuses. Leaks inside the
# prebuilt ONNX Runtime are suppressed (scripts/lsan_suppressions.txt). The Python package is not
# built: an uninstrumented interpreter cannot load a sanitized extension.
#
# usage: scripts/sanitize_tests.sh [CTEST ARGS...]   e.g. -R 'TensorTest|DatasetTest'
# Environment: QAC_JOBS (build and test parallelism, default: the number of cores);
# QAC_SANITIZE_EXCLUDE (a regular expression of more tests to leave out, e.g. LibOnnxTestData:
# the ~480 ONNX conformance cases take two thirds of the test time).
# Needs scripts/setup.sh (GCC's sanitizer runtimes) and, for the end-to-end tests,
# scripts/fetch_assets.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$here/build-sanitize"
jobs="${QAC_JOBS:-$(nproc 2>/dev/null || echo 2)}"
readonly kFlags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

start=$(date +%s)
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQAC_BUILD_BENCH=OFF \
  -DQAC_BUILD_PYTHON=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS="$kFlags" \
  -DCMAKE_EXE_LINKER_FLAGS="$kFlags" -DCMAKE_SHARED_LINKER_FLAGS="$kFlags" >/dev/null
cmake --build "$build" -j "$jobs"
built=$(date +%s)

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# Leaks inside ONNX Runtime only (see the file).
export LSAN_OPTIONS="suppressions=$here/scripts/lsan_suppressions.txt:print_suppressions=0"
exclude='^install_and_build_example$'
if [ -n "${QAC_SANITIZE_EXCLUDE:-}" ]; then exclude="$exclude|$QAC_SANITIZE_EXCLUDE"; fi
ctest --test-dir "$build" --output-on-failure -j "$jobs" -E "$exclude" "$@"
echo "[sanitize_tests] build $((built - start)) s, tests $(( $(date +%s) - built )) s"
