#!/usr/bin/env bash
# Live test: build a scenario with the installed go, crash it, analyze the
# text it printed, and check the verdict. Registered only when go is on PATH.
set -euo pipefail
crashctl=$1; src=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export CRASHCTL_BUILD_DIR="$work/build"
check() {  # scenario class culprit
  "$src/testdata/run-scenario.sh" go "$1" "$work/$1.txt" >/dev/null
  json=$("$crashctl" analyze --format json "$work/$1.txt")
  grep -qF "\"class\": \"$2\"" <<<"$json" || { echo "FAIL $1: class is not $2"; echo "$json" | head -40; exit 1; }
  grep -qF "\"function\": \"$3\"" <<<"$json" || { echo "FAIL $1: culprit is not $3"; exit 1; }
  echo "ok $1: $2 in $3 ($(go version | cut -d' ' -f3))"
}
check nil-deref nil-pointer-dereference 'main.(*Cache).lookup'
check concurrent-map concurrent-map-access 'main.(*Stats).record'
check deadlock deadlock 'main.waitForWorkers'
