#!/usr/bin/env bash
# Crash text where every goroutine's text differs: GOTRACEBACK=system dumps,
# whose frames all carry fp= sp= pc=, measured against DataDog/gostackparse's
# parser alone (in process, parse only, same file, same run).
#
#   bench/text_system.sh     # writes bench/results/text_system-<date>.md
#
# Inputs, made from real programs with the installed go and cached in BENCH_DIR:
#   system.txt  bench/gen with GEN_SCALE=113 under GOTRACEBACK=system: about
#               210,000 goroutines parked in a dozen ways, ending in a panic
#   busy.txt    bench/busy: 100,000 goroutines in 320 handlers (middleware
#               chains into services that block in nine ways), half of them
#               parked for over a minute, SIGQUIT under GOTRACEBACK=system
#
# Environment (all optional):
#   BENCH_DIR      work dir (/tmp/crashctl-bench-system)
#   RUNS           timed runs per command, the best is kept (3)
#   BENCH_CPU      CPU the one-core rows are pinned to (0); the "all CPUs"
#                  rows are not pinned (parallel decoding of one file)
#   CRASHCTL       crashctl binary; if unset, build-bench/ is (re)built
#   CRASHCTL_BASE  an earlier crashctl: its JSON must be byte-identical, and
#                  before/after rows are added
#   BUSY_WAIT      how long bench/busy's first half waits (61s)
#
# gostackparse v0.7.0 does not read Go 1.22+ goroutine headers (" gp=0x..
# m=nil"): it is given a copy of each input with those fields removed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_DIR=${BENCH_DIR:-/tmp/crashctl-bench-system}
RUNS=${RUNS:-3}
BENCH_CPU=${BENCH_CPU:-0}
BUSY_WAIT=${BUSY_WAIT:-61s}
GSP_VERSION=v0.7.0

# shellcheck source=bench/common.sh
source "$HERE/common.sh"
mkdir -p "$BENCH_DIR/bin" "$BENCH_DIR/runs"
require_tools go taskset
use_crashctl

# --- inputs (cached) -----------------------------------------------------------
key=$( { cat "$HERE/gen/main.go" "$HERE/busy/main.go" "$HERE/busy/gen/main.go"; echo "$BUSY_WAIT"; go version; } | sha256sum | cut -c1-16)
if [[ "$(cat "$BENCH_DIR/inputs.key" 2>/dev/null)" == "$key" && -s $BENCH_DIR/system.txt && -s $BENCH_DIR/busy.txt ]]; then
  log "reusing cached inputs in $BENCH_DIR (key $key)"
else
  rm -f "$BENCH_DIR/inputs.key"
  log "system.txt: bench/gen, GEN_SCALE=113, GOTRACEBACK=system (about a minute)"
  (cd "$HERE/gen" && go build -o "$BENCH_DIR/gen" .)
  rc=0
  GEN_SCALE=113 GOTRACEBACK=system "$BENCH_DIR/gen" >/dev/null 2>"$BENCH_DIR/system.txt" || rc=$?
  [[ $rc -eq 2 ]] || die "bench/gen exited $rc, expected 2 (panic)"
  log "busy.txt: bench/busy, 100,000 goroutines, SIGQUIT after $BUSY_WAIT, GOTRACEBACK=system (about two minutes)"
  src=$BENCH_DIR/busy-src
  rm -rf "$src" && mkdir -p "$src" && cp -r "$HERE/busy/." "$src/"
  (cd "$src" && go run ./gen -n 320 >handlers_gen.go && go build -o "$BENCH_DIR/busy" .)
  rc=0
  BUSY_WAIT=$BUSY_WAIT GOTRACEBACK=system "$BENCH_DIR/busy" 2>"$BENCH_DIR/busy.txt" || rc=$?
  [[ $rc -eq 2 ]] || die "bench/busy exited $rc, expected 2 (SIGQUIT)"
  echo "$key" >"$BENCH_DIR/inputs.key"
fi
for f in system busy; do
  # gostackparse's copy: Go 1.22+ header fields removed.
  if [[ ! -s $BENCH_DIR/$f.gsp.txt || $BENCH_DIR/$f.gsp.txt -ot $BENCH_DIR/$f.txt ]]; then
    sed -E 's/^(goroutine [0-9]+)( gp=0x[0-9a-f]+)?( m=([0-9]+|nil))?( mp=0x[0-9a-f]+)?( \[)/\1\6/' \
      "$BENCH_DIR/$f.txt" >"$BENCH_DIR/$f.gsp.txt"
  fi
done

# --- gostackparse, parse only (its module from the proxy, at benchmark time) ------
GSP=$BENCH_DIR/bin/gostackparse-parse
if [[ ! -x $GSP ]]; then
  log "building bench/gostackparse against github.com/DataDog/gostackparse@$GSP_VERSION"
  (cd "$HERE/gostackparse" && go build -o "$GSP" .)
