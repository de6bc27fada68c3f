#!/usr/bin/env bash
# generate-cores.sh [TOOLCHAIN...]
#
# Regenerates the ELF core-dump fixtures under cores/: for every toolchain it
# builds the programs once (non-PIE default build, DWARF kept), runs each
# scenario in its own temporary directory under GOTRACEBACK=crash with
# `ulimit -c unlimited` (the kernel writes ./core there: core_pattern must be
# "core" or another relative name), and stores
#   cores/<release>/<program>[.pie].exe.zst          the executable, once
#   cores/<release>/<scenario>[.<mode>].core.zst     the core (zstd -19 --long)
#   cores/<release>/<scenario>[.<mode>].stderr.txt.zst  what the runtime printed
#   cores/<release>/defer-kinds.<program>.txt        `go build -gcflags=-d=defer`
# and (re)writes cores/MANIFEST.tsv and cores/SKIPPED.tsv (rows of releases
# not regenerated are kept). Cores, executables and texts are stored exactly
# as produced: nothing is edited.
#
# Programs: scenarios-core/ (made for the core decoder), scenarios/ (a subset
# of the crash-text scenarios), scenarios-cgo/ (cgo build, go1.26.8 only).
#
# arm64 (ARM64_RELEASES): scenarios-core is built with GOARCH=arm64 and run
# under qemu-user (qemu-aarch64-static, Debian's qemu-user-static), which
# writes the guest's own ELF core, qemu_<prog>_<date>_<pid>.core, into the
# cwd. Files go to cores/<release>/arm64/. qemu also dumps the executable's
# read-only data, which the kernel leaves out (380 KB compressed per core),
# so these cores are compressed against the executable as a zstd prefix:
#   <scenario>.core.patch.zst = zstd -19 --long=27 --patch-from=EXE CORE
# and read back with `zstd -d --long=27 --patch-from=EXE` (the MANIFEST's
# core_patch_from column names the executable). The bytes are unchanged.
# Extra build modes: PIE (-buildmode=pie) for PIE_RELEASES, and a gcore of a
# live process (gdb's gcore) for GCORE_RELEASES.
#
# Scenarios that need a GODEBUG setting get it from SCENARIO_GODEBUG (and
# only they); wait-minutes takes 61 s and runs for WAIT_RELEASES only.
#
# Environment: CRASHCTL_TIMEOUT (per run, default 60 s; wait-minutes gets 60 s
# more), CRASHCTL_CORES_OLD_RELEASES (see OLD_RELEASES),
# CRASHCTL_FIXTURE_TESTDATA (see FIXTURE_TESTDATA), CRASHCTL_CORES_ARCHES
# (default "amd64 arm64"), QEMU_AARCH64.
set -euo pipefail
shopt -s inherit_errexit

TOOLCHAINS=(go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4)
PIE_RELEASES=(go1.21.13 go1.26.8)
CGO_RELEASES=(go1.26.8)
ARM64_RELEASES=(go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4)
QEMU_AARCH64=${QEMU_AARCH64:-qemu-aarch64-static}
# arm64 cgo: a cross compiler, and the guest's libc for qemu (Debian's
# gcc-aarch64-linux-gnu and libc6-arm64-cross)
CC_AARCH64=${CC_AARCH64:-aarch64-linux-gnu-gcc}
QEMU_LD_PREFIX=${QEMU_LD_PREFIX:-/usr/aarch64-linux-gnu}
export QEMU_LD_PREFIX
GOARCH_RUN=amd64 # the GOARCH being generated (main sets it)
GCORE_RELEASES=(go1.26.8)
# releases that also run wait-minutes (61 s each, one run at a time)
WAIT_RELEASES=(go1.26.8)
# releases for which the testdata/scenarios program and its subset below are
# also stored (each adds ~1.8 MB, nearly all of it the executable; the size
# budget of cores/ does not allow all releases). Override with
# CRASHCTL_CORES_OLD_RELEASES="go1.21.13 go1.22.12 ..." to store more.
read -r -a OLD_RELEASES <<<"${CRASHCTL_CORES_OLD_RELEASES:-go1.21.13 go1.26.8}"

