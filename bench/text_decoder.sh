#!/usr/bin/env bash
# Throughput and peak-memory benchmark of crashctl's crash-text decoder on a
# large, real Go goroutine dump (GOTRACEBACK=all).
#
#   bench/text_decoder.sh            # full run, writes bench/results/text_decoder-<date>.md
#
# Environment (all optional):
#   BENCH_DIR   work dir for generated inputs and installed tools (/tmp/crashctl-bench)
#   RUNS        timed runs per command; the best (fastest) is reported (3)
#   GOROUTINES  goroutines in the big dump (1000000)
#   TIMEOUT     seconds before one run of one tool is killed (600)
#   BENCH_CPU   CPU every measured command is pinned to (0)
#   CRASHCTL    crashctl binary to measure; if unset, build-bench/ is (re)built
#   SKIP_OTHERS=1  do not install or run gostack2json / panicparse
#   CRASHCTL_BASE  an earlier crashctl: also measure it against CRASHCTL,
#               alternating runs, and report new/base ratios (limit 5%)
#   VARY=0      skip the second input (big-vary.txt) whose copies get their own
#               heap-pointer arguments, so that stacks are not byte-identical
#
# Steps: (1) run bench/gen (a Go program that parks ~2,000 goroutines in
# realistic ways and then panics) to get a real dump, and replicate its
# goroutine blocks with renumbered ids into big.txt; (2) zstd -3 copy;
# (3) time each command with /usr/bin/time -v, pinned to one core; (4) print
# and save a table. Inputs are cached in BENCH_DIR keyed on the generator,
# the replicator, GOROUTINES and the Go version. The benchmark fails if
# crashctl's output has the wrong goroutine count or verdict.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_DIR=${BENCH_DIR:-/tmp/crashctl-bench}
RUNS=${RUNS:-3}
GOROUTINES=${GOROUTINES:-1000000}
TIMEOUT=${TIMEOUT:-600}
BENCH_CPU=${BENCH_CPU:-0}
SKIP_OTHERS=${SKIP_OTHERS:-0}
VARY=${VARY:-1}

# shellcheck source=bench/common.sh
source "$HERE/common.sh"
mkdir -p "$BENCH_DIR/bin" "$BENCH_DIR/runs"
require_tools go zstd taskset python3

# --- crashctl ------------------------------------------------------------------
use_crashctl

# --- inputs (cached) -------------------------------------------------------------
SEED=$BENCH_DIR/seed.txt
BIG=$BENCH_DIR/big.txt
ZST=$BENCH_DIR/big.txt.zst
VBIG=$BENCH_DIR/big-vary.txt
KEYFILE=$BENCH_DIR/inputs.key
key=$( { cat "$HERE/gen/main.go" "$HERE/gen/go.mod" "$HERE/replicate.py"; echo "$GOROUTINES"; go version; } | sha256sum | cut -c1-16)

if [[ -f "$KEYFILE" && "$(cat "$KEYFILE")" == "$key" && -s "$SEED" && -s "$BIG" && -s "$ZST" && -s "$VBIG" ]]; then
  log "reusing cached inputs in $BENCH_DIR (key $key)"
else
  rm -f "$KEYFILE" "$BIG" "$ZST" "$VBIG"
  log "generating a real goroutine dump with bench/gen"
  (cd "$HERE/gen" && go build -o "$BENCH_DIR/gen" .)
  rc=0
  GOTRACEBACK=all "$BENCH_DIR/gen" >/dev/null 2>"$SEED" || rc=$?
  [[ $rc -eq 2 ]] || die "bench/gen exited $rc, expected 2 (panic)"
  head -1 "$SEED" | grep -q '^panic: ' || die "seed dump does not start with a panic header"
  seed_n=$(grep -c '^goroutine ' "$SEED")
  (( seed_n >= 1800 )) || die "seed dump has only $seed_n goroutines; some did not park?"
  log "seed: $seed_n goroutines, $(stat -c %s "$SEED") bytes; replicating to $GOROUTINES goroutines"
  got=$(python3 "$HERE/replicate.py" "$SEED" "$BIG" "$GOROUTINES")
  [[ "$got" == "$GOROUTINES" ]] || die "replicate wrote $got goroutines"
  got=$(python3 "$HERE/replicate.py" --vary-args "$SEED" "$VBIG" "$GOROUTINES")
  [[ "$got" == "$GOROUTINES" ]] || die "replicate --vary-args wrote $got goroutines"
  log "compressing (zstd -3 -T0)"
  zstd -q -3 -T0 -f "$BIG" -o "$ZST"
  echo "$key" > "$KEYFILE"