fi

# --- measurement -----------------------------------------------------------------
declare -A WALL CPU RSS
# measure NAME CMD...: best wall and CPU (user+sys) of RUNS runs pinned to one core, largest RSS.
# With ALL_CPUS=1, not pinned: crashctl decodes a large file on every CPU.
measure() {
  local name=$1 i w c rss tf=$BENCH_DIR/runs/time.txt pin=(taskset -c "$BENCH_CPU"); shift
  [[ "${ALL_CPUS:-0}" == 1 ]] && pin=()
  for ((i = 1; i <= RUNS; i++)); do
    TIMED_STDERR=$BENCH_DIR/runs/stderr.txt timed "$tf" "${pin[@]}" "$@" \
      || die "$name exited non-zero: $(tail -3 "$BENCH_DIR/runs/stderr.txt")"
    w=$TIMED_WALL_US c=$TIMED_CPU_US rss=$TIMED_RSS_KB
    [[ -z "${WALL[$name]:-}" || $w -lt ${WALL[$name]} ]] && WALL[$name]=$w
    [[ -z "${CPU[$name]:-}" || $c -lt ${CPU[$name]} ]] && CPU[$name]=$c
    [[ -z "${RSS[$name]:-}" || $rss -gt ${RSS[$name]} ]] && RSS[$name]=$rss
  done
  log "$name: best $(awk -v w="${WALL[$name]}" 'BEGIN{printf "%.3f", w/1e6}') s wall, $((RSS[$name] / 1024)) MiB"
}
# gsp NAME FILE: gostackparse's own in-process timing (best of RUNS), pinned likewise.
declare -A GSP_S GSP_N
gsp() {
  local out
  out=$(taskset -c "$BENCH_CPU" "$GSP" -runs "$RUNS" "$2")
  read -r GSP_S[$1] GSP_N[$1] _ errs <<<"$out"
  [[ "$errs" == 0 ]] || die "gostackparse reported $errs errors on $2"
  log "gostackparse $1: ${GSP_S[$1]} s, ${GSP_N[$1]} goroutines"
}

for f in system busy; do
  in=$BENCH_DIR/$f.txt
  cat "$in" "$BENCH_DIR/$f.gsp.txt" >/dev/null  # page cache
  n=$(grep -c '^goroutine ' "$in")
  # Correct before fast: every goroutine in the JSON, and the same JSON as the base.
  "$CRASHCTL" analyze --format json "$in" >"$BENCH_DIR/runs/$f.json"
  got=$(grep -c '^              "id": ' "$BENCH_DIR/runs/$f.json" || true)
  [[ "$got" == "$n" ]] || die "crashctl --format json $f: $got goroutines, expected $n"
  if [[ -n "${CRASHCTL_BASE:-}" ]]; then
    "$CRASHCTL_BASE" analyze --format json "$in" >"$BENCH_DIR/runs/$f.base.json"
    cmp -s "$BENCH_DIR/runs/$f.json" "$BENCH_DIR/runs/$f.base.json" || die "$f: JSON differs from CRASHCTL_BASE's"
    rm -f "$BENCH_DIR/runs/$f.base.json"
    log "$f: JSON byte-identical to CRASHCTL_BASE's"
  fi
  # Parallel decoding must give one thread's JSON.
  "$CRASHCTL" analyze -j 1 --format json "$in" >"$BENCH_DIR/runs/$f.j1.json"
  cmp -s "$BENCH_DIR/runs/$f.json" "$BENCH_DIR/runs/$f.j1.json" || die "$f: JSON on every CPU differs from one thread's"
  log "$f: JSON on every CPU byte-identical to one thread's"
  rm -f "$BENCH_DIR/runs/$f.json" "$BENCH_DIR/runs/$f.j1.json"
  measure "$f text" "$CRASHCTL" analyze --format text --color never "$in"
  measure "$f json" "$CRASHCTL" analyze --format json "$in"
  ALL_CPUS=1 measure "$f text, all CPUs" "$CRASHCTL" analyze --format text --color never "$in"
  ALL_CPUS=1 measure "$f json, all CPUs" "$CRASHCTL" analyze --format json "$in"
  if [[ -n "${CRASHCTL_BASE:-}" ]]; then measure "$f text (base)" "$CRASHCTL_BASE" analyze --format text --color never "$in"; fi
  gsp "$f" "$BENCH_DIR/$f.gsp.txt"
  [[ "${GSP_N[$f]}" == "$n" ]] || die "gostackparse read ${GSP_N[$f]} goroutines of $n in $f"
done