# The programs' source paths as the fixtures record them, whatever checkout
# runs this (the tests map /work/main/testdata to testdata): the compiler
# rewrites this directory's path to it (-trimpath=OLD=>NEW). Not for the cgo
# build, where that flag would replace the go command's own rewrite of cgo's
# generated files: its paths are those of the checkout.
FIXTURE_TESTDATA=${CRASHCTL_FIXTURE_TESTDATA:-/work/main/testdata}

# scenarios-core scenarios run for every release
CORE_SCENARIOS=(
	open-coded-defers linked-defers indirect-recover goexit-pending nested-panic
	deadlock-pending-defers
	value-wrapped-error value-stringer value-struct value-index value-closed-chan value-custom-int
	concurrent-map-writes stack-overflow-small goroutine-leak rangefunc-defers
	labels ancestors
)
# GODEBUG of the scenarios that need one (every other run has GODEBUG unset)
SCENARIO_GODEBUG='
labels|tracebacklabels=1
ancestors|tracebackancestors=5
'

# scenarios/ scenarios (see run-scenario.sh; all of these run with no special
# environment). stack-overflow is listed so that SKIPPED.tsv says why it is
# left out.
OLD_SCENARIOS=(nil-deref index panic-error panic-in-goroutine repanic panic-in-defer concurrent-map deadlock stack-overflow)
# scenarios-core scenarios also run from the PIE build
PIE_SCENARIOS=(open-coded-defers linked-defers goexit-pending value-index)
# runs whose core would be too large to commit: id|reason
TOO_BIG='
stack-overflow|the goroutine stack grows to the 1 GB default limit: a 1.1 GB core, 32 MB even with zstd -3 --long; stack-overflow-small (debug.SetMaxStack 256 KB) covers the case
'

