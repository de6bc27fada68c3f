#!/usr/bin/env bash
# live_memory_test.sh CRASHCTL [SOURCE_DIR]
#
# Live test of the memory analysis (issue 15: who holds the heap). Builds
# testdata/scenarios-memory with the installed go, runs its `all` scenario
# scaled to a ~70 MB heap (CRASHCTL_LIVE_MEMORY_SCALE, default 8: main.cache
# 27 MB, the stack local batch of main.holdBatch 17 MB, main.queue 13 MB,
# main.index 8.4 MB, main.blobs 4.2 MB) twice: once crashing under
# GOTRACEBACK=crash for a core, once writing a heap dump. Each run prints the
# runtime's figures (HeapAlloc after GC, each owner's HeapAlloc delta; see
# testdata/README.md, "Memory fixtures"). Then
#   crashctl analyze --format json --memory --exe EXE INPUT
# on both, and checks the report's memory section against those figures:
#   - report.memory.live_bytes within 10% of heap_alloc;
#   - every owner among report.memory.retainers[]: a global by root.kind
#     "global" and root.name (main.cache ...), the stack owner by root.kind
#     "stack", root.goroutine, root.function and root.variable; its
#     retained_bytes within 15% of the owner's delta.
# Every comparison is printed, passing or not.
#
# Exit status: 0 all passed, 1 a check failed or crashctl failed, 77 skipped
# (no go on PATH). The core half is skipped (with a message) when the kernel
# does not write cores into the working directory.
set -euo pipefail
crashctl=${1:?usage: live_memory_test.sh CRASHCTL [SOURCE_DIR]}
src=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
scale=${CRASHCTL_LIVE_MEMORY_SCALE:-8}
command -v go >/dev/null || { echo "skip: no go on PATH"; exit 77; }
command -v python3 >/dev/null || { echo "FAIL: python3 is needed to compare the JSON"; exit 1; }
[[ -x $crashctl ]] || { echo "FAIL: no crashctl at $crashctl"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
goversion=$(go env GOVERSION)

(cd "$src/testdata/scenarios-memory" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$work/scenarios-memory" .)
exe=$work/scenarios-memory
failed=0

# check NAME INPUT STDERR: analyze INPUT and compare with the line in STDERR
check() {
  local name=$1 input=$2 stderr=$3 rc=0
  if ! grep -q '^crashctl-memory: ' "$stderr"; then
    echo "FAIL $name: the program printed no crashctl-memory line:"; head -5 "$stderr"; failed=1; return
  fi
  "$crashctl" analyze --format json --memory --exe "$exe" "$input" >"$work/$name.json" 2>"$work/$name.err" || rc=$?
  if ((rc != 0)); then
    echo "FAIL $name: crashctl analyze --format json --memory exited $rc:"
    sed 's/^/  /' "$work/$name.err" | head -10
    failed=1
    return
  fi
  python3 - "$name" "$stderr" "$work/$name.json" <<'PY' || failed=1
import json, sys

name, stderr, out = sys.argv[1:4]
line = next(l for l in open(stderr, errors="replace") if l.startswith("crashctl-memory: "))
want = json.loads(line[len("crashctl-memory: "):])
doc = json.load(open(out))
reports = [r for i in doc.get("inputs", []) for r in i.get("reports", [])]
mem = next((r["memory"] for r in reports if isinstance(r.get("memory"), dict)), None)
print(f"{name}: {want['go_version']}, scale {want['scale']}: runtime heap_alloc {want['heap_alloc']} bytes, "
      f"{want['heap_objects']} objects")
if mem is None:
    print(f"FAIL {name}: no report.memory in crashctl's JSON ({len(reports)} report(s); "
          f"keys of the first: {sorted(reports[0]) if reports else '-'})")
    sys.exit(1)

ok = True
def compare(what, got, expected, tol):
    global ok
    if not isinstance(got, (int, float)):
        print(f"  FAIL {what}: crashctl gives {got!r}, runtime {expected}")
        ok = False
        return
    dev = (got - expected) / expected if expected else float("inf")
    good = abs(dev) <= tol
    ok &= good
    print(f"  {'ok  ' if good else 'FAIL'} {what}: crashctl {got}, runtime {expected} ({dev:+.1%}, limit {tol:.0%})")

compare("live_bytes vs heap_alloc", mem.get("live_bytes"), want["heap_alloc"], 0.10)
print(f"       live_objects: crashctl {mem.get('live_objects')}, runtime HeapObjects {want['heap_objects']} "
      f"(not checked: tiny-allocator blocks hold several objects)")

retainers = mem.get("retainers") or []
def matches(r, o):
    root = r.get("root") or {}
    if o["kind"] == "stack":
        return (root.get("kind") == "stack" and root.get("goroutine") == o["goroutine"]
                and root.get("function") == o["function"] and root.get("variable") == o["variable"])
    return root.get("kind") == "global" and root.get("name") == o["owner"]

for o in want["owners"]:
    if o["kind"] == "stack":
        who = f"stack root goroutine {o['goroutine']} {o['function']} {o['variable']}"
    else:
        who = f"global root {o['owner']}"
    found = [r for r in retainers if matches(r, o)]
    if not found:
        near = [r.get("root") for r in retainers
                if (r.get("root") or {}).get("name") == o["owner"]
                or (r.get("root") or {}).get("function") == o.get("function", "\0")]
        print(f"  FAIL {who} ({o['type']}, {o['bytes']} bytes): not among the {len(retainers)} retainers"
              + (f"; roots with that name or function: {near}" if near else ""))
        ok = False
        continue
    r = max(found, key=lambda r: r.get("retained_bytes") or 0)
    rank = retainers.index(r) + 1
    compare(f"{who} retained_bytes (retainer #{rank}, type {(r.get('root') or {}).get('type')}, "
            f"{r.get('retained_objects')} objects)", r.get("retained_bytes"), o["bytes"], 0.15)

top = ", ".join(f"{(r.get('root') or {}).get('name')}={r.get('retained_bytes')}" for r in retainers[:8])
print(f"  retainers (first 8 of {len(retainers)}): {top}")
print(f"{'ok' if ok else 'FAIL'} {name}")
sys.exit(0 if ok else 1)
PY
}

# --- heap dump ----------------------------------------------------------------
mkdir -p "$work/dump"
rc=0
(cd "$work/dump" && CRASHCTL_MEMORY_SCALE=$scale CRASHCTL_HEAPDUMP="$work/dump/heap.dump" \
  exec env -u GOTRACEBACK "$exe" all) >/dev/null 2>"$work/dump/stderr.txt" </dev/null || rc=$?
if ((rc != 0)) || [[ ! -s $work/dump/heap.dump ]]; then
  echo "FAIL heap dump: the program exited $rc without a dump:"; head -5 "$work/dump/stderr.txt"; failed=1
else
  echo "heap dump: $(stat -c %s "$work/dump/heap.dump") bytes ($goversion)"
  check heapdump "$work/dump/heap.dump" "$work/dump/stderr.txt"
fi

# --- core -------------------------------------------------------------------------
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '|')
if [[ $pattern == \|* || $pattern == /* ]]; then
  echo "skip core: core_pattern is '$pattern' (not a file in the working directory)"
else
  mkdir -p "$work/core"
  # (the outer subshell keeps bash's "Aborted (core dumped)" off the output)
  ( (cd "$work/core" && ulimit -c unlimited 2>/dev/null && CRASHCTL_MEMORY_SCALE=$scale GOTRACEBACK=crash \
    exec "$exe" all) >/dev/null 2>"$work/core/stderr.txt" </dev/null || true) 2>/dev/null
  core=$(find "$work/core" -maxdepth 1 -name 'core*' -type f | head -n1)
  if [[ -z $core ]]; then
    echo "skip core: no core written (ulimit -c is $(ulimit -c))"
  else
    echo "core: $(stat -c %s "$core") bytes ($goversion)"
    check core "$core" "$work/core/stderr.txt"
  fi
fi

if ((failed)); then
  echo "FAIL live_memory ($goversion)"
  exit 1
fi
echo "ok live_memory ($goversion)"