fi
SIZE=$(stat -c %s "$BIG")
ZSIZE=$(stat -c %s "$ZST")
VSIZE=$(stat -c %s "$VBIG")
SEED_N=$(grep -c '^goroutine ' "$SEED")
log "big.txt: $SIZE bytes, $GOROUTINES goroutines; big.txt.zst: $ZSIZE bytes"

# --- other parsers (installed at benchmark time, never vendored) -------------------
G2J=""; PP=""
if [[ "$SKIP_OTHERS" != 1 ]]; then
  if [[ ! -x "$BENCH_DIR/bin/gostack2json" ]]; then
    log "installing gostack2json"
    GOBIN=$BENCH_DIR/bin timeout 300 go install github.com/DataDog/gostackparse/cmd/gostack2json@latest \
      || log "could not install gostack2json; skipping it"
  fi
  if [[ ! -x "$BENCH_DIR/bin/panicparse" ]]; then
    log "installing panicparse (pp)"
    GOBIN=$BENCH_DIR/bin timeout 300 go install github.com/maruel/panicparse/v2@latest \
      || log "could not install panicparse; skipping it"
  fi
  if [[ -x "$BENCH_DIR/bin/gostack2json" ]]; then G2J=$BENCH_DIR/bin/gostack2json; fi
  if [[ -x "$BENCH_DIR/bin/panicparse" ]]; then PP=$BENCH_DIR/bin/panicparse; fi
fi
modver() { go version -m "$1" 2>/dev/null | awk '$1=="mod"{print $3; exit}'; }

# --- correctness of crashctl's output (fails the benchmark) ------------------------
log "checking crashctl output"
want_other=$((GOROUTINES - 1))
CHECK=("$BIG" "$ZST")
if [[ "$VARY" == 1 ]]; then CHECK+=("$VBIG"); fi
for f in "${CHECK[@]}"; do
  rc=0; "$CRASHCTL" analyze --format text --color never "$f" >"$BENCH_DIR/runs/check.txt" || rc=$?
  [[ $rc -eq 0 ]] || die "crashctl --format text $f exited $rc"
  summary=$(grep -m1 '^other goroutines (' "$BENCH_DIR/runs/check.txt" || true)
  [[ "$summary" == "other goroutines ($want_other):" ]] \
    || die "crashctl --format text $f: expected 'other goroutines ($want_other):', got '${summary:-<none>}'"
  grep -q '^goroutine 1 \[running\] (crashing)' "$BENCH_DIR/runs/check.txt" \
    || die "crashctl --format text $f: no crashing goroutine 1"
  head -1 "$BENCH_DIR/runs/check.txt" | grep -q 'index-out-of-range' \
    || die "crashctl --format text $f: wrong verdict: $(head -1 "$BENCH_DIR/runs/check.txt")"
done
# In the JSON only goroutine objects have an "id" key; they sit at 14 spaces of indent.
json_ids=$("$CRASHCTL" analyze --format json "$BIG" | grep -c '^              "id": ' || true)
[[ "$json_ids" == "$GOROUTINES" ]] || die "crashctl --format json: $json_ids goroutines, expected $GOROUTINES"
log "crashctl output OK: $GOROUTINES goroutines in JSON and text, verdict index-out-of-range"

# --- measurement -------------------------------------------------------------------
# measure NAME STDIN CMD...: RUNS runs pinned to BENCH_CPU under timeout; keeps the
# fastest wall time (own ns clock) and the largest max RSS reported by time -v.
declare -A WALL RSS STATUS
insize() { if [[ "$1" == *"(vary)"* ]]; then echo "$VSIZE"; else echo "$SIZE"; fi; }
ORDER=()
PIN=1  # 0: the command may use every core (crashctl decompresses on a second thread)
measure() {
  local name=$1 in=$2; shift 2
  local pin=(taskset -c "$BENCH_CPU")
  if [[ "$PIN" == 0 ]]; then pin=(); fi
  local best="" maxrss=0 status=ok i t0 t1 w rss rc tf=$BENCH_DIR/runs/time.txt
  ORDER+=("$name")
  for ((i = 1; i <= RUNS; i++)); do
    rc=0
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$tf" timeout "$TIMEOUT" "${pin[@]}" "$@" <"$in" >/dev/null \
      2>"$BENCH_DIR/runs/$name.stderr" || rc=$?
    t1=$(date +%s%N)
    if [[ $rc -ne 0 ]]; then
      if [[ $rc -eq 124 ]] || grep -q 'Exit status: 124' "$tf"; then status="timeout>${TIMEOUT}s"; else status="exit $rc"; fi
      log "$name run $i: $status (stderr in $BENCH_DIR/runs/$name.stderr)"
      break
    fi
    w=$(( t1 - t0 ))
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf")
    (( rss > maxrss )) && maxrss=$rss
    [[ -z "$best" || $w -lt $best ]] && best=$w
    log "$name run $i: $(awk -v w="$w" 'BEGIN{printf "%.3f", w/1e9}') s, $((rss / 1024)) MiB"
  done
  WALL[$name]=${best:-0}; RSS[$name]=$maxrss; STATUS[$name]=$status
}