# Expectations, the source of truth being the scenario programs' comments:
#   id | expected_class | expected_culprit (first frame of the program's own
#   code in the crashing goroutine, as the runtime prints it; "-" none) |
#   expected crashing goroutine (id, "first" = id of the first goroutine block
#   in the text, "-" none) | ERE that must occur in the stderr text |
#   note on defers and panic values
EXPECT_TABLE='
open-coded-defers|nil-pointer-dereference|main.(*Inventory).reserve|1|invalid memory address or nil pointer dereference|value runtime error (SIGSEGV addr 0x8); g1 placeOrder: logExit open-coded RAN; serveSession g: logExit, serveSession.func1 (recover), Conn.Close wrapper - open-coded pending; pollUpstream g: fetchBatch releaseBuffer, then pollUpstream guard (recover), logExit - open-coded pending; recover in the wrong goroutine
linked-defers|explicit-panic|main.superviseShutdown|1|^panic: shutdown: workers did not stop within 30s|value string; drainQueues g: releaseSlot(2),(1),(0) heap + closeQueues stack, no recover; shutdownAll g: guard (recover) then closeStep(9..1), all 10 stack; g1 superviseShutdown logExit open-coded RAN
indirect-recover|explicit-panic|main.runJob|1|^panic: job 9: quota exceeded|value errors.New (*errors.errorString; _panic.arg is the printed string after preprintpanics); runJob: cleanupJob open-coded RAN, calls recover only indirectly via main.tryRecover (returned nil)
goexit-pending|explicit-panic|main.superviseRetire|1|^panic: supervisor: worker 4 did not exit|value string; workerMain g: g._panic is a Goexit record; retireWorker markStopping RAN, flushAndWait RUNNING (blocked, called by runtime.Goexit); workerMain logExit open-coded pending
nested-panic|explicit-panic|main.rollbackPatch|1|^	panic: rollback of patch 12: journal corrupt|panic chain newest first: string "rollback of patch 12: journal corrupt", then *main.PatchError{12,"apply"} printed "patch 12: apply failed"; applyPatch rollbackPatch open-coded was running
deadlock-pending-defers|deadlock|main.awaitLeaseRelease|-|^fatal error: all goroutines are asleep - deadlock!|fatal error, recover never runs; g1 awaitLeaseRelease logExit open-coded pending; holdLease g: guard (recover) then releaseLease open-coded pending
value-wrapped-error|explicit-panic|main.loadProfile|1|^panic: load profile "alice": record not found|value *fmt.wrapError wrapping *errors.errorString "record not found" (arg replaced by the printed string)
value-stringer|explicit-panic|main.placeMarker|1|^panic: Point\(3,-1 "origin"\)|value main.Point{X:3 Y:-1 Label:"origin"} with String method (arg replaced by the printed string)
value-struct|explicit-panic|main.checkLimits|1|^panic: .*main\.LimitExceeded|value main.LimitExceeded{Resource:"memory" Used:1536 Limit:1024} (no methods: arg keeps its type)
value-index|index-out-of-range|main.(*Ring).at|1|^panic: runtime error: index out of range \[5\] with length 3|value runtime.boundsError{x:5 y:3 signed code=index} (arg replaced by the printed string)
value-closed-chan|closed-channel|main.publish|1|^panic: send on closed channel|value runtime.plainError "send on closed channel" (arg replaced by the printed string)
value-custom-int|explicit-panic|main.escalate|1|^panic: main\.Priority\(7\)|value main.Priority(7) (named int: arg keeps its type)
concurrent-map-writes|concurrent-map-access|main.(*Index).add|first|^fatal error: concurrent map writes|fatal error, recover never runs; both indexWorker g: guard (recover) open-coded pending; auditIndex g: logExit open-coded pending; crashing worker not deterministic
stack-overflow-small|stack-overflow|main.expandTemplate main.includePartial|1|^fatal error: stack overflow|limit 262144 bytes (debug.SetMaxStack); g1 renderPage: guard (recover) open-coded pending, never runs
goroutine-leak|explicit-panic|main.checkConnLimit|1|^panic: too many open connections: 200|value string; 200 handleConn g parked on one channel, each closeConn open-coded pending; .single.stderr has only goroutine 1 (GOTRACEBACK=single run)
rangefunc-defers|explicit-panic|main.verifyReplay|1|^panic: replay: checksum mismatch at entry 3|value string; replayLog g: rangefunc _defer whose head lists heap undoEntry(2),(1),(0), then closeLog stack; no recover
labels|explicit-panic|main.applyQuota|1|^panic: quota: tenant acme over limit|GODEBUG=tracebacklabels=1 (printed from go1.26); pprof labels: g1 tenant=acme; ingestWorker x2 worker=ingest shard=3/7; exportWorker city, quoted key, region, worker; unlabeled none
ancestors|explicit-panic|main.leafTask|first|^panic: leaf task 2: input exhausted|GODEBUG=tracebackancestors=5; leafTask g originates from spawnLeaf g, spawnMiddle g, goroutine 1 (startTree)
wait-minutes|explicit-panic|main.checkBacklog|1|^panic: backlog: consumers stalled|3 stalledConsumer g parked since before a GC 61 s before the crash (chan receive, 1 minutes); lateConsumer g parked for milliseconds also shows 1 minutes (markroot stamps work.tstart of the previous cycle)
snapshot-live|snapshot|-|-|^ready$|gcore of a live process (stdout checked for ready); g1 idleMain logExit open-coded; serveSession, pollUpstream/fetchBatch, holdLease open-coded (with guard/func1 recover); drainQueues heap x2 + stack; shutdownAll 10 stack
nil-deref|nil-pointer-dereference|main.(*Cache).lookup|1|invalid memory address or nil pointer dereference|testdata/scenarios; value runtime error (SIGSEGV)
index|index-out-of-range|main.(*RingBuffer).at|1|index out of range \[3\] with length 3|testdata/scenarios; value boundsError
panic-error|explicit-panic|main.openShard|1|^panic: open shard: shard 7: checksum mismatch|testdata/scenarios; value *fmt.wrapError (twice wrapped)
panic-in-goroutine|explicit-panic|main.processJob|first|^panic: job 3: empty payload|testdata/scenarios; g1 has a pending deferred closure calling recover (wrong goroutine)
repanic|explicit-panic|main.safeDecode.func1|1|^panic: decode: short record|testdata/scenarios; recovered then re-panicked with the same value
panic-in-defer|explicit-panic|main.(*Tx).rollback|1|^	panic: tx 17: rollback failed|testdata/scenarios; two panics, both strings
concurrent-map|concurrent-map-access|main.(*Stats).record|first|^fatal error: concurrent map writes|testdata/scenarios
deadlock|deadlock|main.waitForWorkers|-|^fatal error: all goroutines are asleep - deadlock!|testdata/scenarios; pool.acquire g blocked on Mutex with a pending stack-or-open-coded Unlock defer
cgo-segv|cgo-signal|main._Cfunc_parse_record|1|SIGSEGV|testdata/scenarios-cgo; SIGSEGV in C parse_record called through cgo
cgo-segv-deep|cgo-signal|main._Cfunc_render_table|1|SIGSEGV|testdata/scenarios-cgo; SIGSEGV in C field_width, called by layout_row and render_table (table.c), called through cgo by renderReport
cgo-libc-segv|cgo-signal|main._Cfunc_label_width|1|SIGSEGV|testdata/scenarios-cgo; SIGSEGV in libc strlen(NULL), called by name_length and label_width (table.c) through cgo by measureLabels; the libc frame needs the same libc (build id) on the reading machine
cgo-callback-panic|explicit-panic|main.goVisit|1|^panic: visit: node 3 has no parent|testdata/scenarios-cgo; walkTree calls C walk_nodes, which calls visit_node, which calls back the exported goVisit, which panics; the C frames are on g0, below cgocallback
'

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE/cores
MANIFEST=$OUT/MANIFEST.tsv
SKIPPED=$OUT/SKIPPED.tsv
TIMEOUT=${CRASHCTL_TIMEOUT:-60}
HEADER=$'release\tscenario\tcore\texe\tbuild_mode\tsource\texit_signal\texpected_class\texpected_crashing_goroutine\texpected_culprit\tstderr\tcore_bytes\tnotes\tgoarch\tcore_patch_from'
SKIP_HEADER=$'release\tscenario\tbuild_mode\treason\tgoarch'

