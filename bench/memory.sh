#!/usr/bin/env bash
# bench/memory.sh [SCALE]: who holds the heap (issue 15), crashctl against
# golang.org/x/debug's viewcore on the same core, in the same run.
#
# Builds testdata/scenarios-memory, runs its `all` scenario with every owner
# scaled by SCALE (default 160: a 1.3 GiB heap of 2.7 million objects;
# main.cache 562 MB, the stack local batch 338 MB, main.queue 263 MB,
# main.index 168 MB, main.blobs 84 MB) and crashes it under GOTRACEBACK=crash
# for a core. Then, each under /usr/bin/time -v (wall time, peak RSS):
#   viewcore CORE --exe EXE histogram       (and breakdown, for the record)
#   crashctl analyze --memory --format json --exe EXE CORE
# and writes a markdown report: the times, and per owner what each tool
# found against the runtime's own figures (the HeapAlloc delta the program
# printed): viewcore's histogram rows of the owner's element size (the
# owners' elements have distinct sizes: 1024, 4096, 512, 240 + 48-byte
# main.Tree nodes, 8192), crashctl's retainer and retained bytes.
#
# viewcore is built at run time, never committed: `go install
# golang.org/x/debug/cmd/viewcore@$VIEWCORE_VERSION` into a temporary GOBIN;
# when the module proxy refuses golang.org/x/debug (it does on this machine:
# 403), from a source checkout outside the repository, VIEWCORE_SRC (a work
# tree, or a git directory whose HEAD is exported with git archive).
#
# Environment (all optional):
#   MEMORY_BENCH_SIZE=large  the 2 GB / 20 million object case: SCALE 190 and
#                            96-byte elements for every owner, a 2.1 GiB heap of
#                            23.5 million objects (the program alone takes
#                            80 s to build it on 2 cores; then element
#                            sizes no longer tell owners apart in viewcore's
#                            histogram; totals are still compared)
#   MEMORY_BENCH_ELEM        element size for every owner (bytes)
#   RUNS                     timed runs of each command; the fastest is reported (3)
#   BENCH_GOTOOLCHAIN        Go release that builds the program (default: the go on PATH)
#   VIEWCORE                 an existing viewcore binary
#   VIEWCORE_VERSION         (latest)
#   VIEWCORE_SRC             checkout or git directory of golang.org/x/debug
#   CRASHCTL                 crashctl binary; "none" measures viewcore only; if
#                            unset, build-bench/ is (re)built (bench/common.sh)
#   BENCH_DIR                work directory (/tmp/crashctl-bench-memory); the
#                            core is ~1.1x the heap
#   OUT                      report file (bench/results/memory-<date>[b-h].md; "-": stdout only)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
SCALE=${1:-160}
ELEM=${MEMORY_BENCH_ELEM:-}
if [[ ${MEMORY_BENCH_SIZE:-} == large ]]; then
  SCALE=${1:-190}
  ELEM=${MEMORY_BENCH_ELEM:-96}
fi
WORK=${BENCH_DIR:-/tmp/crashctl-bench-memory}
DATE=$(date -u +%F)
OUT=${OUT:-$(results_file memory)}  # a second run of the day gets its own file
RUNS=${RUNS:-3}
mkdir -p "$WORK"
require_tools go zstd python3 git

# --- tools ----------------------------------------------------------------------------
if [[ ${CRASHCTL:-} == none ]]; then
  CRASHCTL=
  crashctl_state="not measured (CRASHCTL=none)"
else
  use_crashctl
  # Not `| grep -q`: under pipefail, grep exiting at the first match kills
  # crashctl with SIGPIPE and the pipeline fails.
  if "$CRASHCTL" analyze --help 2>/dev/null | grep -c -- '--memory' >/dev/null; then
    crashctl_state=ok
  else
    crashctl_state="not measured: $CRASHCTL has no --memory option yet ($("$CRASHCTL" --version | sed -n 2p))"
    log "$crashctl_state"
  fi
fi

use_viewcore "$WORK"  # sets VIEWCORE and viewcore_from (bench/common.sh)