log "warming the page cache"
cat "$BIG" "$ZST" >/dev/null
if [[ "$VARY" == 1 ]]; then cat "$VBIG" >/dev/null; fi

measure "crashctl json (txt)"  /dev/null "$CRASHCTL" analyze --format json "$BIG"
measure "crashctl text (txt)"  /dev/null "$CRASHCTL" analyze --format text --color never "$BIG"
measure "crashctl text (zst)"  /dev/null "$CRASHCTL" analyze --format text --color never "$ZST"
measure "crashctl json (zst)"  /dev/null "$CRASHCTL" analyze --format json "$ZST"
PIN=0
measure "crashctl text (zst, all cores)" /dev/null "$CRASHCTL" analyze --format text --color never "$ZST"
measure "crashctl json (zst, all cores)" /dev/null "$CRASHCTL" analyze --format json "$ZST"
PIN=1
if [[ "$VARY" == 1 ]]; then
  measure "crashctl json (vary)" /dev/null "$CRASHCTL" analyze --format json "$VBIG"
  measure "crashctl text (vary)" /dev/null "$CRASHCTL" analyze --format text --color never "$VBIG"
fi
measure "zstd -dc"             /dev/null zstd -dc "$ZST"
measure "cat"                  /dev/null cat "$BIG"
if [[ -n "$G2J" ]]; then measure "gostack2json" "$BIG" "$G2J"; fi
if [[ -n "$PP" ]]; then measure "panicparse (pp)" "$BIG" "$PP" -no-color -rebase=false -parse=false; fi
if [[ -n "${CRASHCTL_BASE:-}" ]]; then
  ab_measure "text (txt)" analyze --format text --color never "$BIG"
  ab_measure "json (txt)" analyze --format json "$BIG"
  ab_measure "text (zst)" analyze --format text --color never "$ZST"
  if [[ "$VARY" == 1 ]]; then ab_measure "text (vary)" analyze --format text --color never "$VBIG"; fi
fi

# --- report ------------------------------------------------------------------------
for n in "crashctl json (txt)" "crashctl text (txt)" "crashctl text (zst)" "crashctl json (zst)" \
         "crashctl text (zst, all cores)" "crashctl json (zst, all cores)" "crashctl json (vary)" "crashctl text (vary)"; do
  [[ -n "${STATUS[$n]:-}" ]] || continue
  [[ "${STATUS[$n]}" == ok ]] || die "$n did not finish: ${STATUS[$n]}"
done

DATE=$(date +%Y-%m-%d)
OUT=$(results_file text_decoder)  # a second run of the day gets its own file
mkdir -p "$HERE/results"
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain -- lib tools 2>/dev/null | head -1)
if [[ -n "$dirty" ]]; then rev="$rev+uncommitted lib/tools changes"; fi
cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)

