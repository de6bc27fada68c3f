#!/usr/bin/env bash
# bench/core.sh [N]: crashctl on the core of a program with N (default
# 100,000) parked goroutines (bench/core/main.go, GOTRACEBACK=crash), against
# golang.org/x/debug's `viewcore CORE --exe EXE goroutines` and Delve's `dlv
# core EXE CORE` with `goroutines -t`, measured in the same run (issue 17).
#
# The peers are installed at run time, never committed: Delve with `go
# install github.com/go-delve/delve/cmd/dlv@$DLV_VERSION`, viewcore with `go
# install golang.org/x/debug/cmd/viewcore@$VIEWCORE_VERSION` or, when the
# module proxy refuses it, from VIEWCORE_SRC (bench/common.sh use_viewcore).
#
# Each command runs RUNS times, rounds interleaved (crashctl text, crashctl
# JSON, viewcore, Delve, then crashctl JSON and viewcore again on every CPU)
# so that the machine's drift hits all alike, pinned to BENCH_CPU unless on
# every CPU, with its output to /dev/null: the tools' own time, not the file
# system's. Kept per command: the best wall and CPU (user+sys) time and the
# largest peak RSS (/usr/bin/time -v). Then crashctl's JSON RUNS times more
# into a file on disk (the cost of writing its hundreds of MB), and each
# tool once into a file for the checks: the goroutines each lists, and
# crashctl's frames and defers. Ratios are peer / crashctl JSON, within
# this run.
#
# With CRASHCTL_BASE (an earlier crashctl) set, it also measures that one
# against CRASHCTL, alternating runs (bench/common.sh ab_measure), and
# compares the two JSON documents byte for byte.
#
# Environment (all optional): RUNS (3), BENCH_CPU (0), DLV_VERSION (v1.27.2),
# VIEWCORE, VIEWCORE_VERSION, VIEWCORE_SRC, CRASHCTL, CRASHCTL_BASE,
# BENCH_DIR (/tmp/crashctl-bench-core), OUT (bench/results/core-<date>[b-h].md;
# "-": stdout only). Needs go, python3, taskset.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
N=${1:-100000}
DLV_VERSION=${DLV_VERSION:-v1.27.2}
WORK=${BENCH_DIR:-/tmp/crashctl-bench-core}
RUNS=${RUNS:-3}
CPU=${BENCH_CPU:-0}
OUT=${OUT:-$(results_file core)}
mkdir -p "$WORK"
require_tools go python3 git taskset
use_crashctl
use_viewcore "$WORK"
if [[ ! -x "$WORK/bin/dlv" ]]; then
  log "installing Delve $DLV_VERSION"
  GOBIN="$WORK/bin" go install "github.com/go-delve/delve/cmd/dlv@$DLV_VERSION"
fi

log "building the program and crashing it with $N goroutines"
(cd "$ROOT/bench/core" && GOFLAGS=-buildvcs=false go build -o "$WORK/prog" .)
rm -f "$WORK/core"
( (cd "$WORK" && ulimit -c unlimited && exec env GOTRACEBACK=crash ./prog -n "$N") >/dev/null 2>"$WORK/stderr.txt" </dev/null || true) 2>/dev/null
[[ -s "$WORK/core" ]] || die "no core written (core_pattern is $(cat /proc/sys/kernel/core_pattern))"
EXE=$WORK/prog
CORE=$WORK/core
printf 'goroutines -t\nexit\n' >"$WORK/dlv-init"
DLV=("$WORK/bin/dlv" core "$EXE" "$CORE" --check-go-version=false --allow-non-terminal-interactive=true --init "$WORK/dlv-init")

ALL_CPUS=0-$(($(nproc) - 1))
# run1 NAME OUTFILE CMD...: one run under /usr/bin/time -v pinned to CPU (to
# every CPU for names ending in _all); appends "wall_us cpu_us rss_kb exit"
# to NAME.runs
run1() {
  local name=$1 out=$2 t0 t1 rc=0 cpus=$CPU
  shift 2
  [[ $name == *_all ]] && cpus=$ALL_CPUS
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$WORK/$name.time" taskset -c "$cpus" "$@" >"$out" 2>"$WORK/$name.err" || rc=$?
  t1=$(date +%s%N)
  awk -F': ' -v w=$(((t1 - t0) / 1000)) -v rc="$rc" '/User time/{u=$2} /System time/{s=$2} /Maximum resident/{r=$2}
    END{printf "%d %d %d %d\n", w, (u+s)*1e6, r, rc}' "$WORK/$name.time" >>"$WORK/$name.runs"
}

