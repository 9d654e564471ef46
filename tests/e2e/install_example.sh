#!/usr/bin/env bash
# Installs the current build into a fresh prefix, builds examples/accuracy_control against the
# installed package only (find_package(qac) + qac::qac), runs it on the Fashion-MNIST CNN and
# checks the result with the installed qac tool.
#
# usage: install_example.sh SOURCE_DIR BINARY_DIR CMAKE_COMMAND CXX_COMPILER
# Exit codes: 0 pass, 1 failure, 77 skipped (the model or data are absent).
set -euo pipefail

readonly kSkip=77
readonly src=$1 build=$2 cmake=$3 cxx=$4
readonly model=$src/models/fashion_mnist_cnn.onnx
readonly calibration=$src/assets/data/fmnist/calibration
readonly validation=$src/assets/data/fmnist/validation

for asset in "$model" "$calibration" "$validation"; do
  if [[ ! -e $asset ]]; then
    echo "skipped: $asset is absent (run scripts/fetch_assets.sh)"
    exit $kSkip
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/qac_install_example.XXXXXX")
trap 'rm -rf "$work"' EXIT
readonly prefix=$work/prefix example_build=$work/example output=$work/model.int8.onnx

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# Run with nothing but RPATHs to find libraries: the install must be self-contained.
unset LD_LIBRARY_PATH

echo "== install into $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "install"; }

libqac=$(find "$prefix" -name 'libqac.so' -print -quit)
[[ -n $libqac ]] || fail "libqac.so was not installed"
libdir=$(dirname "$libqac")
[[ -e $libdir/libonnxruntime.so.1 ]] || fail "libonnxruntime.so.1 is not installed next to libqac.so"
ldd "$libqac" | grep "libonnxruntime.so.1 => $libdir/" >/dev/null ||
  fail "installed libqac.so does not load the installed ONNX Runtime: $(ldd "$libqac" | grep onnxruntime)"

echo "== the public headers must not need ONNX, protobuf or ONNX Runtime headers"
all_headers=$work/all_headers.cc
for h in "$prefix"/include/qac/*.h; do echo "#include <qac/$(basename "$h")>"; done >"$all_headers"
"$cxx" -std=c++17 -I"$prefix/include" -M "$all_headers" >"$work/deps" || fail "installed headers do not compile alone"
if tr ' ' '\n' <"$work/deps" | grep -E '/onnx/|/google/protobuf/|onnxruntime'; then
  fail "installed headers include the headers above"
fi

echo "== configure and build the example against $prefix"
"$cmake" -S "$src/examples/accuracy_control" -B "$example_build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "configure the example"; }
"$cmake" --build "$example_build" -j1 >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build the example"; }

echo "== run the example"
status=0
"$example_build/accuracy_control_example" "$model" "$calibration" "$validation" "$output" 0.01 || status=$?
[[ $status -eq 0 ]] || fail "the example exited with $status"
[[ -s $output ]] || fail "the example did not write $output"

echo "== score the saved model with the installed qac tool"
"$prefix/bin/qac" eval "$output" --data "$validation" --metric top1 || fail "installed qac cannot evaluate $output"
echo "PASSED"