log() { echo "generate-cores: $*" >&2; }

# shellcheck source=testdata/toolchain.sh
source "$HERE/toolchain.sh"

in_list() { local x=$1; shift; local e; for e; do [[ $e == "$x" ]] && return 0; done; return 1; }

expect_field() { # ID FIELD(2..6)
	awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f; exit }' <<<"$EXPECT_TABLE"
}

first_header_id() {
	local id
	id=$(grep -m1 -E '^goroutine [0-9]+ ' "$1" | awk '{print $2}') || true
	echo "${id:--}"
}

# own_frames FILE ID: function names of the program's own code in goroutine
# ID's first block
own_frames() {
	awk -v id="$2" '
		$0 ~ "^goroutine " id " " { inb = 1; next }
		inb && /^$/ { exit }
		inb && /^goroutine / { exit }
		inb && /^[^\t]/ && !/^created by / && !/^\[originating/ {
			line = $0; sub(/\([^()]*\)$/, "", line); print line
		}' "$1" | grep -E '^main\.' || true
}

zst() { zstd -19 --long -T2 -q -f --no-progress "$1" -o "$2"; }

sig_name() { # exit code -> signal name or "-"
	local rc=$1
	if [[ $rc =~ ^[0-9]+$ ]] && ((rc > 128 && rc < 160)); then
		echo "SIG$(kill -l $((rc - 128)))"
	else
		echo -
	fi
}

# build GO PROGRAM_DIR OUT MODE(exe|pie|cgo): default go build for $GOARCH_RUN
build() {
	local gobin=$1 dir=$2 out=$3 mode=$4 flags=() cgo=0
	case $mode in
	pie) flags=(-buildmode=pie) ;;
	cgo) cgo=1 ;;
	esac
	[[ $mode != cgo && $HERE != "$FIXTURE_TESTDATA" ]] && flags+=("-gcflags=-trimpath=$HERE=>$FIXTURE_TESTDATA")
	local cc=${CC:-gcc}
	[[ $GOARCH_RUN == arm64 ]] && cc=$CC_AARCH64
	(cd "$dir" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOARCH=$GOARCH_RUN CGO_ENABLED=$cgo CC=$cc "$gobin" build "${flags[@]}" -o "$out" .)
}

