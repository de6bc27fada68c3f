#!/usr/bin/env bash
# A 200 MB goroutine dump read plain, wrapped as CRI lines (containerd's own
# CRI logger, testdata/logwrappers/crilog) and wrapped as journalctl -o json
# records, in one run: wall time, the ratio to the plain dump, peak RSS.
# With BASELINE=/path/to/older/crashctl, also the plain dump and big.txt with
# that binary, for "no slower than before" checks. Last, the JSON scanner
# against llvm::json on the journald records (bench/json_scan.cpp).
#
#   bench/wrapped_logs.sh    # writes bench/results/wrapped_logs-<date>.md
#
# Environment (all optional): BENCH_DIR (/tmp/crashctl-bench, shared with
# text_decoder.sh, whose big.txt it cuts), RUNS (5), BENCH_CPU (0),
# CRASHCTL (built in build-bench/ if unset), BASELINE.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_DIR=${BENCH_DIR:-/tmp/crashctl-bench}
RUNS=${RUNS:-5}
BENCH_CPU=${BENCH_CPU:-0}
# shellcheck source=bench/common.sh
source "$HERE/common.sh"
require_tools go python3 taskset zstd
use_crashctl
mkdir -p "$BENCH_DIR/runs"

# --- inputs ------------------------------------------------------------------
BIG=$BENCH_DIR/big.txt
if [[ ! -s $BIG ]]; then
  log "no $BIG: running bench/text_decoder.sh's input step"
  SKIP_OTHERS=1 RUNS=1 VARY=0 CRASHCTL=$CRASHCTL bash "$HERE/text_decoder.sh" >/dev/null
fi
PLAIN=$BENCH_DIR/p200.txt CRI=$BENCH_DIR/p200.cri JOURNAL=$BENCH_DIR/p200.journal.json
key=$( { stat -c %s "$BIG"; cat "$ROOT/testdata/logwrappers/crilog/main.go" "$HERE/wrapped_logs.sh"; } | sha256sum | cut -c1-16)
if [[ "$(cat "$BENCH_DIR/wrapped.key" 2>/dev/null)" != "$key" || ! -s $CRI || ! -s $JOURNAL ]]; then
  log "cutting 200 MB of big.txt at a goroutine boundary"
  python3 - "$BIG" "$PLAIN" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read(200_000_000)
cut = data.rfind(b'\n\ngoroutine ')
open(sys.argv[2], 'wb').write(data[:cut + 2])
EOF
  log "wrapping it as CRI lines with containerd's CRI logger"
  (cd "$ROOT/testdata/logwrappers" && go build -o "$BENCH_DIR/crilog" ./crilog)
  "$BENCH_DIR/crilog" -o "$CRI" -- sh -c "cat '$PLAIN' >&2"
  # journalctl -o json writes one object per entry with these fields (see
  # testdata/logs/wrapped/journald/*.json.zst, from a real journald); each
  # line of the dump is one entry, as journald stores a service's stderr.
  # journald drops empty lines; MESSAGE is a string for text lines.
  log "wrapping it as journalctl -o json records"
  python3 - "$PLAIN" "$JOURNAL" <<'EOF'
import json, sys
src = open(sys.argv[1], 'rb')
out = open(sys.argv[2], 'w', buffering=1 << 20)
fields = {"_CAP_EFFECTIVE": "1fffeffffff", "_BOOT_ID": "3d372fce2b8c4573a1a58281012f4b55",
          "_MACHINE_ID": "0123456789abcdef0123456789abcdef", "_HOSTNAME": "buildhost",
          "_RUNTIME_SCOPE": "system", "_TRANSPORT": "stdout", "_STREAM_ID": "1c64ffa7fefa45979fbe7a25d3e91a53",
          "SYSLOG_IDENTIFIER": "myservice", "_PID": "12", "_COMM": "server", "_EXE": "/usr/local/bin/server",
          "_CMDLINE": "/usr/local/bin/server --listen :8080", "PRIORITY": "6", "_UID": "0", "_GID": "0"}
for i, raw in enumerate(src):
    line = raw.rstrip(b'\n').decode('utf-8', 'replace')
    if not line:
        continue
    rec = {"__CURSOR": "s=1cc3f7549a55469d8ee620aa3ad681c6;i=%x;b=3d372fce2b8c4573a1a58281012f4b55;m=%x;t=%x;x=%x" % (i, i, i, i),
           "__REALTIME_TIMESTAMP": str(1796550000000000 + i), "__MONOTONIC_TIMESTAMP": str(1430000000 + i)}
    rec.update(fields)
    rec["MESSAGE"] = line
    out.write(json.dumps(rec, ensure_ascii=False, separators=(',', ':')) + '\n')
EOF
  echo "$key" > "$BENCH_DIR/wrapped.key"
fi

