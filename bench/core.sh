#!/usr/bin/env bash
# bench/core.sh [N]: crashctl on the core of a program with N (default
# 100,000) parked goroutines, against Delve's `dlv core` listing the same
# goroutines, measured in the same run. Delve is installed with go install at
# run time (never committed). With CRASHCTL_BASE (an earlier crashctl) set,
# it also measures that one against CRASHCTL, alternating runs (RUNS, 3). Prints wall time and peak RSS of each, the
# ratio, and the core's size. Needs go; writes under ${BENCH_DIR:-/tmp/crashctl-bench-core}.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/common.sh"
N=${1:-100000}
DLV_VERSION=${DLV_VERSION:-v1.27.2}
WORK=${BENCH_DIR:-/tmp/crashctl-bench-core}
mkdir -p "$WORK"
require_tools go zstd
use_crashctl

if [[ ! -x "$WORK/bin/dlv" ]]; then
  log "installing Delve $DLV_VERSION"
  GOBIN="$WORK/bin" go install "github.com/go-delve/delve/cmd/dlv@$DLV_VERSION"
fi
log "building the program and crashing it with $N goroutines"
(cd "$ROOT/bench/core" && go build -o "$WORK/prog" .)
rm -f "$WORK/core"
(cd "$WORK" && ulimit -c unlimited && GOTRACEBACK=crash ./prog -n "$N" 2>"$WORK/stderr.txt" || true)
[[ -s "$WORK/core" ]] || die "no core written (core_pattern is $(cat /proc/sys/kernel/core_pattern))"
GO=$(go version | awk '{print $3}')
CORE_MB=$(du -m --apparent-size "$WORK/core" | cut -f1)
CORE_DISK_MB=$(du -m "$WORK/core" | cut -f1)

measure() {  # measure NAME CMD...: sets <NAME>_S and <NAME>_KB
  local out="$WORK/$1.time"
  /usr/bin/time -v -o "$out" "${@:2}" >"$WORK/$1.out" 2>"$WORK/$1.err" || true
  local wall kb
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out")
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
  # h:mm:ss or m:ss.ss -> seconds
  printf -v "${1}_S" '%s' "$(awk -v t="$wall" 'BEGIN{n=split(t,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}')"
  printf -v "${1}_KB" '%s' "$kb"
}

printf 'goroutines\nexit\n' >"$WORK/dlv-init"
log "crashctl analyze (text, the default)"
measure crashctl_text "$CRASHCTL" analyze --exe "$WORK/prog" "$WORK/core"
log "crashctl analyze -f json (every goroutine, frame and defer)"
measure crashctl "$CRASHCTL" analyze -f json --exe "$WORK/prog" "$WORK/core"
log "dlv core ... goroutines"
measure dlv "$WORK/bin/dlv" core "$WORK/prog" "$WORK/core" --check-go-version=false --allow-non-terminal-interactive=true --init "$WORK/dlv-init"

if [[ -n "${CRASHCTL_BASE:-}" ]]; then
  ab_measure "core text" analyze --exe "$WORK/prog" "$WORK/core"
  ab_measure "core json" analyze -f json --exe "$WORK/prog" "$WORK/core"
fi

CC_G=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["inputs"][0]["reports"][0]["goroutines"]))' "$WORK/crashctl.out")
DLV_G=$(grep -cE '^\s+Goroutine [0-9]+' "$WORK/dlv.out" || true)
cat <<REPORT
core benchmark ($GO, $(date -u +%F), $(nproc) cores)
  program: $N parked goroutines; core $CORE_MB MB apparent, $CORE_DISK_MB MB on disk
  crashctl analyze (text)  : ${crashctl_text_S} s, peak RSS $((crashctl_text_KB / 1024)) MiB
  crashctl analyze -f json : ${crashctl_S} s, peak RSS $((crashctl_KB / 1024)) MiB, $CC_G goroutines, $(du -m "$WORK/crashctl.out" | cut -f1) MB of JSON
  dlv core + goroutines    : ${dlv_S} s, peak RSS $((dlv_KB / 1024)) MiB, $DLV_G goroutines listed
  speed-up over Delve      : text $(awk -v a="$dlv_S" -v b="$crashctl_text_S" 'BEGIN{printf "%.1fx", a/b}'), JSON $(awk -v a="$dlv_S" -v b="$crashctl_S" 'BEGIN{printf "%.1fx", a/b}')
  (Delve's goroutines lists one frame per goroutine; crashctl reads every frame, defer and panic.)
REPORT
if [[ -n "${CRASHCTL_BASE:-}" ]]; then
  echo
  echo "Before and after, alternating runs: base $CRASHCTL_BASE, best of ${RUNS:-3} each; limit 5%."
  ab_report 5
fi