# --- the core -------------------------------------------------------------------------
export GOTOOLCHAIN=${BENCH_GOTOOLCHAIN:-local}
log "building scenarios-memory with $(go env GOVERSION)"
(cd "$ROOT/testdata/scenarios-memory" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$WORK/scenarios-memory" .)
unset GOTOOLCHAIN
EXE=$WORK/scenarios-memory
rm -f "$WORK"/core*
log "running all at scale $SCALE${ELEM:+, $ELEM-byte elements}, crashing for a core"
( (cd "$WORK" && ulimit -c unlimited && exec env CRASHCTL_MEMORY_SCALE="$SCALE" ${ELEM:+CRASHCTL_MEMORY_ELEM=$ELEM} \
  GOTRACEBACK=crash "$EXE" all) >/dev/null 2>"$WORK/stderr.txt" </dev/null || true) 2>/dev/null
CORE=$WORK/core
[[ -s $CORE ]] || die "no core written (core_pattern is $(cat /proc/sys/kernel/core_pattern))"
grep -q '^crashctl-memory: ' "$WORK/stderr.txt" || die "the program printed no crashctl-memory line"

# measure NAME CMD...: RUNS runs under /usr/bin/time -v; keeps in $WORK/NAME.time
# the report of the fastest run (wall clock) and NAME.out/.err of the last,
# and appends every run's "wall cpu rss_kb exit" to NAME.runs
measure() {
  local name=$1 i wall best=
  shift
  : >"$WORK/$name.runs"
  for ((i = 1; i <= RUNS; i++)); do
    /usr/bin/time -v -o "$WORK/$name.time.$i" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' "$WORK/$name.time.$i")
    awk -F': ' -v w="$wall" '/User time/{u=$2} /System time/{s=$2} /Maximum resident/{r=$2} /Exit status/{x=$2}
      END{print w, u+s, r, x}' "$WORK/$name.time.$i" >>"$WORK/$name.runs"
    if [[ -z $best ]] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a < b)}'; then
      best=$wall
      cp "$WORK/$name.time.$i" "$WORK/$name.time"
    fi
    rm -f "$WORK/$name.time.$i"
  done
}

log "viewcore histogram"
measure vc_hist "$VIEWCORE" "$CORE" --exe "$EXE" histogram
log "viewcore breakdown"
measure vc_break "$VIEWCORE" "$CORE" --exe "$EXE" breakdown
if [[ $crashctl_state == ok ]]; then
  log "crashctl analyze --memory --format json"
  measure cc "$CRASHCTL" analyze --memory --format json --exe "$EXE" "$CORE"
  log "crashctl once more with CRASHCTL_MEMORY_TIMING (its phases)"
  CRASHCTL_MEMORY_TIMING=1 "$CRASHCTL" analyze --memory --format json --exe "$EXE" "$CORE" 2>&1 >/dev/null |
    sed -n 's/^crashctl-memory-timing: //p' >"$WORK/cc.phases" || true
fi

