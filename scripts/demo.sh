#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and analyze a real crash
# (a nil pointer dereference printed by Go 1.26.8, stored zstd-compressed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target crashctl
build/tools/crashctl analyze "${@:-testdata/fixtures/go1.26.8/many-goroutines.txt.zst}"