# scenario_godebug ID: its GODEBUG setting, "" for none
scenario_godebug() { awk -F'|' -v n="$1" '$1 == n { print $2 }' <<<"$SCENARIO_GODEBUG"; }

# run_crash EXE SCENARIO DIR GOTRACEBACK -> exit code on stdout; DIR gets
# stdout, stderr and the core (the kernel's ./core; qemu's qemu_*.core, and
# then qemu's own ./core is deleted)
run_crash() {
	local exe=$1 scen=$2 dir=$3 tb=$4 rc=0 godebug timeout=$TIMEOUT runner=()
	godebug=$(scenario_godebug "$scen")
	[[ $scen == wait-minutes ]] && timeout=$((TIMEOUT + 60))
	[[ $GOARCH_RUN == arm64 ]] && runner=("$QEMU_AARCH64")
	mkdir -p "$dir"
	(cd "$dir" && ulimit -c unlimited &&
		exec timeout "$timeout" env -u GOTRACEBACK -u GODEBUG GOTRACEBACK="$tb" ${godebug:+GODEBUG="$godebug"} "${runner[@]}" "$exe" "$scen") \
		>"$dir/stdout" 2>"$dir/stderr" || rc=$?
	[[ $GOARCH_RUN == arm64 ]] && rm -f "$dir/core"
	echo "$rc"
}

# the core a run left in DIR
core_in() {
	local pattern='core*'
	[[ $GOARCH_RUN == arm64 ]] && pattern='qemu_*.core'
	find "$1" -maxdepth 1 -name "$pattern" -type f | head -n1
}

