#!/usr/bin/env bash
# Fetches Microsoft's ONNX Runtime 1.30.0 CPU library (linux x64) from the npm package
# onnxruntime-node@1.30.0 (`npm pack`: no install, no install scripts) into
# third_party/onnxruntime-1.30/ (git-ignored), to run qac against ORT 1.30:
#
#   lib/libonnxruntime.so.1      <- package/bin/napi-v6/linux/x64/libonnxruntime.so.1 (SHA-256 checked)
#   lib/libonnxruntime.so        -> libonnxruntime.so.1 (for CMake's find_library)
#   include/*.h                  copies of third_party/onnxruntime/include (the 1.29 headers of
#                                scripts/setup.sh; onnxruntime-node ships no C/C++ headers)
#   compat-1.29/libonnxruntime.so.1
#                                a small shim (built here with cc) for binaries linked against 1.29
#
# Why a shim: ORT versions its exported symbol (OrtGetApiBase@VERS_1.29.0 in 1.29,
# OrtGetApiBase@@VERS_1.30.0 in 1.30, and no older version node), so a qac built against
# 1.29 does not start with the 1.30 library at all:
#   LD_LIBRARY_PATH=third_party/onnxruntime-1.30/lib build/qac ...
#   -> build/qac: .../libonnxruntime.so.1: version `VERS_1.29.0' not found (required by .../libqac.so.0)
# (build/qac and libqac.so carry RUNPATH, not RPATH, so LD_LIBRARY_PATH does take precedence;
# the versioned symbol is what fails). The shim is a libonnxruntime.so.1 that exports
# OrtGetApiBase@VERS_1.29.0 and forwards it to the 1.30 library (dlopen of ../lib/ beside it).
# The C API is backward compatible: the 1.30 library serves GetApi(29), which is what a qac
# compiled with the 1.29 headers asks for.
#
# Two ways to run qac on ORT 1.30:
#   1. An existing build (linked against 1.29), through the shim:
#        LD_LIBRARY_PATH=$PWD/third_party/onnxruntime-1.30/compat-1.29 build/qac eval ...
#      (check: LD_DEBUG=libs ... 2>&1 | grep 'calling init: .*onnxruntime' lists the shim and
#      third_party/onnxruntime-1.30/lib/libonnxruntime.so.1, not third_party/onnxruntime/lib)
#   2. A separate build linked against 1.30 (RUNPATH then points at the 1.30 lib; no shim,
#      no LD_LIBRARY_PATH):
#        cmake -S . -B build-ort130 -DCMAKE_BUILD_TYPE=Release \
#              -DONNXRUNTIME_ROOT=$PWD/third_party/onnxruntime-1.30 && cmake --build build-ort130 -j2
#        build-ort130/qac eval ...
#
# Idempotent: each output is made only when missing. Run after scripts/setup.sh (for the
# headers and cc). Usage: scripts/fetch_ort130.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGE="onnxruntime-node@1.30.0"
SO_PATH="package/bin/napi-v6/linux/x64/libonnxruntime.so.1"
SO_SHA256="ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"
ORT_DIR="$here/third_party/onnxruntime-1.30"
ORT129_INCLUDE="$here/third_party/onnxruntime/include"

lib="$ORT_DIR/lib/libonnxruntime.so.1"
if [ -s "$lib" ] && [ "$(sha256sum "$lib" | cut -d' ' -f1)" = "$SO_SHA256" ]; then
  echo "[fetch_ort130] ONNX Runtime 1.30.0 already in $ORT_DIR/lib"
else
  command -v npm >/dev/null 2>&1 || { echo "[fetch_ort130] npm not found (run scripts/setup.sh)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "[fetch_ort130] fetching $PACKAGE from npm (about 110 MB)"
  (cd "$tmp" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz "$SO_PATH")
  got="$(sha256sum "$tmp/$SO_PATH" | cut -d' ' -f1)"
  [ "$got" = "$SO_SHA256" ] || { echo "[fetch_ort130] $SO_PATH has SHA-256 $got, expected $SO_SHA256" >&2; exit 1; }
  mkdir -p "$ORT_DIR/lib"
  cp "$tmp/$SO_PATH" "$lib.tmp" && mv "$lib.tmp" "$lib"
  echo "[fetch_ort130] wrote $lib"
fi
ln -sf libonnxruntime.so.1 "$ORT_DIR/lib/libonnxruntime.so"

if [ ! -f "$ORT_DIR/include/onnxruntime_cxx_api.h" ]; then
  if [ -f "$ORT129_INCLUDE/onnxruntime_cxx_api.h" ]; then
    mkdir -p "$ORT_DIR/include"
    cp "$ORT129_INCLUDE"/*.h "$ORT_DIR/include/"
    echo "[fetch_ort130] copied the 1.29 headers of third_party/onnxruntime into $ORT_DIR/include"
  else
    echo "[fetch_ort130] no headers copied: $ORT129_INCLUDE is missing (run scripts/setup.sh)" >&2
  fi
fi

shim="$ORT_DIR/compat-1.29/libonnxruntime.so.1"
if [ ! -f "$shim" ]; then
  cc_bin="$(command -v cc || command -v gcc || true)"
  if [ -z "$cc_bin" ]; then
    echo "[fetch_ort130] no C compiler: skipped the compat-1.29 shim (run scripts/setup.sh)" >&2
  else
    src="$(mktemp -d)"
    cat >"$src/shim.c" <<'EOF'
/* libonnxruntime.so.1 shim: exports OrtGetApiBase@VERS_1.29.0 for binaries linked against
   ONNX Runtime 1.29 and forwards it to ../lib/libonnxruntime.so.1 (ONNX Runtime 1.30). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef const void* (*get_api_base_fn)(void);

static void die(const char* what) {
  fprintf(stderr, "onnxruntime 1.29->1.30 shim: %s\n", what);
  abort();
}

const void* OrtGetApiBase(void) {
  static get_api_base_fn real;
  if (!real) {
    Dl_info self;
    char path[PATH_MAX];
    if (!dladdr((void*)&OrtGetApiBase, &self) || !self.dli_fname) die("dladdr failed");
    if (!realpath(self.dli_fname, path)) die("cannot resolve the shim's own path");
    char* slash = strrchr(path, '/');
    if (!slash) die("unexpected shim path");
    *slash = '\0';
    const char tail[] = "/../lib/libonnxruntime.so.1";
    if (strlen(path) + sizeof tail > sizeof path) die("path too long");
    strcat(path, tail);
    void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) die(dlerror());
    real = (get_api_base_fn)dlsym(lib, "OrtGetApiBase");
    if (!real) die(dlerror());
  }
  return real();
}
EOF
    echo 'VERS_1.29.0 { global: OrtGetApiBase; local: *; };' >"$src/vers.map"
    mkdir -p "$ORT_DIR/compat-1.29"
    "$cc_bin" -O2 -shared -fPIC -Wl,--version-script="$src/vers.map" -Wl,-soname,libonnxruntime.so.1 \
      "$src/shim.c" -o "$shim.tmp" -ldl
    mv "$shim.tmp" "$shim"
    rm -rf "$src"
    echo "[fetch_ort130] built $shim"
  fi
fi
echo "[fetch_ort130] done: LD_LIBRARY_PATH=$ORT_DIR/compat-1.29 build/qac ... runs on ONNX Runtime 1.30.0"