for n in cc_text cc_json viewcore dlv cc_json_all viewcore_all cc_json_file; do : >"$WORK/$n.runs"; done
for ((i = 1; i <= RUNS; i++)); do
  log "round $i of $RUNS: crashctl text, crashctl JSON, viewcore goroutines, dlv goroutines -t; then crashctl JSON and viewcore on all CPUs"
  run1 cc_text /dev/null "$CRASHCTL" analyze --exe "$EXE" "$CORE"
  run1 cc_json /dev/null "$CRASHCTL" analyze -f json --exe "$EXE" "$CORE"
  run1 viewcore /dev/null "$VIEWCORE" "$CORE" --exe "$EXE" goroutines
  run1 dlv /dev/null "${DLV[@]}"
  run1 cc_json_all /dev/null "$CRASHCTL" analyze -f json --exe "$EXE" "$CORE"
  run1 viewcore_all /dev/null "$VIEWCORE" "$CORE" --exe "$EXE" goroutines
done
log "crashctl JSON into a file, and each tool's output for the checks"
for ((i = 1; i <= RUNS; i++)); do
  run1 cc_json_file "$WORK/crashctl.json" "$CRASHCTL" analyze -f json --exe "$EXE" "$CORE"
done
"$VIEWCORE" "$CORE" --exe "$EXE" goroutines >"$WORK/viewcore.out" 2>/dev/null || true
"${DLV[@]}" >"$WORK/dlv.out" 2>/dev/null || true

same_as_base="-"
if [[ -n "${CRASHCTL_BASE:-}" ]]; then
  "$CRASHCTL_BASE" analyze -f json --exe "$EXE" "$CORE" >"$WORK/crashctl-base.json" 2>/dev/null || true
  if cmp -s "$WORK/crashctl-base.json" "$WORK/crashctl.json"; then
    same_as_base="byte-identical ($(stat -c %s "$WORK/crashctl.json") bytes)"
  else
    same_as_base="DIFFERENT: $(cmp "$WORK/crashctl-base.json" "$WORK/crashctl.json" 2>&1 | head -1)"
  fi
  ab_measure "core text" analyze --exe "$EXE" "$CORE"
  ab_measure "core json" analyze -f json --exe "$EXE" "$CORE"
fi