run_toolchain() {
	local want=$1 gobin ver outdir work rows skips
	gobin=$(resolve_go "$want") || { log "skipping toolchain $want"; return 1; }
	ver=$(GOTOOLCHAIN=local "$gobin" env GOVERSION)
	log "== $ver ($gobin)"
	local rel=$ver # path of the release's files under cores/
	[[ $GOARCH_RUN == amd64 ]] || rel=$ver/$GOARCH_RUN
	outdir=$OUT/$rel
	work=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-cores.XXXXXX")
	mkdir -p "$outdir"
	find "$outdir" -maxdepth 1 -type f -delete
	rows=$work/rows.tsv skips=$work/skips.tsv
	: >"$rows"
	: >"$skips"

	skip() { # SCENARIO MODE REASON
		log "   $1 ($2): skipped: $3"
		printf '%s\t%s\t%s\t%s\t%s\n' "$ver" "$1" "$2" "$(tr '\t\n' '  ' <<<"$3")" "$GOARCH_RUN" >>"$skips"
	}

	# --- builds -------------------------------------------------------------
	local -A exe_of=()
	local prog mode key
	for key in scenarios-core:exe scenarios:exe scenarios-core:pie scenarios-cgo:cgo; do
		prog=${key%%:*} mode=${key#*:}
		[[ $key == scenarios:exe ]] && ! in_list "$ver" "${OLD_RELEASES[@]}" && continue
		[[ $GOARCH_RUN == amd64 || $key == scenarios-core:exe || $key == scenarios-cgo:cgo ]] || continue
		case $mode in
		pie) in_list "$ver" "${PIE_RELEASES[@]}" || continue ;;
		cgo) in_list "$ver" "${CGO_RELEASES[@]}" || continue ;;
		esac
		local name=$prog.exe
		[[ $mode == pie ]] && name=$prog.pie.exe
		if build "$gobin" "$HERE/$prog" "$work/$name" "$mode" 2>"$work/$name.log"; then
			zst "$work/$name" "$outdir/$name.zst"
			exe_of[$key]=$name
		else
			skip "*" "$mode" "build of $prog failed: $(tail -n1 "$work/$name.log")"
		fi
	done
	# what the compiler chose for each defer statement (diagnostic only;
	# the stored executables are built without -gcflags)
	(cd "$HERE/scenarios-core" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOARCH=$GOARCH_RUN CGO_ENABLED=0 \
		"$gobin" build -gcflags=-d=defer -o /dev/null . 2>&1 | grep -v '^#' | LC_ALL=C sort -t: -k1,1 -k2,2n) \
		>"$outdir/defer-kinds.scenarios-core.txt" || true

	# --- runs ---------------------------------------------------------------
	local id prog_key suffix tb dir rc core stderr_f class culprit cg regex note notes crash printed
	local jobs=()
	for id in "${CORE_SCENARIOS[@]}"; do jobs+=("$id|scenarios-core:exe|"); done
	[[ $GOARCH_RUN == amd64 ]] && in_list "$ver" "${WAIT_RELEASES[@]}" && jobs+=("wait-minutes|scenarios-core:exe|")
	if [[ $GOARCH_RUN == amd64 ]] && in_list "$ver" "${OLD_RELEASES[@]}"; then
		for id in "${OLD_SCENARIOS[@]}"; do jobs+=("$id|scenarios:exe|"); done
	fi
	if [[ -n ${exe_of[scenarios-core:pie]:-} ]]; then
		for id in "${PIE_SCENARIOS[@]}"; do jobs+=("$id|scenarios-core:pie|.pie"); done
	fi
	if [[ -n ${exe_of[scenarios-cgo:cgo]:-} ]]; then
		for id in cgo-segv cgo-segv-deep cgo-libc-segv cgo-callback-panic; do jobs+=("$id|scenarios-cgo:cgo|"); done
	fi

	local job
	for job in "${jobs[@]}"; do
		IFS='|' read -r id prog_key suffix <<<"$job"
		mode=${prog_key#*:}
		local exe=${exe_of[$prog_key]:-}
		[[ -n $exe ]] || { skip "$id" "$mode" "no executable (build failed)"; continue; }
		local big
		big=$(awk -F'|' -v n="$id" '$1 == n { print $2 }' <<<"$TOO_BIG")
		[[ -n $big ]] && { skip "$id" "$mode" "$big"; continue; }
		dir=$work/run-$id$suffix
		rc=$(run_crash "$work/$exe" "$id" "$dir" crash)
		if [[ $rc == 3 ]] && grep -q 'not available in this build' "$dir/stderr"; then
			skip "$id" "$mode" "$(head -n1 "$dir/stderr") (needs a newer Go; see the scenario's build constraint)"
			continue
		fi
		core=$(core_in "$dir")
		if [[ -z $core ]]; then
			skip "$id" "$mode" "no core written (exit $rc; stderr: $(grep -m1 -E '^(panic|fatal error|SIG)' "$dir/stderr" || head -n1 "$dir/stderr"))"
			continue
		fi
		local base=$id$suffix core_name patch_from=-
		if [[ $GOARCH_RUN == arm64 ]]; then
			core_name=$base.core.patch.zst patch_from=$rel/$exe.zst
			zstd -19 --long=27 -q -f --no-progress --patch-from="$work/$exe" "$core" -o "$outdir/$core_name" 2>/dev/null
		else
			core_name=$base.core.zst
			zst "$core" "$outdir/$core_name"
		fi
		zst "$dir/stderr" "$outdir/$base.stderr.txt.zst"
		notes=("GOTRACEBACK=crash, ulimit -c unlimited")
		[[ $GOARCH_RUN == arm64 ]] && notes[0]+=", under $($QEMU_AARCH64 --version | head -n1)"

		class=$(expect_field "$id" 2)
		culprit=$(expect_field "$id" 3)
		cg=$(expect_field "$id" 4)
		regex=$(expect_field "$id" 5)
		note=$(expect_field "$id" 6)
		case $cg in
		first) crash=$(first_header_id "$dir/stderr") ;;
		-) crash=- ;;
		*)
			crash=$cg
			[[ $(first_header_id "$dir/stderr") == "$crash" ]] ||
				notes+=("CHECK: first goroutine block is $(first_header_id "$dir/stderr"), expected $crash")
			;;
		esac
		# culprit: first own frame of the crashing goroutine (goroutine 1 for
		# a deadlock); several alternatives may be listed, record the printed one
		local cgid=$crash
		[[ $cgid == - ]] && cgid=1
		printed=$(own_frames "$dir/stderr" "$cgid" | head -n1)
		if [[ $culprit != - ]]; then
			if in_list "$printed" $culprit; then
				culprit=$printed
			else
				notes+=("CHECK: first own frame printed is '${printed:-none}', expected '$culprit'")
				culprit=${culprit%% *}
			fi
		fi
		grep -q -E -- "$regex" "$dir/stderr" || notes+=("CHECK: stderr lacks /$regex/")
		[[ $mode == pie ]] && notes+=("PIE build (-buildmode=pie)")
		[[ $mode == cgo ]] && notes+=("CGO_ENABLED=1")
		[[ -n $(scenario_godebug "$id") ]] && notes+=("GODEBUG=$(scenario_godebug "$id")")
		# the program's monotonic clock just before it crashed (time.Time's
		# "m=+SECONDS", from the time package's start), for the core's nanotime estimate
		if [[ $id == wait-minutes ]]; then
			local mono
			mono=$(grep -o -E 'm=\+[0-9.]+' "$dir/stdout" | tail -n1 || true)
			notes+=("stdout before the crash: ${mono:-no m=+ reading}")
		fi
		notes+=("$note")

		# the leak scenario: the same program state, but the text a user
		# usually has (GOTRACEBACK=single: only the crashing goroutine)
		if [[ $id == goroutine-leak ]]; then
			local sdir=$dir-single src
			src=$(run_crash "$work/$exe" "$id" "$sdir" single)
			zst "$sdir/stderr" "$outdir/$base.single.stderr.txt.zst"
			notes+=("$base.single.stderr.txt.zst: GOTRACEBACK=single run, exit $src, $(grep -c -E '^goroutine [0-9]+ ' "$sdir/stderr" || true) goroutine block(s)")
		fi

		local IFS_save=$IFS
		IFS='|'
		local notestr="${notes[*]}"
		IFS=$IFS_save
		notestr=${notestr//|/; }
		local source=kernel
		[[ $GOARCH_RUN == arm64 ]] && source=qemu
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			"$ver" "$id" "$rel/$core_name" "$rel/$exe.zst" "$mode" "$source" "$(sig_name "$rc")" \
			"$class" "$crash" "$culprit" "$rel/$base.stderr.txt.zst" "$(stat -c %s "$core")" "$notestr" \
			"$GOARCH_RUN" "$patch_from" >>"$rows"
		log "   $rel/$base: exit $rc, core $(stat -c %s "$core") -> $(stat -c %s "$outdir/$core_name") bytes${notes[1]:+; ${notes[*]:1:1}}"
		rm -rf "$dir" "$dir-single"
	done

	# --- gcore of a live process -----------------------------------------------
	if [[ $GOARCH_RUN == amd64 ]] && in_list "$ver" "${GCORE_RELEASES[@]}" && [[ -n ${exe_of[scenarios-core:exe]:-} ]]; then
		gcore_live "$ver" "$work/${exe_of[scenarios-core:exe]}" "$work" "$outdir" "$rows" || true
	fi

	merge "$MANIFEST" "$HEADER" "$ver" "$rows" 14
	merge "$SKIPPED" "$SKIP_HEADER" "$ver" "$skips" 5
	rm -rf "$work"
}

