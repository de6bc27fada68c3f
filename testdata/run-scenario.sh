#!/usr/bin/env bash
# run-scenario.sh GO_BINARY SCENARIO OUTFILE
#
# Builds the scenario programs with GO_BINARY (cached per Go version) and runs
# one scenario, writing the crash text the Go runtime printed to OUTFILE.
# On success prints the scenario's exit code (one line) on stdout and exits 0.
#
#   GO_BINARY  path or name of a go command (e.g. `go`, /usr/lib/go-1.19/bin/go)
#   SCENARIO   NAME or NAME.GOTRACEBACK (e.g. nil-deref, nil-deref.crash);
#              the suffix sets GOTRACEBACK, overriding the scenario default.
#   OUTFILE    where the captured text goes (stderr of the program unless the
#              scenario says otherwise: stdout, a crash-output file, or the
#              combined output of `go test`).
#
# Exit status: 0 scenario ran (whatever its own exit code), 10 scenario not
# available with this toolchain (reason on stderr), 1 harness/build error.
#
# Environment:
#   CRASHCTL_BUILD_DIR  build cache root (default ${TMPDIR:-/tmp}/crashctl-scenarios-build)
#   CRASHCTL_TIMEOUT    per-run timeout in seconds (default 60)
#
# Run `run-scenario.sh --list` for the scenario names and
# `run-scenario.sh --info SCENARIO` for how one is run.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TIMEOUT=${CRASHCTL_TIMEOUT:-60}

# name|binary|gotraceback|godebug|capture|min_minor|ulimit_v_kb
#   binary:  main (scenarios/), cgo (scenarios-cgo/), race (scenarios/race,
#            -race), go127 (scenarios-go127/), mainblock (scenarios/mainblock:
#            goroutine 1 blocks in main.main itself), gotest (go test
#            ./timeouttest; test-timeout-catchup with -run ^TestReplicaCatchUp$)
#   capture: stderr | stdout | crashfile | combined | sigquit (stderr; the
#            harness sends SIGQUIT once the program prints "ready")
#   gotraceback "-" = leave unset (runtime default "single")
SCENARIO_TABLE='
nil-deref|main|-|-|stderr|0|-
index|main|-|-|stderr|0|-
slice-bounds|main|-|-|stderr|0|-
nil-map|main|-|-|stderr|0|-
type-assert|main|-|-|stderr|0|-
divide|main|-|-|stderr|0|-
closed-chan-send|main|-|-|stderr|0|-
closed-chan-close|main|-|-|stderr|0|-
panic-string|main|-|-|stderr|0|-
panic-error|main|-|-|stderr|0|-
panic-custom|main|-|-|stderr|0|-
panic-custom-int|main|-|-|stderr|0|-
panic-in-goroutine|main|-|-|stderr|0|-
panic-in-defer|main|-|-|stderr|0|-
repanic|main|-|-|stderr|0|-
runtime-error-other|main|-|-|stderr|0|-
concurrent-map|main|-|-|stderr|0|-
deadlock|main|-|-|stderr|0|-
deadlock-send|mainblock|-|-|stderr|0|-
deadlock-mutex|mainblock|-|-|stderr|0|-
goexit-deadlock|main|-|-|stderr|0|-
deadlock-send|mainblock|-|-|stderr|0|-
deadlock-mutex|mainblock|-|-|stderr|0|-
stack-overflow|main|-|-|stderr|0|-
deep-recursion-panic|main|-|-|stderr|0|-
oom|main|-|-|stderr|0|1048576
unlock-unlocked|main|-|-|stderr|0|-
thread-limit|main|-|-|stderr|0|-
cgo-segv|cgo|-|-|stderr|0|-
sigquit|main|-|-|sigquit|0|-
sigabrt-crash|main|crash|-|stderr|0|-
profile-debug2|main|-|-|stdout|0|-
leak-growth|main|-|-|stdout|0|-
setcrashoutput|main|-|-|crashfile|23|-
labels|main|all|tracebacklabels=1|stderr|0|-
labels-default|go127|all|-|stderr|27|-
ancestors|main|-|tracebackancestors=5|stderr|0|-
generics-closures|main|all|-|stderr|0|-
many-goroutines|main|all|-|stderr|0|-
race|race|-|-|stderr|0|-
test-timeout|gotest|-|-|combined|0|-
test-timeout-catchup|gotest|-|-|combined|0|-
'

die() { echo "run-scenario.sh: $*" >&2; exit 1; }

if [[ ${1:-} == --list ]]; then
	awk -F'|' 'NF>1 {print $1}' <<<"$SCENARIO_TABLE"
	exit 0
