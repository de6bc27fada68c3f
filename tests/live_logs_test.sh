#!/usr/bin/env bash
# Live test: build testdata/scenarios-logs with the installed go (its
# libraries come from the module proxy), make real libraries recover and log
# panics, and check what crashctl makes of the logs. Exits 77 (skipped) when
# the modules cannot be downloaded.
set -euo pipefail
crashctl=$1; src=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if ! (cd "$src/testdata/scenarios-logs" && GOFLAGS=-buildvcs=false CGO_ENABLED=0 go build -o "$work/logs" .) >"$work/build.txt" 2>&1; then
  if grep -qE 'dial tcp|proxy|lookup|no such host|connection refused|i/o timeout|403|404' "$work/build.txt"; then
    echo "skip: the scenario's modules cannot be downloaded:"; head -3 "$work/build.txt"; exit 77
  fi
  cat "$work/build.txt"; exit 1
fi
version=$(go version | cut -d' ' -f3)
check() {  # scenario kind class culprit recovered_by
  (cd "$work" && ./logs "$1") >"$work/$1.log" 2>&1 || true
  "$crashctl" analyze --format json "$work/$1.log" >"$work/$1.json" || true
  python3 - "$work/$1.json" "$@" <<'PY' || { echo "FAIL $1"; head -c 3000 "$work/$1.log"; exit 1; }
import json, sys
doc = json.load(open(sys.argv[1]))
scenario, kind, cls, culprit, by = sys.argv[2:7]
reports = [r for r in doc["inputs"][0]["reports"] if r["kind"] == kind]
assert reports, [r["kind"] for r in doc["inputs"][0]["reports"]]
v = reports[0]["verdict"]
assert v["class"] == cls, v["class"]
assert (v["culprit"] or {}).get("function") == culprit, v["culprit"]
assert by == "-" or (v["recovered_by"] or {}).get("function") == by, v["recovered_by"]
assert v["confidence"] == "high", v["confidence_reasons"]
PY
  echo "ok $1: $2 $3 in $4 ($version)"
}
check nethttp recovered nil-pointer-dereference 'main.(*OrderStore).lookup' 'net/http.(*conn).serve.func1'
check gin-release recovered index-out-of-range '(*Cart).itemAt' CustomRecoveryWithWriter.func1
check zap-production recovered nil-map-assignment 'main.(*SessionCache).put' -
check slog-text recovered closed-channel 'main.(*Dispatcher).publish' 'main.(*Dispatcher).consume.func1'
check fatal-after-log crash index-out-of-range 'main.(*ShardMap).slot' -
# Two goroutine profiles of a growing pool: diff says the group grew (exit 4).
mkdir -p "$work/prof"
(cd "$work" && ./logs goroutine-profile "$work/prof") >/dev/null 2>&1
rc=0; "$crashctl" diff "$work/prof/profile-debug1.a.txt" "$work/prof/profile-debug1.b.txt" >"$work/diff.txt" || rc=$?
[[ $rc == 4 ]] || { echo "FAIL profile diff: exit $rc"; cat "$work/diff.txt"; exit 1; }
grep -q 'leak: growing: 20 -> 45' "$work/diff.txt" || { echo "FAIL profile diff"; cat "$work/diff.txt"; exit 1; }
echo "ok goroutine profiles: leak growth found ($version)"