# gcore_live VER EXE WORK OUTDIR ROWS
gcore_live() {
	local ver=$1 exe=$2 work=$3 outdir=$4 rows=$5 dir pid id=snapshot-live
	command -v gcore >/dev/null || { skip "$id" exe "gcore (gdb) not installed"; return 0; }
	dir=$work/run-$id
	mkdir -p "$dir"
	(cd "$dir" && exec env -u GOTRACEBACK -u GODEBUG "$exe" "$id") >"$dir/stdout" 2>"$dir/stderr" &
	pid=$!
	local i
	for i in $(seq 1 300); do
		grep -q '^ready$' "$dir/stdout" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ready$' "$dir/stdout"; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		skip "$id" exe "the program did not print ready"
		return 0
	fi
	gcore -o "$dir/snap" "$pid" >"$dir/gcore.log" 2>&1 || true
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local core=$dir/snap.$pid
	[[ -s $core ]] || { skip "$id" exe "gcore wrote no core: $(tail -n1 "$dir/gcore.log")"; return 0; }
	zst "$core" "$outdir/$id.gcore.core.zst"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$ver" "$id" "$ver/$id.gcore.core.zst" "$ver/scenarios-core.exe.zst" exe gcore - \
		snapshot - - - "$(stat -c %s "$core")" \
		"gcore (gdb $(gdb --version | head -n1 | awk '{print $NF}')) of the live process after it printed ready, then SIGKILL; no stderr (nothing crashed); $(expect_field "$id" 6)" \
		amd64 - >>"$rows"
	log "   $id (gcore): core $(stat -c %s "$core") -> $(stat -c %s "$outdir/$id.gcore.core.zst") bytes"
}