report() {
  echo "# crashctl text decoder benchmark, $DATE"
  echo
  echo "- crashctl: $rev, $CRASHCTL"
  echo "- machine: $cpu, $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; every command pinned to CPU $BENCH_CPU (taskset) except the '(all cores)' rows"
  echo "- input: big.txt, $SIZE bytes ($(awk -v s="$SIZE" 'BEGIN{printf "%.1f", s/1e6}') MB), $GOROUTINES goroutines," \
       "replicated from a real GOTRACEBACK=all dump of bench/gen ($SEED_N goroutines, $(go version | awk '{print $3}'))"
  if [[ "$VARY" == 1 ]]; then
    echo "- (vary) rows: big-vary.txt, the same but each copy's heap-pointer arguments shifted (replicate.py --vary-args)," \
         "so copies of a stack are not byte-identical, as in a real dump; $(stat -c %s "$VBIG") bytes"
  fi
  echo "- big.txt.zst: $ZSIZE bytes (zstd -3, ratio $(awk -v a="$SIZE" -v b="$ZSIZE" 'BEGIN{printf "%.0f", a/b}'):1)"
  echo "- best of $RUNS runs (wall, own ns clock); peak RSS = largest 'Maximum resident set size' of /usr/bin/time -v over the runs"
  echo "- MB/s = decompressed input bytes (10^6) / wall seconds; output to /dev/null"
  if [[ -n "$G2J" ]]; then echo "- gostack2json $(modver "$G2J") (github.com/DataDog/gostackparse), stdin"; fi
  if [[ -n "$PP" ]]; then echo "- panicparse $(modver "$PP") (github.com/maruel/panicparse/v2), stdin, -no-color -rebase=false -parse=false"; fi
  echo "- crashctl output checked: $GOROUTINES goroutine ids in --format json, 'other goroutines ($want_other)' in --format text (txt, zst and vary)"
  echo
  echo "| tool | MB/s | wall s | peak RSS MB | RSS / input |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  local n
  for n in "${ORDER[@]}"; do
    if [[ "${STATUS[$n]}" != ok ]]; then
      echo "| $n | - | ${STATUS[$n]} | - | - |"; continue
    fi
    awk -v n="$n" -v w="${WALL[$n]}" -v r="${RSS[$n]}" -v s="$(insize "$n")" 'BEGIN{
      ws = w / 1e9; printf "| %s | %.0f | %.3f | %.1f | %.3f |\n", n, s / 1e6 / ws, ws, r * 1024 / 1e6, r * 1024 / s }'
  done
  echo
  echo "| ratio | value | target |"
  echo "| --- | ---: | --- |"
  ratio() { # label numerator-name denominator-name mode target
    local a=${WALL[$2]:-0} b=${WALL[$3]:-0}
    if [[ "${STATUS[$2]:-}" != ok || "${STATUS[$3]:-}" != ok ]]; then echo "| $1 | n/a | $5 |"; return; fi
    awk -v l="$1" -v a="$a" -v b="$b" -v t="$5" 'BEGIN{printf "| %s | %.2f | %s |\n", l, a / b, t}'
  }
  local gib=1073741824 n2
  for n2 in "crashctl json (txt)" "crashctl text (txt)" "crashctl json (vary)" "crashctl text (vary)"; do
    [[ "${STATUS[$n2]:-}" == ok ]] || continue
    awk -v l="$n2 throughput / 1 GiB/s" -v w="${WALL[$n2]}" -v s="$(insize "$n2")" -v g="$gib" \
      'BEGIN{printf "| %s | %.2f | >= 1 |\n", l, (s / (w / 1e9)) / g}'
  done
  ratio "crashctl text (zst) wall / zstd -dc wall" "crashctl text (zst)" "zstd -dc" x "<= 1.2"
  ratio "crashctl text (zst, all cores) wall / zstd -dc wall" "crashctl text (zst, all cores)" "zstd -dc" x "<= 1.2"
  ratio "crashctl json (zst) wall / zstd -dc wall" "crashctl json (zst)" "zstd -dc" x "<= 1.2"
  ratio "crashctl json (zst, all cores) wall / zstd -dc wall" "crashctl json (zst, all cores)" "zstd -dc" x "<= 1.2"
  ratio "crashctl json (txt) wall / cat wall" "crashctl json (txt)" "cat" x "floor"
  if [[ -n "$G2J" ]]; then ratio "gostack2json wall / crashctl json (txt) wall (speedup)" "gostack2json" "crashctl json (txt)" x "> 1"; fi
  if [[ -n "$PP" ]]; then ratio "pp wall / crashctl json (txt) wall (speedup)" "panicparse (pp)" "crashctl json (txt)" x "> 1"; fi
  if [[ -n "$G2J" ]]; then ratio "gostack2json wall / crashctl json (vary) wall (speedup)" "gostack2json" "crashctl json (vary)" x "> 1"; fi
  if [[ -n "$PP" ]]; then ratio "pp wall / crashctl json (vary) wall (speedup)" "panicparse (pp)" "crashctl json (vary)" x "> 1"; fi
  awk -v r="${RSS["crashctl json (txt)"]}" -v s="$SIZE" \
    'BEGIN{printf "| crashctl json (txt) peak RSS / input size | %.3f | well under 1 |\n", r * 1024 / s}'
  awk -v r="${RSS["crashctl json (zst)"]}" -v s="$SIZE" \
    'BEGIN{printf "| crashctl json (zst) peak RSS / decompressed size | %.3f | well under 1 |\n", r * 1024 / s}'
  if [[ "${STATUS["crashctl json (vary)"]:-}" == ok ]]; then
    awk -v r="${RSS["crashctl json (vary)"]}" -v s="$VSIZE" \
      'BEGIN{printf "| crashctl json (vary) peak RSS / input size | %.3f | well under 1 |\n", r * 1024 / s}'
  fi
  if [[ -n "${CRASHCTL_BASE:-}" ]]; then
    echo
    echo "Before and after, alternating runs in this run: base $CRASHCTL_BASE" \
         "($("$CRASHCTL_BASE" --version 2>/dev/null | head -1)), best of $RUNS each; limit 5%."
    echo
    ab_report 5
  fi
}

report | tee "$OUT"
log "wrote $OUT"
