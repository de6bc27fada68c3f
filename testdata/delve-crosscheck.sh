#!/usr/bin/env bash
# delve-crosscheck.sh OUTDIR [FILTER...]
#
# Runs Delve's `dlv core` on the core fixtures listed in cores/MANIFEST.tsv
# and writes what it says to OUTDIR, for comparison with crashctl's decoder.
# Delve is installed at run time into a temporary GOBIN with
#   go install github.com/go-delve/delve/cmd/dlv@$DLV_VERSION
# (never committed; set DLV to use an existing dlv binary instead).
#
# FILTER: release (go1.26.8), release/scenario (go1.26.8/linked-defers) or a
# shell glob over the manifest's core column (e.g. 'go1.2[16]*/*.pie.*');
# default: every fixture.
#
# For each fixture (core and executable decompressed into a temporary dir):
#   pass 1: `goroutines` -> the goroutine ids Delve sees;
#   pass 2: goroutines, goroutines -l (labels), goroutines -g (go statement),
#           threads, regs (current thread), and for every id `goroutine N stack -full` (Delve's
#           default depth, 50) and `goroutine N stack DEPTH -defer`
#           (DLV_DEPTH, default 1000, so deep stacks are not cut at 50).
#           Every command is preceded by `print "@@ <command>"`, so the
#           output has one `"@@ <command>"` line before each command's output
#           (compare-delve.py splits on these).
# Both run non-interactively: `dlv core EXE CORE --check-go-version=false
# --allow-non-terminal-interactive=true --init SCRIPT` with `exit` as the last
# command of SCRIPT, stdin from /dev/null, TERM=dumb (no colour escapes) and a
# temporary XDG_CONFIG_HOME (Delve writes its config there).
#
# Output: OUTDIR/<release>/<core name>.dlv.txt (pass 2) and
# OUTDIR/summary.tsv: release, scenario, core, dlv exit status, goroutines
# Delve listed, "goroutine N [" blocks in the runtime's stderr (- for gcore),
# and the first line of Delve's output that looks like an error.
#
# With CRASHCTL=/path/to/crashctl, also writes crashctl's JSON for the same
# fixture (same decompressed executable) to
# ${CRASHCTL_OUT:-OUTDIR/crashctl}/<release>/<core name>.json, for
#   compare-delve.py OUTDIR OUTDIR/crashctl
set -euo pipefail
shopt -s inherit_errexit

DLV_VERSION=${DLV_VERSION:-v1.27.2}
TIMEOUT=${CRASHCTL_TIMEOUT:-300}
DEPTH=${DLV_DEPTH:-1000}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CORES=$HERE/cores
MANIFEST=$CORES/MANIFEST.tsv

log() { echo "delve-crosscheck: $*" >&2; }
die() { log "$*"; exit 1; }