# --- report ------------------------------------------------------------------------
OUT=$(results_file text_system)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z "$(git -C "$ROOT" status --porcelain -- lib tools 2>/dev/null | head -1)" ]] || rev="$rev+uncommitted lib/tools changes"
report() {
  echo "# crashctl on crash text whose goroutines all differ (GOTRACEBACK=system), $(date +%F)"
  echo
  echo "- crashctl: $rev, $CRASHCTL${CRASHCTL_BASE:+; base: $CRASHCTL_BASE ($("$CRASHCTL_BASE" --version 2>/dev/null | head -1))}"
  echo "- machine: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cores; one-core rows pinned to CPU $BENCH_CPU, \"all CPUs\" rows not pinned; best of $RUNS"
  echo "- $(go version | awk '{print $3}'); gostackparse $GSP_VERSION, Parse() timed in process on the file read into memory," \
       "given a copy without the Go 1.22+ header fields (gp= m= mp=), which it cannot read"
  for f in system busy; do
    echo "- $f.txt: $(stat -c %s "$BENCH_DIR/$f.txt") bytes, $(grep -c '^goroutine ' "$BENCH_DIR/$f.txt") goroutines," \
         "$(grep -c ' fp=0x' "$BENCH_DIR/$f.txt") frames with fp= sp= pc=, $(grep -c 'minutes\]:' "$BENCH_DIR/$f.txt") goroutines with wait minutes"
  done
  echo "- MB/s = input bytes (10^6) / seconds; crashctl's output to /dev/null; CPU = user + sys"
  echo
  echo "| input | run | wall s | CPU s | MB/s (wall) | peak RSS MB | RSS / input |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
  local f n size
  for f in system busy; do
    size=$(stat -c %s "$BENCH_DIR/$f.txt")
    for n in "$f text" "$f json" "$f text, all CPUs" "$f json, all CPUs" "$f text (base)"; do
      [[ -n "${WALL[$n]:-}" ]] || continue
      awk -v f="$f" -v n="crashctl ${n#"$f "}" -v w="${WALL[$n]}" -v c="${CPU[$n]}" -v r="${RSS[$n]}" -v s="$size" 'BEGIN{
        printf "| %s | %s | %.3f | %.3f | %.0f | %.1f | %.3f |\n", f, n, w/1e6, c/1e6, s/1e6/(w/1e6), r*1024/1e6, r*1024/s }'
    done
    awk -v f="$f" -v t="${GSP_S[$f]}" -v s="$size" 'BEGIN{printf "| %s | gostackparse Parse (in process) | %.3f | - | %.0f | - | - |\n", f, t, s/1e6/t}'
  done
  echo
  echo "| ratio | value | target |"
  echo "| --- | ---: | --- |"
  for f in system busy; do
    size=$(stat -c %s "$BENCH_DIR/$f.txt")
    awk -v f="$f" -v w="${WALL["$f text"]}" -v t="${GSP_S[$f]}" 'BEGIN{printf "| %s: crashctl end to end / gostackparse parse only, throughput | %.2f | >= 4 |\n", f, t/(w/1e6)}'
    awk -v f="$f" -v w="${WALL["$f text, all CPUs"]}" -v t="${GSP_S[$f]}" -v n="$(nproc)" 'BEGIN{printf "| %s: the same, crashctl on all %d CPUs | %.2f | >= 4 |\n", f, n, t/(w/1e6)}'
    awk -v f="$f" -v w="${WALL["$f text"]}" -v s="$size" 'BEGIN{printf "| %s: crashctl GiB/s, one core | %.2f | >= 1 |\n", f, s/(w/1e6)/1073741824}'
    awk -v f="$f" -v w="${WALL["$f text, all CPUs"]}" -v s="$size" -v n="$(nproc)" 'BEGIN{printf "| %s: crashctl GiB/s, all %d CPUs | %.2f | - |\n", f, n, s/(w/1e6)/1073741824}'
    awk -v f="$f" -v r="${RSS["$f text"]}" -v s="$size" 'BEGIN{printf "| %s: crashctl peak RSS / input | %.3f | <= 0.3 |\n", f, r*1024/s}'
    awk -v f="$f" -v r="${RSS["$f text, all CPUs"]}" -v s="$size" 'BEGIN{printf "| %s: the same, all CPUs | %.3f | <= 0.3 |\n", f, r*1024/s}'
    if [[ -n "${WALL["$f text (base)"]:-}" ]]; then
      awk -v f="$f" -v a="${WALL["$f text (base)"]}" -v b="${WALL["$f text"]}" 'BEGIN{printf "| %s: speed-up over CRASHCTL_BASE | %.2f | - |\n", f, a/b}'
    fi
  done
}
report | tee "$OUT"
log "wrote $OUT"