fi
if [[ ${1:-} == --info ]]; then # --info SCENARIO: how it is run, as key=value lines
	[[ $# -eq 2 ]] || die "usage: run-scenario.sh --info SCENARIO"
	n=${2%%.*} t=
	[[ $2 == *.* ]] && t=${2#*.}
	r=$(awk -F'|' -v n="$n" '$1 == n' <<<"$SCENARIO_TABLE")
	[[ -n $r ]] || die "unknown scenario: $n"
	IFS='|' read -r _ k tb gd cap mm uv <<<"$r"
	[[ -n $t ]] && tb=$t
	printf 'binary=%s\ngotraceback=%s\ngodebug=%s\ncapture=%s\nmin_go=1.%s\nulimit_v=%s\n' \
		"$k" "$tb" "$gd" "$cap" "$mm" "$uv"
	exit 0
fi
[[ $# -eq 3 ]] || die "usage: run-scenario.sh GO_BINARY SCENARIO OUTFILE"
GO_BIN=$1 SCENARIO=$2 OUTFILE=$3

GO_PATH=$(command -v "$GO_BIN") || die "go binary not found: $GO_BIN"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
GOVERSION=$("$GO_PATH" env GOVERSION) || die "cannot run $GO_PATH"
# minor release number: go1.21.13 -> 21, go1.27rc1 -> 27
GOMINOR=$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$GOVERSION")

name=${SCENARIO%%.*}
tb_override=
[[ $SCENARIO == *.* ]] && tb_override=${SCENARIO#*.}
row=$(awk -F'|' -v n="$name" '$1 == n' <<<"$SCENARIO_TABLE")
[[ -n $row ]] || die "unknown scenario: $name"
IFS='|' read -r _ kind tb godebug capture minminor ulimit_v <<<"$row"
[[ -n $tb_override ]] && tb=$tb_override
case $tb in -|none|single|all|system|crash) ;; *) die "bad GOTRACEBACK level: $tb" ;; esac

if ((GOMINOR < minminor)); then
	echo "skip: $name needs go1.$minminor or newer (toolchain is $GOVERSION)" >&2
	exit 10
fi

# ---- build (cached per Go version, rebuilt when the sources change) --------

BUILD_ROOT=${CRASHCTL_BUILD_DIR:-${TMPDIR:-/tmp}/crashctl-scenarios-build}
BUILD_DIR=$BUILD_ROOT/$GOVERSION
mkdir -p "$BUILD_DIR"

src_hash() { # dir -> hash of its Go sources, go.mod and the build recipe
	(cd "$1" && find . \( -name '*.go' -o -name go.mod \) -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum; echo "$GO_PATH $2") | sha256sum | cut -c1-16
}

build() { # kind -> path of the built binary (on stdout)
	local kind=$1 dir pkg out flags=() cgo=0
	case $kind in
	main) dir=$HERE/scenarios pkg=. ;;
	race) dir=$HERE/scenarios pkg=./race flags=(-race) cgo=1 ;;
	cgo) dir=$HERE/scenarios-cgo pkg=. cgo=1 ;;
	go127) dir=$HERE/scenarios-go127 pkg=. ;;
	mainblock) dir=$HERE/scenarios pkg=./mainblock ;;
	*) die "bad binary kind $kind" ;;
	esac
	out=$BUILD_DIR/scenarios-$kind
	local want
	want=$(src_hash "$dir" "$dir $kind ${flags[*]}")
	(
		flock 9
		if [[ ! -x $out || "$(cat "$out.stamp" 2>/dev/null)" != "$want" ]]; then
			rm -f "$out" "$out.stamp"
			(cd "$dir" && CGO_ENABLED=$cgo "$GO_PATH" build "${flags[@]}" -o "$out" "$pkg") >&2 ||
				die "build of $kind with $GOVERSION failed"
			echo "$want" >"$out.stamp"
		fi
	) 9>"$BUILD_DIR/.lock"
	echo "$out"
}

# ---- run ---------------------------------------------------------------------

mkdir -p "$(dirname "$OUTFILE")"
: >"$OUTFILE"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

run_env=(env -u GOTRACEBACK -u GODEBUG -u GORACE)
[[ $tb != - ]] && run_env+=(GOTRACEBACK="$tb")
[[ $godebug != - ]] && run_env+=(GODEBUG="$godebug")

rc=0
case $kind in
gotest)
	# `go test` prints the test binary's output (and its own FAIL lines) on
	# stdout; keep both streams, interleaved as a terminal would show them.
	# test-timeout runs the whole package (TestReplicaSync hangs first).
	run=()
	[[ $name == test-timeout-catchup ]] && run=(-run '^TestReplicaCatchUp$')
	(cd "$HERE/scenarios" && ulimit -c 0 &&
		timeout "$TIMEOUT" "${run_env[@]}" CGO_ENABLED=0 "$GO_PATH" test -count=1 -timeout 2s "${run[@]}" ./timeouttest) \
		>"$OUTFILE" 2>&1 || rc=$?
	;;
*)
	bin=$(build "$kind")
	args=("$name")
	[[ $kind == race ]] && args=()
	[[ $kind == go127 ]] && args=(labels-default)
	case $capture in
	stderr)
		(cd "$WORK" && ulimit -c 0 && { [[ $ulimit_v == - ]] || ulimit -v "$ulimit_v"; } &&
			exec timeout "$TIMEOUT" "${run_env[@]}" "$bin" "${args[@]}") \
			>"$WORK/stdout" 2>"$OUTFILE" || rc=$?
		;;
	stdout)
		(cd "$WORK" && ulimit -c 0 &&
			exec timeout "$TIMEOUT" "${run_env[@]}" "$bin" "${args[@]}") \
			>"$OUTFILE" 2>"$WORK/stderr" || rc=$?
		;;
	crashfile)
		(cd "$WORK" && ulimit -c 0 &&
			exec timeout "$TIMEOUT" "${run_env[@]}" CRASHCTL_CRASH_OUTPUT="$WORK/crash.txt" "$bin" "${args[@]}") \
			>"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
		[[ -f $WORK/crash.txt ]] && cat "$WORK/crash.txt" >"$OUTFILE"
		;;
	sigquit)
		# GNU timeout forwards SIGQUIT to the program it runs.
		(cd "$WORK" && ulimit -c 0 &&
			exec timeout "$TIMEOUT" "${run_env[@]}" "$bin" "${args[@]}") \
			>"$WORK/stdout" 2>"$OUTFILE" &
		pid=$!
		for _ in $(seq 1 300); do
			grep -q '^ready$' "$WORK/stdout" 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		sleep 0.2
		kill -QUIT "$pid" 2>/dev/null || true
		wait "$pid" || rc=$?
		;;
	*) die "bad capture mode $capture" ;;
	esac
	;;
esac

echo "$rc"
