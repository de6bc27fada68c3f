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
