#!/usr/bin/env bash
# Installs everything qac needs on a fresh Debian 12 machine:
#   - Debian packages (compiler, CMake, ONNX protobuf classes, test libraries, data, python helpers,
#     clang with libFuzzer and the sanitizer runtimes)
#   - ONNX Runtime headers + shared library from the npm registry into third_party/ (git-ignored)
# Idempotent: re-running skips what is already present.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  libgtest-dev libgmock-dev googletest libbenchmark-dev nlohmann-json3-dev libcli11-dev
  python3 python3-numpy python3-pil python3-onnx python3-torch python3-protobuf
  python3-dev pybind11-dev python3-pytest python3-sklearn  # the Python package (python/) and its tests
  dataset-fashion-mnist wamerican fonts-dejavu-core fonts-liberation
  chromium  # tests/e2e/e2e_html_report_test.cc renders the HTML report headless
  time  # GNU time: peak memory in bench/calibration.sh
  espeak-ng sox  # speech for the extra audio models' data (scripts/make_extra_data.py)
  clang libclang-rt-14-dev llvm-14  # fuzz/ (libFuzzer, sanitizer runtimes, llvm-symbolizer)
)
# npm is needed only to fetch ONNX Runtime; use the machine's if present.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "[setup] installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime: headers + library (matched pair) from the npm registry.
ORT_DIR="$here/third_party/onnxruntime"
if [ ! -f "$ORT_DIR/lib/libonnxruntime.so.1" ] || [ ! -f "$ORT_DIR/include/onnxruntime_cxx_api.h" ]; then
  echo "[setup] fetching ONNX Runtime from npm (com.github.asus4.onnxruntime@0.4.9)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent com.github.asus4.onnxruntime@0.4.9 >/dev/null && tar xzf ./*.tgz)
  mkdir -p "$ORT_DIR/include" "$ORT_DIR/lib"
  hdr_dir="$(dirname "$(find "$tmp/package" -name onnxruntime_cxx_api.h | head -n1)")"
  cp "$hdr_dir"/*.h "$ORT_DIR/include/"
  so="$tmp/package/Plugins/Linux/x64/libonnxruntime.so"
  [ -f "$so" ] || { echo "[setup] libonnxruntime.so missing from the npm package" >&2; exit 1; }
  cp "$so" "$ORT_DIR/lib/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$ORT_DIR/lib/libonnxruntime.so"
  rm -rf "$tmp"
fi
echo "[setup] done"
