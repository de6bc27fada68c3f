#!/usr/bin/env bash
# generate-memory.sh [TOOLCHAIN...]
#
# Regenerates the memory-ownership fixtures under memory/ (issue 15: who
# holds the heap). For every toolchain it builds scenarios-memory/ once
# (CGO_ENABLED=0, -trimpath, DWARF kept) and stores
#   memory/<release>/exe.zst                       the executable
#   memory/<release>/<scenario>.core.zst           core (CORE_RELEASES): GOTRACEBACK=crash,
#                                                  ulimit -c unlimited, the kernel writes ./core
#   memory/<release>/<scenario>.core.stderr.txt.zst  what the program and the runtime printed
#   memory/<release>/<scenario>.dump.zst           heap dump (DUMP_RELEASES):
#                                                  runtime/debug.WriteHeapDump, exit 0
#   memory/<release>/<scenario>.dump.stderr.txt.zst
#   memory/<release>/oom-as.core.zst, oom-data.core.zst (+ .stderr.txt.zst)
#                                                  real out-of-memory crashes (OOM_RELEASES)
# and (re)writes memory/MANIFEST.tsv (one row per owner of each fixture,
# with the figures the program printed) and memory/SKIPPED.tsv. Rows of
# releases not regenerated are kept. Everything is stored as produced.
#
# Scenarios: `all` by default (every owner at once, distinct sizes). Set
# CRASHCTL_MEMORY_SCENARIOS="all global-map stack-slice chan-buffer tree
# global-slice" to store the single-owner scenarios too (for local use: the
# committed set is `all` plus the oom cores, for the size budget).
#
# Environment: CRASHCTL_TIMEOUT (per run, default 120 s), CRASHCTL_MEMORY_SCALE
# (passed to the `all` runs, not to oom; default 1, an 8.8 MB heap), CRASHCTL_OOM_TRIES
# (runs per oom fixture until the expected message, default 8).
set -euo pipefail
shopt -s inherit_errexit

TOOLCHAINS=(go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4)
CORE_RELEASES=" go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4 "
DUMP_RELEASES=" go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4 "
OOM_RELEASES=" go1.22.12 go1.26.8 "
read -r -a SCENARIOS <<<"${CRASHCTL_MEMORY_SCENARIOS:-all}"

# The out-of-memory runs: name | ulimit option and value (KiB) | ERE the
# first "fatal error" line must match | what the limit does.
#  - oom-as: RLIMIT_AS (ulimit -v). The runtime reserves address space for a
#    new 4 MiB heap chunk (PROT_NONE mmap), the kernel refuses it, mheap.grow
#    prints "runtime: out of memory: cannot allocate 4194304-byte block (N in
#    use)" and the allocation throws "out of memory". The page allocator's
#    summary arrays alone need ~700 MB of address space: below ~700000 KiB the
#    program dies at startup ("failed to reserve page summary memory").
#  - oom-data: RLIMIT_DATA (ulimit -d). Reservations are PROT_NONE and do not
#    count; making a reserved chunk writable (sysMap) does, so the kernel
#    refuses that mmap with ENOMEM and sysMapOS throws "runtime: out of
#    memory". Which allocation crosses the limit first varies from run to
#    run (sometimes the arena metadata or a persistentalloc chunk: "out of
#    memory allocating heap arena metadata", "runtime: cannot allocate
#    memory"), so the run is repeated until the sysMap throw.
OOM_TABLE='
oom-as|-v 800000|^fatal error: out of memory$|RLIMIT_AS (ulimit -v 800000)
oom-data|-d 150000|^fatal error: runtime: out of memory$|RLIMIT_DATA (ulimit -d 150000)
'

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/scenarios-memory
OUT=$HERE/memory
MANIFEST=$OUT/MANIFEST.tsv
SKIPPED=$OUT/SKIPPED.tsv
TIMEOUT=${CRASHCTL_TIMEOUT:-120}
OOM_TRIES=${CRASHCTL_OOM_TRIES:-8}
PANIC_MSG='scenarios-memory SCENARIO: crashing with the heap held'
HEADER=$'release\tscenario\tfixture\tformat\texe\tstderr\texit\tfixture_bytes\theap_alloc\theap_objects\towner\tkind\ttype\tbytes\tobjects\telements\telement_bytes\tgoroutine\tfunction\tvariable\tnotes'
SKIP_HEADER=$'release\tfixture\treason'

log() { echo "generate-memory: $*" >&2; }

# shellcheck source=testdata/toolchain.sh
source "$HERE/toolchain.sh"