[[ $# -ge 1 ]] || die "usage: delve-crosscheck.sh OUTDIR [FILTER...]"
OUTDIR=$1
shift
FILTERS=("$@")
[[ -f $MANIFEST ]] || die "no $MANIFEST (run generate-cores.sh)"
command -v zstd >/dev/null || die "zstd is required"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-dlv.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

if [[ -z ${DLV:-} ]]; then
	log "installing Delve $DLV_VERSION into $WORK/bin"
	GOBIN=$WORK/bin GOFLAGS= go install "github.com/go-delve/delve/cmd/dlv@$DLV_VERSION" ||
		die "go install of Delve $DLV_VERSION failed"
	DLV=$WORK/bin/dlv
fi
log "using $("$DLV" version | grep -m1 -i version)"
mkdir -p "$OUTDIR" "$WORK/xdg"
if [[ -n ${CRASHCTL:-} ]]; then
	[[ -x $CRASHCTL ]] || die "CRASHCTL=$CRASHCTL is not executable"
	CRASHCTL_OUT=${CRASHCTL_OUT:-$OUTDIR/crashctl}
	mkdir -p "$CRASHCTL_OUT"
fi

selected() { # RELEASE SCENARIO COREPATH
	((${#FILTERS[@]})) || return 0
	local f
	for f in "${FILTERS[@]}"; do
		[[ $f == "$1" || $f == "$1/$2" ]] && return 0
		# shellcheck disable=SC2053
		[[ $3 == $f ]] && return 0
	done
	return 1
}

run_dlv() { # EXE CORE SCRIPT OUT -> exit status
	local rc=0
	(cd "$WORK" && TERM=dumb XDG_CONFIG_HOME=$WORK/xdg timeout "$TIMEOUT" \
		"$DLV" core "$1" "$2" --check-go-version=false --allow-non-terminal-interactive=true \
		--init "$3" </dev/null) >"$4" 2>&1 || rc=$?
	echo "$rc"
}

SUMMARY=$OUTDIR/summary.tsv
printf 'release\tscenario\tcore\tdlv_exit\tdlv_goroutines\tstderr_goroutine_blocks\tfirst_error\n' >"$SUMMARY"

cp "$MANIFEST" "$WORK/manifest.tsv" # a snapshot: the generator may rewrite it
declare -A have_exe=()
n=0
while IFS=$'\t' read -r release scenario core exe mode source _sig _class _cg _culprit stderr _rest; do
	[[ $release == release ]] && continue
	[[ $core == *.patch.zst ]] && continue # arm64 cores (qemu): dlv core on the host reads amd64 only
	selected "$release" "$scenario" "$core" || continue
	n=$((n + 1))
	name=$(basename "$core" .core.zst)
	mkdir -p "$OUTDIR/$release"
	d=$WORK/$release
	mkdir -p "$d"
	e=$d/$(basename "$exe" .zst)
	if [[ -z ${have_exe[$exe]:-} ]]; then
		zstd -dqf "$CORES/$exe" -o "$e"
		chmod +x "$e"
		have_exe[$exe]=1
	fi
	c=$d/$name.core
	zstd -dqf "$CORES/$core" -o "$c" # sparse where the core has holes

	printf 'goroutines\nexit\n' >"$d/pass1.init"
	rc1=$(run_dlv "$e" "$c" "$d/pass1.init" "$d/pass1.txt")
	mapfile -t ids < <(grep -oE '^[ *]+Goroutine [0-9]+' "$d/pass1.txt" | awk '{print $NF}')
	{
		cmd() { printf 'print "@@ %s"\n%s\n' "$1" "$1"; }
		cmd goroutines
		cmd "goroutines -l"
		cmd "goroutines -g"
		cmd threads
		cmd regs
		for id in "${ids[@]}"; do
			cmd "goroutine $id stack -full"
			cmd "goroutine $id stack $DEPTH -defer"
		done
		echo exit
	} >"$d/pass2.init"
	out=$OUTDIR/$release/$name.dlv.txt
	rc=$(run_dlv "$e" "$c" "$d/pass2.init" "$out")
	((rc1 == 0)) || rc=$rc1
	blocks=-
	if [[ $stderr != - && -f $CORES/$stderr ]]; then
		blocks=$(zstd -dqc "$CORES/$stderr" | grep -c -E '^goroutine [0-9]+ ' || true)
	fi
	err=$(grep -v -E '^[ *]+Goroutine [0-9]+ ' "$d/pass1.txt" |
		grep -m1 -i -E 'error|could not|unsupported|panic|not supported|too old|unknown' | tr '\t' ' ' || true)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$release" "$scenario" "$core" "$rc" "${#ids[@]}" "$blocks" "${err:--}" >>"$SUMMARY"
	log "$core: dlv exit $rc, ${#ids[@]} goroutines (stderr: $blocks blocks)${err:+; $err}"
	if [[ -n ${CRASHCTL:-} ]]; then
		mkdir -p "$CRASHCTL_OUT/$release"
		"$CRASHCTL" analyze "$c" --exe "$e" -f json >"$CRASHCTL_OUT/$release/$name.json" ||
			log "$core: crashctl exit $? (JSON kept as written)"
	fi
	rm -f "$c"
done <"$WORK/manifest.tsv"
((n)) || die "no fixture matched ${FILTERS[*]}"
log "done: $n fixtures, summary in $SUMMARY"