# --- measurement ---------------------------------------------------------------
declare -A WALL RSS
ORDER=()
measure() {  # NAME PIN(1|0) CMD...: the fastest of RUNS, and the largest RSS
  local name=$1 pin=$2; shift 2
  local best="" maxrss=0 t0 t1 w rss tf=$BENCH_DIR/runs/time.txt pre=()
  [[ $pin == 1 ]] && pre=(taskset -c "$BENCH_CPU")
  for ((i = 1; i <= RUNS; i++)); do
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$tf" "${pre[@]}" "$@" >/dev/null 2>"$BENCH_DIR/runs/err.txt" || die "$name failed: $(head -c 300 "$BENCH_DIR/runs/err.txt")"
    t1=$(date +%s%N)
    w=$((t1 - t0))
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf")
    ((rss > maxrss)) && maxrss=$rss
    [[ -z $best || $w -lt $best ]] && best=$w
  done
  WALL[$name]=$best RSS[$name]=$maxrss
  ORDER+=("$name")
  log "$name: $(awk -v w="$best" 'BEGIN{printf "%.3f", w/1e9}') s, $((maxrss / 1024)) MiB"
}

# The three read the same dump: the verdict must agree.
for f in "$PLAIN" "$CRI" "$JOURNAL"; do
  # The whole output first: `| head -1` would race crashctl into SIGPIPE (pipefail).
  verdict=$("$CRASHCTL" analyze --color never "$f" 2>/dev/null | sed -n 1p) || true
  [[ $verdict == *index-out-of-range* ]] || die "wrong verdict for $f: $verdict"
done
cat "$PLAIN" "$CRI" "$JOURNAL" >/dev/null
for pin in 1 0; do
  cores=$([[ $pin == 1 ]] && echo "one core" || echo "both cores")
  measure "plain ($cores)" $pin "$CRASHCTL" analyze --color never "$PLAIN"
  measure "CRI ($cores)" $pin "$CRASHCTL" analyze --color never "$CRI"
  measure "journald json ($cores)" $pin "$CRASHCTL" analyze --color never "$JOURNAL"
done
measure "cat plain" 1 cat "$PLAIN"
measure "cat CRI" 1 cat "$CRI"
measure "cat journald json" 1 cat "$JOURNAL"
if [[ -n ${BASELINE:-} ]]; then
  measure "plain, this build" 1 "$CRASHCTL" analyze --color never "$PLAIN"
  measure "plain, baseline" 1 "$BASELINE" analyze --color never "$PLAIN"
  measure "big.txt, this build" 1 "$CRASHCTL" analyze --color never "$BIG"
  measure "big.txt, baseline" 1 "$BASELINE" analyze --color never "$BIG"
fi

# The JSON scanner that reads journald's lines against llvm::json, in one
# process, on the first 500 MB of the same records.
BUILD_DIR=$(dirname "$(dirname "$CRASHCTL")")
JSON_CMP=""
if cmake --build "$BUILD_DIR" --target bench_json_scan >/dev/null 2>&1; then
  head -c 500000000 "$JOURNAL" >"$BENCH_DIR/runs/journal500.json"
  JSON_CMP=$(taskset -c "$BENCH_CPU" "$BUILD_DIR/bench_json_scan" "$BENCH_DIR/runs/journal500.json") ||
    die "bench_json_scan: the parsers disagree"
  rm -f "$BENCH_DIR/runs/journal500.json"
  log "$(echo "$JSON_CMP" | tr '\n' ' ')"
else
  log "no bench_json_scan target in $BUILD_DIR: skipping the JSON parser comparison"
fi

# --- report ----------------------------------------------------------------------
DATE=$(date +%Y-%m-%d)
OUT=$HERE/results/wrapped_logs-$DATE.md
for suffix in b c d e f; do [[ -e $OUT ]] || break; OUT=$HERE/results/wrapped_logs-$DATE$suffix.md; done
sec() { awk -v w="$1" 'BEGIN{printf "%.3f", w/1e9}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
{
  echo "# crashctl on wrapped logs, $DATE"
  echo
  echo "- crashctl: $(git -C "$ROOT" rev-parse --short HEAD), $CRASHCTL"
  echo "- machine: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cores; best of $RUNS"
  echo "- plain: $(stat -c %s "$PLAIN") bytes of a real GOTRACEBACK=all dump (bench/gen, replicated)"
  echo "- CRI: $(stat -c %s "$CRI") bytes, written by containerd 1.7's CRI logger (testdata/logwrappers/crilog)"
  echo "- journald json: $(stat -c %s "$JOURNAL") bytes, one journalctl -o json record per line of the dump, with the fields a real journald writes"
  echo
  echo "| run | wall s | / plain | peak RSS MiB |"
  echo "| --- | ---: | ---: | ---: |"
  for n in "${ORDER[@]}"; do
    base="plain (one core)"
    [[ $n == *"both cores"* ]] && base="plain (both cores)"
    echo "| $n | $(sec "${WALL[$n]}") | $(ratio "${WALL[$n]}" "${WALL[$base]}") | $((RSS[$n] / 1024)) |"
  done
  if [[ -n ${BASELINE:-} ]]; then
    echo
    echo "| this build / baseline | ratio |"
    echo "| --- | ---: |"
    echo "| plain | $(ratio "${WALL["plain, this build"]}" "${WALL["plain, baseline"]}") |"
    echo "| big.txt | $(ratio "${WALL["big.txt, this build"]}" "${WALL["big.txt, baseline"]}") |"
  fi
  if [[ -n $JSON_CMP ]]; then
    echo
    echo "JSON parsing of the first 500 MB of the journald records, one core, in one process (bench/json_scan.cpp):"
    echo
    echo '```'
    echo "$JSON_CMP"
    echo '```'
  fi
} | tee "$OUT"
log "wrote $OUT"