zst() { zstd -19 --long -T2 -q -f --no-progress "$1" -o "$2"; }

sig_name() { # exit code -> SIGxxx, or the code itself
	local rc=$1
	if [[ $rc =~ ^[0-9]+$ ]] && ((rc > 128 && rc < 160)); then
		echo "SIG$(kill -l $((rc - 128)))"
	else
		echo "$rc"
	fi
}

# rows LINE RELEASE SCENARIO FIXTURE FORMAT EXE STDERR EXIT BYTES NOTES
# -> MANIFEST rows (one per owner) for a crashctl-memory JSON line; checks
# the figures against the nominal sizes and, for a core, the stack owner's
# goroutine against the runtime's traceback (STDERR_PLAIN, env).
rows() {
	python3 - "$@" <<'PY'
import json, re, sys, os
line, rel, scen, fix, fmt, exe, stderr, ex, nbytes, notes = sys.argv[1:11]
d = json.loads(line[len("crashctl-memory: "):])
checks = []
total = sum(o["bytes"] for o in d["owners"])
if total > d["heap_alloc"]:
    checks.append("CHECK: owners sum to %d > heap_alloc %d" % (total, d["heap_alloc"]))
if d["go_version"] != rel:
    checks.append("CHECK: program says %s" % d["go_version"])
plain = os.environ.get("STDERR_PLAIN", "")
text = open(plain, errors="replace").read() if plain else ""
for o in d["owners"]:
    # what the owner's elements alone weigh (tree: a 48-byte node each)
    nominal = o["elements"] * (o["element_bytes"] + (48 if o["type"] == "*main.Tree" else 0))
    if not (nominal <= o["bytes"] <= nominal * 1.25 + 65536):
        checks.append("CHECK: %s: %d bytes for %d elements of %d" % (o["owner"], o["bytes"], o["elements"], o["element_bytes"]))
    if o["kind"] == "stack" and fmt == "core":
        m = re.search(r"^goroutine %d gp=\S+ m=\S+ (?:mp=\S+ )?\[([^\]]*)\]:\n(.*?)(?:\n\n|\Z)" % o["goroutine"], text, re.S | re.M) \
            or re.search(r"^goroutine %d \[([^\]]*)\]:\n(.*?)(?:\n\n|\Z)" % o["goroutine"], text, re.S | re.M)
        if not m or ("\n" + o["function"] + "(") not in "\n" + m.group(2):
            checks.append("CHECK: goroutine %d with %s not in the traceback" % (o["goroutine"], o["function"]))
        elif not m.group(1).startswith("chan receive"):
            checks.append("CHECK: goroutine %d is [%s], not chan receive" % (o["goroutine"], m.group(1)))
note = "; ".join([n for n in [notes] + checks if n])
for o in d["owners"]:
    print("\t".join(str(x) for x in [
        rel, scen, fix, fmt, exe, stderr, ex, nbytes, d["heap_alloc"], d["heap_objects"],
        o["owner"], o["kind"], o["type"], o["bytes"], o["objects"], o["elements"], o["element_bytes"],
        o.get("goroutine", "-"), o.get("function", "-"), o.get("variable", "-"), note]))
PY
}

# run_prog DIR EXE SCENARIO ULIMIT_OPTS ENV... -> exit code; DIR gets stdout,
# stderr and (from the kernel) core
run_prog() {
	local dir=$1 exe=$2 scen=$3 lim=$4 rc=0
	shift 4
	mkdir -p "$dir"
	# shellcheck disable=SC2086 # $lim is "-v 800000" or empty
	(cd "$dir" && ulimit -c unlimited && { [[ -z $lim ]] || ulimit $lim; } &&
		exec timeout "$TIMEOUT" env -u GOTRACEBACK -u GODEBUG -u GOGC -u GOMEMLIMIT "$@" "$exe" "$scen") \
		</dev/null >"$dir/stdout" 2>"$dir/stderr" || rc=$?
	echo "$rc"
}