# --- report ---------------------------------------------------------------------------
report=$(BENCH_DATE=$DATE RUNS=$RUNS python3 - "$WORK" "$crashctl_state" "$viewcore_from" "$SCALE" "${ELEM:--}" "${CRASHCTL:-}" <<'PY'
import json, os, re, sys
work, cc_state, vc_from, scale, elem, crashctl = sys.argv[1:7]
line = next(l for l in open(f"{work}/stderr.txt", errors="replace") if l.startswith("crashctl-memory: "))
want = json.loads(line[len("crashctl-memory: "):])
core = f"{work}/core"
st = os.stat(core)

def timing(name):
    t = open(f"{work}/{name}.time").read()
    g = lambda k: re.search(re.escape(k) + r": (.*)", t).group(1).strip()
    wall = g("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return secs, int(g("Maximum resident set size (kbytes)")) / 1024, float(g("User time (seconds)")) + float(g("System time (seconds)")), int(g("Exit status"))

# viewcore's histogram: "count size bytes type" rows
hist = []
for l in open(f"{work}/vc_hist.out", errors="replace"):
    m = re.match(r"\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*\S)\s*$", l)
    if m:
        hist.append((int(m[1]), int(m[2]), int(m[3]), m[4]))
vc_objects = sum(h[0] for h in hist)
vc_bytes = sum(h[2] for h in hist)

out = []
p = out.append
p(f"# bench/memory.sh, {os.environ['BENCH_DATE']}")
p("")
p(f"- program: testdata/scenarios-memory `all`, {want['go_version']}, CRASHCTL_MEMORY_SCALE={scale}, "
  f"element size {'per owner (1024, 4096, 512, 240, 8192)' if elem == '-' else elem + ' bytes for every owner'}; "
  f"GOTRACEBACK=crash core {st.st_size / 1e6:.0f} MB apparent, {st.st_blocks * 512 / 1e6:.0f} MB on disk")
p(f"- runtime: heap_alloc {want['heap_alloc']:,} bytes ({want['heap_alloc'] / 2**20:.0f} MiB), "
  f"heap_objects {want['heap_objects']:,} (MemStats after two runtime.GC)")
p(f"- viewcore: {vc_from}")
p(f"- crashctl: {crashctl or '-'}: {cc_state}")
p(f"- machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
  f"load average before the report {open('/proc/loadavg').read().split()[:3]}")
p("")
p(f"Best of {os.environ['RUNS']} runs each (wall clock; CPU = user + sys of that run; peak RSS the largest of all runs).")
p("")
p("| run | wall s | CPU s | peak RSS MiB | exit |")
p("| --- | ---: | ---: | ---: | ---: |")
rows = [("vc_hist", "`viewcore CORE --exe EXE histogram`"), ("vc_break", "`viewcore CORE --exe EXE breakdown`")]
if cc_state == "ok":
    rows.append(("cc", "`crashctl analyze --memory --format json --exe EXE CORE`"))
for name, label in rows:
    w, rss, cpu, rc = timing(name)
    rss = max(int(l.split()[2]) for l in open(f"{work}/{name}.runs")) / 1024
    p(f"| {label} | {w:.2f} | {cpu:.2f} | {rss:.0f} | {rc} |")
if cc_state != "ok":
    p(f"| `crashctl analyze --memory --format json` | {cc_state} | | | |")
p("")
p(f"viewcore's histogram: {len(hist)} rows, {vc_objects:,} objects, {vc_bytes:,} bytes "
  f"({vc_bytes / want['heap_alloc']:.1%} of heap_alloc, {vc_objects / want['heap_objects']:.1%} of heap_objects).")
p("")

# per owner: the payload elements viewcore's histogram shows at the owner's element size
cc_ret = []
if cc_state == "ok":
    try:
        doc = json.load(open(f"{work}/cc.out"))
        reps = [r for i in doc.get("inputs", []) for r in i.get("reports", [])]
        mem = next((r["memory"] for r in reps if isinstance(r.get("memory"), dict)), {})
        cc_ret = mem.get("retainers") or []
        p(f"crashctl: live_bytes {mem.get('live_bytes')}, live_objects {mem.get('live_objects')}, "
          f"{len(cc_ret)} retainers.")
        p("")
    except Exception as e:
        p(f"crashctl's JSON could not be read: {e}")
        p("")

def cc_find(o):
    for r in cc_ret:
        root = r.get("root") or {}
        if o["kind"] == "stack":
            if root.get("kind") == "stack" and root.get("goroutine") == o["goroutine"] and \
               root.get("function") == o["function"] and root.get("variable") == o["variable"]:
                return r
        elif root.get("kind") == "global" and root.get("name") == o["owner"]:
            return r
    return None

distinct = elem == "-"
p("Per owner: the runtime's HeapAlloc delta; viewcore's histogram rows whose object size is the owner's")
p("element size (listed: as objects it found, of any type, capped at the element count; typed: with a")
p("type other than `unkN`), and crashctl's retainer for the owner's root with its retained bytes.")
p("")
p("| owner | runtime delta | elements | viewcore: histogram rows of that size | listed | typed | crashctl retained | ratio |")
p("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
for o in want["owners"]:
    name = o["owner"] if o["kind"] == "global" else f"{o['variable']} in {o['function']} (goroutine {o['goroutine']})"
    sizes = {o["element_bytes"]}
    vc = [h for h in hist if h[1] in sizes]
    if distinct:
        got = sum(h[0] for h in vc)
        typed = sum(h[0] for h in vc if not h[3].startswith("unk"))
        desc = ", ".join(f"{h[0]:,} x {h[3]}" for h in vc) or "none"
        found = f"{min(got, o['elements']) / o['elements']:.1%}"
        typed = f"{min(typed, o['elements']) / o['elements']:.1%}"
    else:
        desc, found, typed = "(same element size for every owner)", "-", "-"
    r = cc_find(o)
    if cc_state != "ok":
        ccs, ratio = "-", "-"
    elif r is None:
        ccs, ratio = "not found", "-"
    else:
        ccs = f"{r.get('retained_bytes'):,}"
        ratio = f"{r.get('retained_bytes') / o['bytes']:.2f}"
    p(f"| {name} (`{o['type']}`) | {o['bytes']:,} | {o['elements']:,} x {o['element_bytes']} | {desc} | {found} | {typed} | {ccs} | {ratio} |")
if cc_state == "ok":
    ok = [cc_find(o) is not None and abs(cc_find(o).get("retained_bytes", 0) / o["bytes"] - 1) <= 0.15
          for o in want["owners"]]
    p("")
    p(f"crashctl: {sum(ok)} of {len(ok)} owners named and within 15% of the runtime's delta.")
    if os.path.exists(f"{work}/cc.phases") and os.path.getsize(f"{work}/cc.phases"):
        p("")
        p("crashctl's phases (one more run, CRASHCTL_MEMORY_TIMING=1; wall time of each, peak RSS so far, CPU time "
          "of the thread that timed it: type propagation runs on a thread of its own while the dominator tree is "
          "built, pointer resolution on all cores):")
        p("")
        p("```")
        p(open(f"{work}/cc.phases").read().rstrip())
        p("```")
if distinct:
    trees = [h for h in hist if h[3] == "main.Tree"]
    p("")
    p(f"main.Tree nodes in viewcore's histogram: {sum(h[0] for h in trees):,} "
      f"(the tree has {next(o['elements'] for o in want['owners'] if o['owner'] == 'main.index'):,}).")
p("")
p("viewcore's histogram, first 25 rows:")
p("")
p("```")
p("".join(open(f"{work}/vc_hist.out", errors="replace").readlines()[:26]).rstrip())
p("```")
p("")
p("viewcore's breakdown:")
p("")
p("```")
p(open(f"{work}/vc_break.out", errors="replace").read().rstrip()[:6000])
p("```")
err = open(f"{work}/vc_hist.err", errors="replace").read().strip()
if err:
    p("")
    p("viewcore's stderr (histogram):")
    p("")
    p("```")
    p(err[:3000])
    p("```")
print("\n".join(out))
PY
)
printf '%s\n' "$report"
if [[ "$OUT" != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$report" >"$OUT"
  log "wrote $OUT"
fi
