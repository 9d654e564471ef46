#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs the whole test suite (CTest):
# dependencies, build, real models and data (scripts/fetch_assets.sh), then the tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
bash "$here/scripts/build.sh"
bash "$here/scripts/fetch_assets.sh"
jobs="$(nproc 2>/dev/null || echo 2)"
ctest --test-dir "$here/build" --output-on-failure -j "$jobs"
