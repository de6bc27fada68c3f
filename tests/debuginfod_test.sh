#!/usr/bin/env bash
# A real debuginfod server (elfutils', Debian's debuginfod package), started
# here on 127.0.0.1 and indexing a test executable: a core whose executable
# is nowhere on disk is read with the one the server gives, then again from
# the client's cache with the server gone. Skipped (exit 77) when debuginfod
# is not installed or does not start.
# debuginfod listens on every interface: when the kernel allows it, the test
# runs in a network namespace of its own, where only this test can reach it.
set -euo pipefail
crashctl=$1; src=$2

# libcurl is loaded on the first debuginfod request, not at start-up.
if ldd "$crashctl" | grep -q libcurl; then
  echo "FAIL: crashctl loads libcurl at start-up:"; ldd "$crashctl" | grep libcurl; exit 1
fi
if ! command -v debuginfod >/dev/null; then
  echo "skip: debuginfod is not installed (apt-get install debuginfod; scripts/setup.sh)"
  exit 77
fi
if [[ -z ${CRASHCTL_IN_NETNS:-} ]] && command -v ip >/dev/null; then
  for flags in -n -rn; do
    if unshare $flags true 2>/dev/null; then
      exec env CRASHCTL_IN_NETNS=own unshare $flags bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
    fi
  done
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $work/server.log ]] && tail -20 "$work/server.log"; exit 1; }

# The executable only in the server's directory; the core alone elsewhere.
mkdir -p "$work/served" "$work/scratch"
zstd -dq "$src/testdata/cores/go1.26.8/scenarios-core.exe.zst" -o "$work/served/scenarios-core"
cp "$src/testdata/cores/go1.26.8/open-coded-defers.core.zst" "$work/scratch/"
core=$work/scratch/open-coded-defers.core.zst
# The build id, read from the executable by crashctl with --exe.
build_id=$("$crashctl" analyze --format json --exe "$work/served/scenarios-core" "$core" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["inputs"][0]["executable"]["build_id"])')
[[ $build_id =~ ^[0-9a-f]{40}$ ]] || fail "no GNU build id read: '$build_id'"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Polls until the server gives the executable (its first scan takes a moment), at most 30 s.
served() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 30
while time.time() < deadline:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
            if r.status == 200 and r.read(4) == b"\x7fELF":
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit(1)
PY
}
url=
for attempt in 1 2 3; do
  port=$(free_port)
  debuginfod -F -p "$port" -d "$work/db-$attempt.sqlite" -t 0 -g 0 -c 1 --disable-source-scan "$work/served" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  if served "http://127.0.0.1:$port/buildid/$build_id/executable"; then
    url=http://127.0.0.1:$port
    break
  fi
  kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=
done
if [[ -z $url ]]; then
  echo "skip: debuginfod did not start or did not serve the executable"; tail -5 "$work/server.log"
  exit 77
fi
netns=; [[ ${CRASHCTL_IN_NETNS:-} == own ]] && netns=" (in a network namespace of its own)"
echo "debuginfod $(debuginfod --version | head -1 | awk '{print $NF}') on $url$netns"

export DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH=$work/cache
check() {  # json-file expected-culprit
  python3 - "$1" "$build_id" "$work/cache" <<'PY' || fail "$(head -c 3000 "$1")"
import json, sys
doc = json.load(open(sys.argv[1]))
inp = doc["inputs"][0]
exe = inp["executable"]
assert exe["source"] == "debuginfod", exe
assert exe["build_id"] == sys.argv[2], exe
assert exe["path"].startswith(sys.argv[3] + "/"), exe
r = inp["reports"][0]
assert r["verdict"]["class"] == "nil-pointer-dereference", r["verdict"]
c = r["verdict"]["culprit"]
assert c["function"] == "main.(*Inventory).reserve" and c["file"].endswith(".go") and c["line"] > 0, c
# Symbolized from the executable: every frame of every goroutine has file:line.
frames = [f for g in r["goroutines"] for f in g["frames"]]
assert frames and all(f["file"] and f["line"] > 0 for f in frames if not f["non_go"]), frames[:5]
PY
}

rc=0; "$crashctl" analyze --format json "$core" >"$work/out.json" 2>"$work/err.txt" || rc=$?
[[ $rc == 0 ]] || fail "exit $rc: $(cat "$work/err.txt")"
check "$work/out.json"
"$crashctl" analyze "$core" >"$work/out.txt" 2>&1 || fail "text: exit $?"
grep -qF "from debuginfod (build id $build_id)" "$work/out.txt" ||
  fail "the text output does not say where the executable came from: $(head -5 "$work/out.txt")"
echo "ok: the core read with the executable from debuginfod (build id $build_id)"

# The server gone: the client's cache, with --offline and without.
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
"$crashctl" analyze --format json --offline "$core" >"$work/offline.json" || fail "--offline: exit $?"
check "$work/offline.json"
"$crashctl" analyze --format json "$core" >"$work/cached.json" || fail "cached: exit $?"
check "$work/cached.json"
echo "ok: read again from the cache with the server gone"