# merge FILE HEADER VERSION NEWROWS GOARCH_COLUMN: keep FILE's rows of other
# releases and other GOARCHes
merge() {
	local file=$1 header=$2 ver=$3 new=$4 col=$5
	{
		if [[ -f $file ]]; then
			tail -n +2 "$file" | awk -F'\t' -v v="$ver" -v a="$GOARCH_RUN" -v c="$col" '$1 != v || $c != a'
		fi
		cat "$new"
	} | sort -t$'\t' -k1,1V -k2,2 -k3,3 >"$file.body"
	{ echo "$header"; cat "$file.body"; } >"$file.new"
	mv -f "$file.new" "$file"
	rm -f "$file.body"
}

main() {
	command -v zstd >/dev/null || { log "zstd is required"; exit 1; }
	local pat
	pat=$(cat /proc/sys/kernel/core_pattern)
	[[ $pat != /* && $pat != '|'* ]] || { log "core_pattern is '$pat': the kernel must write the core into the cwd"; exit 1; }
	mkdir -p "$OUT"
	local list=("$@")
	((${#list[@]})) || list=("${TOOLCHAINS[@]}")
	local t failed=() arches
	read -r -a arches <<<"${CRASHCTL_CORES_ARCHES:-amd64 arm64}"
	for GOARCH_RUN in "${arches[@]}"; do
		if [[ $GOARCH_RUN == arm64 ]] && ! command -v "$QEMU_AARCH64" >/dev/null; then
			log "no $QEMU_AARCH64 (apt-get install qemu-user-static): arm64 cores not generated"
			failed+=(arm64)
			continue
		fi
		for t in "${list[@]}"; do
			[[ $GOARCH_RUN == amd64 ]] || in_list "$t" "${ARM64_RELEASES[@]}" || continue
			run_toolchain "$t" || failed+=("$t/$GOARCH_RUN")
		done
	done
	log "done: $(tail -n +2 "$MANIFEST" | wc -l) cores, $(du -sh --apparent-size "$OUT" | cut -f1) in $OUT"
	((${#failed[@]} == 0)) || { log "toolchains that could not be used: ${failed[*]}"; exit 1; }
}

main "$@"
