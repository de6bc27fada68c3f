#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and analyze real dumps:
# the crash text of a Go 1.26.8 program with 201 goroutines, then the core
# of a Go 1.26.8 crash read with its executable (defers, recover analysis).
# With arguments, analyzes those instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target crashctl
if [ $# -gt 0 ]; then
  exec build/tools/crashctl analyze "$@"
fi
build/tools/crashctl analyze testdata/fixtures/go1.26.8/many-goroutines.txt.zst
echo
build/tools/crashctl analyze testdata/cores/go1.26.8/open-coded-defers.core.zst \
  --exe testdata/cores/go1.26.8/scenarios-core.exe.zst
