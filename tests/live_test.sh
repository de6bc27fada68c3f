#!/usr/bin/env bash
# Live test: build a scenario with the installed go, crash it, analyze the
# text it printed, and check the verdict; then crash one again for a core
# and analyze the core with its executable. Registered only when go is on PATH.
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

# A core from the same go: build scenarios-core, crash it under
# GOTRACEBACK=crash with cores enabled, analyze the core with the executable.
# Skipped when the kernel pipes cores elsewhere (systemd-coredump, apport) or
# cores cannot be enabled.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '|')
if [[ $pattern == \|* || $pattern == /* ]]; then
  echo "skip core: core_pattern is '$pattern' (not a file in the working directory)"
  exit 0
fi
(cd "$src/testdata/scenarios-core" && go build -o "$work/scenarios-core" .)
mkdir -p "$work/run"
(cd "$work/run" && ulimit -c unlimited 2>/dev/null && GOTRACEBACK=crash exec "$work/scenarios-core" open-coded-defers \
  >/dev/null 2>"$work/run/stderr.txt") || true
core=$(ls "$work/run"/core* 2>/dev/null | head -1 || true)
if [[ -z $core ]]; then
  echo "skip core: no core written (ulimit -c is $(ulimit -c))"
  exit 0
fi
json=$("$crashctl" analyze --format json --exe "$work/scenarios-core" "$core")
grep -qF '"class": "nil-pointer-dereference"' <<<"$json" || { echo "FAIL core: class"; echo "$json" | head -60; exit 1; }
grep -qF '"function": "main.(*Inventory).reserve"' <<<"$json" || { echo "FAIL core: culprit"; exit 1; }
# The recover in the wrong goroutine: main.guard, pending and open-coded.
python3 - "$json" <<'PY' || { echo "FAIL core: defers"; exit 1; }
import json, sys
r = json.loads(sys.argv[1])["inputs"][0]["reports"][0]
defers = [d for g in r["goroutines"] for d in g["defers"]]
assert any(d["function"] == "main.guard" and d["kind"] == "open-coded" and d["calls_recover"] and not d["ran"] for d in defers), defers
PY
echo "ok core: nil-pointer-dereference in main.(*Inventory).reserve, pending recover found ($(go version | cut -d' ' -f3))"