report=$(python3 - "$WORK" "$N" "$RUNS" "$CPU" "$CRASHCTL" "$viewcore_from" "$DLV_VERSION" "$same_as_base" <<'PY'
import json, os, re, subprocess, sys
work, n, runs, cpu, crashctl, vc_from, dlv_version, same = sys.argv[1:9]
def stats(name):
    rows = [list(map(int, l.split())) for l in open(f"{work}/{name}.runs") if l.strip()]
    return dict(wall=min(r[0] for r in rows) / 1e6, cpu=min(r[1] for r in rows) / 1e6,
                rss=max(r[2] for r in rows) / 1024, exits=sorted({r[3] for r in rows}),
                walls=[r[0] / 1e6 for r in rows])
s = {k: stats(k) for k in ["cc_text", "cc_json", "cc_json_file", "viewcore", "dlv", "cc_json_all", "viewcore_all"]}
doc = json.load(open(f"{work}/crashctl.json"))
rep = doc["inputs"][0]["reports"][0]
gs = rep["goroutines"]
frames = sum(len(g["frames"]) for g in gs)
defers = sum(len(g["defers"]) for g in gs)
vc = open(f"{work}/viewcore.out", errors="replace").read().splitlines()
vc_g = sum(1 for l in vc if l.startswith("G "))
vc_frames = sum(1 for l in vc if l.startswith("  "))
dl = open(f"{work}/dlv.out", errors="replace").read().splitlines()
dlv_g = sum(1 for l in dl if re.match(r"^\s*\*?\s*Goroutine \d+", l))
core = os.stat(f"{work}/core")
go = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.split()[2]
rev = subprocess.run([crashctl, "--version"], capture_output=True, text=True).stdout.strip().replace("\n", "; ")
out = []
p = out.append
p(f"# bench/core.sh, {subprocess.run(['date', '-u', '+%F %H:%M'], capture_output=True, text=True).stdout.strip()} UTC")
p("")
p(f"- program: bench/core/main.go with {int(n):,} parked goroutines, {go}, GOTRACEBACK=crash; core "
  f"{core.st_size / 1e6:.0f} MB apparent, {core.st_blocks * 512 / 1e6:.0f} MB on disk")
p(f"- crashctl: {crashctl} ({rev})")
p(f"- viewcore: {vc_from}")
p(f"- Delve: {dlv_version} (go install at run time)")
p(f"- machine: {os.cpu_count()} cores; every run pinned to CPU {cpu} (`taskset -c {cpu}`) unless marked \"all CPUs\", "
  f"output to /dev/null unless marked; best of {runs}, rounds interleaved; load average at the end "
  f"{' '.join(open('/proc/loadavg').read().split()[:3])}")
p("")
p("| run | wall s (best) | CPU s (best) | peak RSS MiB | viewcore wall / this | this / crashctl JSON wall | this / crashctl JSON CPU |")
p("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
rows = [("cc_text", "`crashctl analyze --exe EXE CORE` (text report)"),
        ("cc_json", "`crashctl analyze -f json --exe EXE CORE` (every goroutine, frame, defer)"),
        ("cc_json_file", "the same JSON written to a file on disk"),
        ("viewcore", "`viewcore CORE --exe EXE goroutines`"),
        ("dlv", "`dlv core EXE CORE`, `goroutines -t`"),
        ("cc_json_all", "crashctl JSON on all CPUs"),
        ("viewcore_all", "viewcore goroutines on all CPUs")]
j = s["cc_json"]
for k, label in rows:
    r = s[k]
    p(f"| {label} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['rss']:.0f} | {s['viewcore']['wall'] / r['wall']:.1f}x | "
      f"{r['wall'] / j['wall']:.1f}x | {r['cpu'] / j['cpu']:.1f}x |")
p("")
p(f"Targets (issue 17): crashctl JSON >= 10x faster than viewcore goroutines: **{s['viewcore']['wall'] / j['wall']:.1f}x** wall "
  f"({s['viewcore']['cpu'] / j['cpu']:.1f}x CPU); >= 50x faster than Delve goroutines -t: "
  f"**{s['dlv']['wall'] / j['wall']:.1f}x** wall ({s['dlv']['cpu'] / j['cpu']:.1f}x CPU). "
  f"Into a file: {s['viewcore']['wall'] / s['cc_json_file']['wall']:.1f}x and {s['dlv']['wall'] / s['cc_json_file']['wall']:.1f}x. "
  f"Both on all CPUs: {s['viewcore_all']['wall'] / s['cc_json_all']['wall']:.1f}x viewcore.")
p("")
p("Every run's wall time, s: " + "; ".join(f"{k} " + ", ".join(f"{w:.3f}" for w in s[k]["walls"]) for k, _ in rows))
p("Exit statuses: " + ", ".join(f"{k} {s[k]['exits']}" for k, _ in rows))
p("")
p(f"What each listed: crashctl {len(gs):,} goroutines, {frames:,} frames, {defers:,} defers "
  f"({os.path.getsize(f'{work}/crashctl.json') / 1e6:.0f} MB of JSON); viewcore {vc_g:,} goroutines, {vc_frames:,} frame lines; "
  f"Delve {dlv_g:,} goroutines.")
p(f"crashctl's goroutines: {'ok' if len(gs) >= int(n) else 'TOO FEW'} (the program's {int(n):,} plus the runtime's).")
p(f"crashctl JSON against CRASHCTL_BASE's: {same}")
print("\n".join(out))
PY
)
if [[ -n "${CRASHCTL_BASE:-}" ]]; then
  report+=$'\n\n'"Before and after, alternating runs, pinned to CPU ${BENCH_CPU:-0}: base $CRASHCTL_BASE, best of ${RUNS} each; limit 5%."$'\n\n'"$(ab_report 5)"
fi
printf '%s\n' "$report"
if [[ "$OUT" != "-" ]]; then
  printf '%s\n' "$report" >"$OUT"
  log "wrote $OUT"
fi