run_toolchain() {
	local want=$1 gobin ver outdir work exe rows skips has_exe=-
	gobin=$(resolve_go "$want") || { log "skipping toolchain $want"; return 1; }
	ver=$(GOTOOLCHAIN=local "$gobin" env GOVERSION)
	log "== $ver ($gobin)"
	outdir=$OUT/$ver
	work=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-memory.XXXXXX")
	rm -rf "$outdir"
	mkdir -p "$outdir"
	rows=$work/rows.tsv skips=$work/skips.tsv
	: >"$rows"
	: >"$skips"
	skip() { # FIXTURE REASON
		log "   $1: skipped: $2"
		printf '%s\t%s\t%s\n' "$ver" "$1" "$(tr '\t\n' '  ' <<<"$2")" >>"$skips"
	}

	exe=$work/scenarios-memory
	if ! (cd "$SRC" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 "$gobin" build -trimpath -o "$exe" .) 2>"$work/build.log"; then
		skip "*" "build failed: $(tail -n1 "$work/build.log")"
		merge "$MANIFEST" "$HEADER" "$ver" "$rows"
		merge "$SKIPPED" "$SKIP_HEADER" "$ver" "$skips"
		rm -rf "$work"
		return 0
	fi
	zst "$exe" "$outdir/exe.zst"
	has_exe=$ver/exe.zst

	local scen dir rc line fix core notes
	for scen in "${SCENARIOS[@]}"; do
		# --- core -------------------------------------------------------------
		if [[ $CORE_RELEASES == *" $ver "* ]]; then
			fix=$scen.core
			dir=$work/run-$fix
			rc=$(run_prog "$dir" "$exe" "$scen" "" GOTRACEBACK=crash CRASHCTL_MEMORY_SCALE="${CRASHCTL_MEMORY_SCALE:-1}")
			core=$(find "$dir" -maxdepth 1 -name 'core*' -type f | head -n1)
			line=$(grep -m1 '^crashctl-memory: ' "$dir/stderr" || true)
			if [[ -z $core ]]; then
				skip "$fix" "no core written (exit $rc; stderr: $(grep -m1 -E '^(panic|fatal error)' "$dir/stderr" || head -n1 "$dir/stderr"))"
			elif [[ -z $line ]]; then
				skip "$fix" "no crashctl-memory line (exit $rc)"
			else
				notes="GOTRACEBACK=crash, ulimit -c unlimited"
				grep -qxF "panic: ${PANIC_MSG/SCENARIO/$scen}" "$dir/stderr" || notes+="; CHECK: stderr lacks the panic message"
				zst "$core" "$outdir/$fix.zst"
				zst "$dir/stderr" "$outdir/$fix.stderr.txt.zst"
				STDERR_PLAIN=$dir/stderr rows "$line" "$ver" "$scen" "$ver/$fix.zst" core "$has_exe" \
					"$ver/$fix.stderr.txt.zst" "$(sig_name "$rc")" "$(stat -c %s "$core")" "$notes" >>"$rows"
				log "   $fix: exit $rc, core $(stat -c %s "$core") -> $(stat -c %s "$outdir/$fix.zst") bytes"
			fi
			rm -rf "$dir"
		fi
		# --- heap dump --------------------------------------------------------
		if [[ $DUMP_RELEASES == *" $ver "* ]]; then
			fix=$scen.dump
			dir=$work/run-$fix
			rc=$(run_prog "$dir" "$exe" "$scen" "" CRASHCTL_HEAPDUMP="$dir/heap.dump" CRASHCTL_MEMORY_SCALE="${CRASHCTL_MEMORY_SCALE:-1}")
			line=$(grep -m1 '^crashctl-memory: ' "$dir/stderr" || true)
			if [[ ! -s $dir/heap.dump ]] || ! head -c 16 "$dir/heap.dump" | grep -q 'go1.7 heap dump'; then
				skip "$fix" "WriteHeapDump failed (exit $rc): $(grep -m1 -E '^(fatal error|panic|runtime:)' "$dir/stderr" || head -n1 "$dir/stderr")"
			elif [[ -z $line ]]; then
				skip "$fix" "no crashctl-memory line (exit $rc)"
			else
				notes="CRASHCTL_HEAPDUMP set: runtime.GC then debug.WriteHeapDump, exit $rc"
				[[ $rc == 0 ]] || notes+="; CHECK: exit $rc"
				tail -c 1 "$dir/heap.dump" | od -An -tx1 | grep -q ' 00' || notes+="; CHECK: dump does not end with the EOF tag"
				zst "$dir/heap.dump" "$outdir/$fix.zst"
				zst "$dir/stderr" "$outdir/$fix.stderr.txt.zst"
				STDERR_PLAIN= rows "$line" "$ver" "$scen" "$ver/$fix.zst" heapdump "$has_exe" \
					"$ver/$fix.stderr.txt.zst" "$rc" "$(stat -c %s "$dir/heap.dump")" "$notes" >>"$rows"
				log "   $fix: exit $rc, dump $(stat -c %s "$dir/heap.dump") -> $(stat -c %s "$outdir/$fix.zst") bytes"
			fi
			rm -rf "$dir"
		fi
	done

	# --- out of memory ----------------------------------------------------------
	if [[ $OOM_RELEASES == *" $ver "* ]]; then
		local entry name lim want how try seen
		while IFS='|' read -r name lim want how; do
			[[ -n $name ]] || continue
			fix=$name.core
			seen=()
			for ((try = 1; try <= OOM_TRIES; try++)); do
				dir=$work/run-$fix-$try
				rc=$(run_prog "$dir" "$exe" oom "$lim" GOTRACEBACK=crash)
				local fatal
				fatal=$(grep -m1 '^fatal error: ' "$dir/stderr" || echo "(no fatal error; exit $rc)")
				core=$(find "$dir" -maxdepth 1 -name 'core*' -type f | head -n1)
				if grep -qE -- "$want" <<<"$fatal" && [[ -n $core ]]; then
					break
				fi
				seen+=("run $try: $fatal")
				rm -rf "$dir"
			done
			if ((try > OOM_TRIES)); then
				skip "$fix" "$OOM_TRIES runs under $how, none ended with /$want/ and a core: $(IFS=';'; echo "${seen[*]}")"
				continue
			fi
			line=$(grep '^crashctl-memory: ' "$dir/stderr" | tail -n1 || true)
			[[ -n $line ]] || { skip "$fix" "died before the first crashctl-memory line: $fatal"; rm -rf "$dir"; continue; }
			notes="oom scenario under $how, GOTRACEBACK=crash, GC off (SetGCPercent(-1)); run $try of up to $OOM_TRIES"
			((${#seen[@]})) && notes+=" (earlier: $(IFS=';'; echo "${seen[*]}"))"
			local pre
			pre=$(grep -m1 '^runtime: out of memory' "$dir/stderr" || true)
			[[ -z $pre ]] || notes+="; $pre"
			notes+="; figures from the last crashctl-memory line (step $(sed -E 's/.*"step":([0-9]+).*/\1/' <<<"$line") of 4 MiB; main.hoard grew by at most 64 more 64 KiB slices before the throw)"
			zst "$core" "$outdir/$fix.zst"
			zst "$dir/stderr" "$outdir/$fix.stderr.txt.zst"
			STDERR_PLAIN=$dir/stderr rows "$line" "$ver" oom "$ver/$fix.zst" core "$has_exe" \
				"$ver/$fix.stderr.txt.zst" "$(sig_name "$rc")" "$(stat -c %s "$core")" "$notes" >>"$rows"
			log "   $fix: $fatal (run $try), core $(stat -c %s "$core") -> $(stat -c %s "$outdir/$fix.zst") bytes"
			rm -rf "$dir"
		done <<<"$OOM_TABLE"
	fi

	merge "$MANIFEST" "$HEADER" "$ver" "$rows"
	merge "$SKIPPED" "$SKIP_HEADER" "$ver" "$skips"
	rm -rf "$work"
}

# merge FILE HEADER VERSION NEWROWS: keep FILE's rows of other releases
merge() {
	local file=$1 header=$2 ver=$3 new=$4
	{
		if [[ -f $file ]]; then
			tail -n +2 "$file" | awk -F'\t' -v v="$ver" '$1 != v'
		fi
		cat "$new"
	} | sort -s -t$'\t' -k1,1V -k3,3 >"$file.body"
	{ echo "$header"; cat "$file.body"; } >"$file.new"
	mv -f "$file.new" "$file"
	rm -f "$file.body"
}

main() {
	command -v zstd >/dev/null || { log "zstd is required"; exit 1; }
	command -v python3 >/dev/null || { log "python3 is required"; exit 1; }
	local pat
	pat=$(cat /proc/sys/kernel/core_pattern)
	[[ $pat != /* && $pat != '|'* ]] || { log "core_pattern is '$pat': the kernel must write the core into the cwd"; exit 1; }
	mkdir -p "$OUT"
	local list=("$@")
	((${#list[@]})) || list=("${TOOLCHAINS[@]}")
	local t failed=()
	for t in "${list[@]}"; do
		run_toolchain "$t" || failed+=("$t")
	done
	log "done: $(tail -n +2 "$MANIFEST" | cut -f3 | sort -u | wc -l) fixtures, $(tail -n +2 "$SKIPPED" | wc -l) skipped, $(du -sh --apparent-size "$OUT" | cut -f1) in $OUT"
	((${#failed[@]} == 0)) || { log "toolchains that could not be used: ${failed[*]}"; exit 1; }
}

main "$@"
