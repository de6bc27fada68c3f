# Shared by the bench/*.sh scripts: messages, required tools, GNU time, and
# the crashctl binary under test. Source it after setting ROOT.

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] FAIL: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; printf "[bench] FAIL: line %s exited %s\n" "$LINENO" "$rc" >&2' ERR

# require_tools TOOL...: fail unless each is on PATH; install GNU time if missing.
require_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || die "$t not found"
  done
  if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
  fi
}

# Sets CRASHCTL, building a Release binary in build-bench/ unless it is given.
use_crashctl() {
  if [[ -z "${CRASHCTL:-}" ]]; then
    log "building crashctl (Release) in $ROOT/build-bench"
    cmake -S "$ROOT" -B "$ROOT/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRASHCTL_TESTS=OFF >/dev/null
    cmake --build "$ROOT/build-bench" -j"$(nproc)" >/dev/null
    CRASHCTL=$ROOT/build-bench/tools/crashctl
  fi
  [[ -x "$CRASHCTL" ]] || die "no crashctl binary at $CRASHCTL"
}

# timed TIMEFILE CMD...: runs CMD once under GNU time (stdout to /dev/null,
# stderr to TIMED_STDERR, /dev/null by default) and sets TIMED_WALL_US,
# TIMED_CPU_US (user + sys) and TIMED_RSS_KB; returns CMD's status.
timed() {
  local tf=$1 t0 t1 rc=0; shift
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$tf" "$@" >/dev/null 2>"${TIMED_STDERR:-/dev/null}" || rc=$?
  t1=$(date +%s%N)
  TIMED_WALL_US=$(( (t1 - t0) / 1000 ))
  TIMED_CPU_US=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%d", (u+s)*1e6}' "$tf")
  TIMED_RSS_KB=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf")
  return "$rc"
}

# Before/after in one run: with CRASHCTL_BASE set (a crashctl binary built from
# an earlier commit), ab_measure runs the base and the binary under test
# alternately, RUNS times each, pinned to BENCH_CPU, and keeps each one's best
# wall time, best CPU time (user+sys, less sensitive to a loaded machine) and
# largest peak RSS. ab_report prints them with new/base ratios against a limit.
AB_ROWS=()
ab_measure() {  # ab_measure LABEL ARGS... (arguments to crashctl)
  local label=$1; shift
  local tf i which bin w cpu rss
  declare -A best_w=() best_cpu=() max_rss=()
  tf=$(mktemp)
  for ((i = 1; i <= ${RUNS:-3}; i++)); do
    for which in base new; do
      bin=$CRASHCTL; [[ $which == base ]] && bin=$CRASHCTL_BASE
      timed "$tf" taskset -c "${BENCH_CPU:-0}" "$bin" "$@" || true
      w=$TIMED_WALL_US cpu=$TIMED_CPU_US rss=$TIMED_RSS_KB
      [[ -z "${best_w[$which]:-}" || $w -lt ${best_w[$which]} ]] && best_w[$which]=$w
      [[ -z "${best_cpu[$which]:-}" || $cpu -lt ${best_cpu[$which]} ]] && best_cpu[$which]=$cpu
      [[ -z "${max_rss[$which]:-}" || $rss -gt ${max_rss[$which]} ]] && max_rss[$which]=$rss
    done
    log "$label run $i: base ${best_w[base]} us, new ${best_w[new]} us (best so far)"
  done
  rm -f "$tf"
  AB_ROWS+=("$label|${best_w[base]}|${best_w[new]}|${best_cpu[base]}|${best_cpu[new]}|${max_rss[base]}|${max_rss[new]}")
}
ab_report() {  # ab_report LIMIT_PERCENT: a markdown table; "(over)" marks a new/base ratio above 1 + LIMIT/100
  local limit=$1 row
  echo "| command | base wall s | new wall s | new/base wall | base CPU s | new CPU s | new/base CPU | base RSS MB | new RSS MB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for row in "${AB_ROWS[@]}"; do
    awk -F'|' -v lim="$limit" '{
      rw = $3 / $2; rc = $5 / $4
      mw = rw > 1 + lim/100 ? " (over)" : ""; mc = rc > 1 + lim/100 ? " (over)" : ""
      printf "| %s | %.3f | %.3f | %.3f%s | %.3f | %.3f | %.3f%s | %.1f | %.1f |\n",
             $1, $2/1e6, $3/1e6, rw, mw, $4/1e6, $5/1e6, rc, mc, $6/1024, $7/1024 }' <<<"$row"
  done
}

# results_file NAME: bench/results/NAME-DATE.md, or the first of NAME-DATEb.md,
# ...c.md that does not exist yet: results are committed, a second run of the
# day must not overwrite the first.
results_file() {
  local base out suffix
  base=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/results/$1-$(date -u +%F)
  out=$base.md
  for suffix in b c d e f g h; do
    [[ -e "$out" ]] || break
    out=$base$suffix.md
  done
  echo "$out"
}

# use_viewcore WORK: sets VIEWCORE (golang.org/x/debug's viewcore) and
# viewcore_from (how it was had). Built at run time, never committed: `go
# install golang.org/x/debug/cmd/viewcore@$VIEWCORE_VERSION` (default latest)
# into WORK/bin; when the module proxy refuses golang.org/x/debug (it does on
# this machine: 403), from a source checkout outside the repository,
# VIEWCORE_SRC (a work tree, or a git directory whose HEAD is exported with
# git archive). VIEWCORE, when set, is used as it is.
use_viewcore() {
  local work=$1 src rev version=${VIEWCORE_VERSION:-latest}
  if [[ -n ${VIEWCORE:-} ]]; then
    viewcore_from="given: $VIEWCORE"
  else
    VIEWCORE=$work/bin/viewcore
    rm -f "$VIEWCORE"
    log "installing viewcore: go install golang.org/x/debug/cmd/viewcore@$version"
    if (cd "$work" && GOBIN=$work/bin GOFLAGS= go install "golang.org/x/debug/cmd/viewcore@$version") 2>"$work/viewcore-install.log"; then
      viewcore_from="go install golang.org/x/debug/cmd/viewcore@$version ($(go version -m "$VIEWCORE" | awk '$1 == "mod" {print $3}'))"
    else
      log "the module proxy refused: $(grep -m1 -v '^go: downloading' "$work/viewcore-install.log" || true)"
      [[ -n ${VIEWCORE_SRC:-} ]] || die "set VIEWCORE_SRC to a checkout (or git directory) of golang.org/x/debug kept outside this repository"
      src=$VIEWCORE_SRC
      if [[ ! -d $VIEWCORE_SRC/cmd/viewcore ]]; then  # a git directory: export HEAD
        rm -rf "$work/xdebug"; mkdir -p "$work/xdebug"
        git --git-dir="$VIEWCORE_SRC" archive HEAD | tar -x -C "$work/xdebug"
        src=$work/xdebug
      fi
      rev=$(git --git-dir="$VIEWCORE_SRC" log -1 --format='%h %cs' 2>/dev/null || git -C "$VIEWCORE_SRC" log -1 --format='%h %cs' 2>/dev/null || echo '?')
      (cd "$src" && GOBIN=$work/bin GOFLAGS= go install ./cmd/viewcore) || die "cannot build viewcore from $src"
      viewcore_from="built from golang.org/x/debug source $rev (VIEWCORE_SRC=$VIEWCORE_SRC; the proxy answered 403)"
    fi
  fi
  [[ -x $VIEWCORE ]] || die "no viewcore at $VIEWCORE"
  log "viewcore: $viewcore_from"
}
