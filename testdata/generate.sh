#!/usr/bin/env bash
# generate.sh [TOOLCHAIN...]
#
# Regenerates the crash fixtures under fixtures/: for every toolchain it builds
# the scenario programs once (in a temporary build dir, see run-scenario.sh),
# runs every scenario, stores the real runtime output as
#   fixtures/go<VERSION>/<scenario>[.<gotraceback>].txt.zst   (zstd -19)
# and (re)writes fixtures/MANIFEST.tsv and fixtures/SKIPPED.tsv.
#
# With arguments, only those toolchains are regenerated (e.g.
# `./generate.sh go1.26.8`); rows of other releases in the manifest are kept.
# Nothing in the captured text is edited or stripped.
#
# Environment:
#   CRASHCTL_SCENARIOS  space-separated FIXTURES entries (e.g. "deadlock-send
#                       nil-deref.all"): run only these; every other fixture
#                       file, manifest row and skip row is kept as it is.
set -euo pipefail
shopt -s inherit_errexit

# One toolchain per minor release 1.21..1.27, the machine's go (1.26.8) and
# Debian's go1.19. Versions not found locally are fetched by the go command
# from the Go module proxy (GOTOOLCHAIN=goX.Y.Z).
TOOLCHAINS=(go1.19.8 go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4)

# What is run for every toolchain: scenario names from run-scenario.sh,
# optionally with a .GOTRACEBACK suffix.
FIXTURES=(
	nil-deref nil-deref.none nil-deref.all nil-deref.system nil-deref.crash
	index slice-bounds nil-map type-assert divide runtime-error-other
	closed-chan-send closed-chan-close
	panic-string panic-error panic-custom panic-custom-int
	panic-in-goroutine panic-in-goroutine.all panic-in-defer repanic
	deep-recursion-panic
	concurrent-map concurrent-map.all deadlock deadlock.system goexit-deadlock deadlock-send deadlock-mutex
	stack-overflow oom
	unlock-unlocked thread-limit
	cgo-segv cgo-segv.crash
	sigquit sigquit.crash sigabrt-crash
	profile-debug2 leak-growth setcrashoutput
	labels labels-default ancestors
	generics-closures generics-closures.system many-goroutines
	race test-timeout test-timeout-catchup
)

# Expectations: the source of truth is what each scenario program does.
#   id (a FIXTURES entry, or its base name to cover all its variants)
#   | expected_class
#   | expected_culprit: the first frame of the program's own code in the
#     crashing goroutine as the runtime prints it; "-" if none. Alternatives
#     separated by spaces when the release decides (the printed one is
#     recorded); "go1.N=name" entries override for releases up to go1.N.
#   | expected_crashing_goroutine: a goroutine id, "first" (the id of the
#     first "goroutine N [" block, which is the crashing one), or "-"
#   | ERE that must occur in the captured text (sanity check)
EXPECT_TABLE='
nil-deref|nil-pointer-dereference|main.(*Cache).lookup|1|invalid memory address or nil pointer dereference
nil-deref.none|nil-pointer-dereference|-|-|invalid memory address or nil pointer dereference
index|index-out-of-range|main.(*RingBuffer).at|1|index out of range \[3\] with length 3
slice-bounds|slice-bounds-out-of-range|main.parseHeader|1|slice bounds out of range \[:10\] with capacity 6
nil-map|nil-map-assignment|main.(*Registry).register|1|assignment to entry in nil map
type-assert|type-assertion|main.asString|1|interface conversion: interface \{\} is int, not string
divide|divide-by-zero|main.average|1|integer divide by zero
runtime-error-other|runtime-error|main.allocBuffer|1|makeslice: len out of range
closed-chan-send|closed-channel|main.(*Queue).push|1|send on closed channel
closed-chan-close|closed-channel|main.(*Queue).shutdown|1|close of closed channel
panic-string|explicit-panic|main.validateConfig|1|^panic: config: missing required field "listen_addr"
panic-error|explicit-panic|main.openShard|1|^panic: open shard: shard 7: checksum mismatch
panic-custom|explicit-panic|main.checkQuota|1|^panic: .*main\.ValidationFailure
panic-custom-int|explicit-panic|main.(*Supervisor).abort|1|^panic: main\.ExitCode\(42\)
panic-in-goroutine|explicit-panic|main.processJob|first|^panic: job 3: empty payload
panic-in-defer|explicit-panic|main.(*Tx).rollback|1|^	panic: tx 17: rollback failed
repanic|explicit-panic|main.safeDecode.func1|1|^panic: decode: short record
deep-recursion-panic|explicit-panic|main.walkTree|1|maximum depth 300 exceeded
concurrent-map|concurrent-map-access|main.(*Stats).record|first|^fatal error: concurrent map writes
deadlock|deadlock|main.waitForWorkers|-|^fatal error: all goroutines are asleep - deadlock!
goexit-deadlock|deadlock|-|-|^fatal error: no goroutines \(main called runtime.Goexit\) - deadlock!
deadlock-send|deadlock|main.main|-|^goroutine 1 \[chan send\]:
deadlock-mutex|deadlock|main.main|-|^goroutine 1 \[(semacquire|sync\.Mutex\.Lock)\]:
stack-overflow|stack-overflow|main.resolveAlias main.expandMacro|1|^fatal error: stack overflow
oom|out-of-memory|main.(*Loader).grow|1|^fatal error: out of memory
unlock-unlocked|unlock-of-unlocked-mutex|main.(*Session).release|1|^fatal error: sync: unlock of unlocked mutex
thread-limit|runtime-fatal|-|-|^fatal error: thread exhaustion
cgo-segv|cgo-signal|main._Cfunc_parse_record|1|SIGSEGV
sigquit|external-signal|-|-|^SIGQUIT: quit
sigabrt-crash|nil-pointer-dereference|main.(*Cache).lookup|1|invalid memory address or nil pointer dereference
profile-debug2|snapshot|-|-|^goroutine 1 \[running\]:
leak-growth|snapshot|-|-|^leak-growth: goroutine profile after 200 requests$
setcrashoutput|explicit-panic|main.applyMigration|1|^panic: migration 4: column "email" already exists
labels|explicit-panic|main.handleUpload|first|^panic: upload: body of 8388608 bytes exceeds limit
labels-default|explicit-panic|main.chargeCard|1|^panic: chargeCard: negative amount
ancestors|explicit-panic|main.parseRequest|first|\[originating from goroutine [0-9]+\]:
generics-closures|nil-pointer-dereference|main.(*Store2[...]).Get|first|invalid memory address or nil pointer dereference
many-goroutines|explicit-panic|main.checkInvariants|1|^panic: checkInvariants: store has no rows after warmup
race|data-race|main.(*Counter).inc|-|WARNING: DATA RACE
test-timeout|test-timeout|crashctl.test/scenarios/timeouttest.waitForQuorum|first|^panic: test timed out after 2s
test-timeout-catchup|test-timeout|crashctl.test/scenarios/timeouttest.catchUp|first|^panic: test timed out after 2s
'

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIX=$HERE/fixtures
RUN=$HERE/run-scenario.sh
MANIFEST=$FIX/MANIFEST.tsv
SKIPPED=$FIX/SKIPPED.tsv
HEADER=$'file\tgo_version\tscenario\tgotraceback\texit_code\texpected_class\texpected_culprit\texpected_crashing_goroutine\tgoroutine_headers\tnotes'

ONLY=${CRASHCTL_SCENARIOS:-}

log() { echo "generate: $*" >&2; }

# shellcheck source=testdata/toolchain.sh
source "$HERE/toolchain.sh"

minor_of() { sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$1"; }

# expect_field ID FIELD(2..5): the EXPECT_TABLE row for ID, else for its base name
expect_field() {
	local id=$1 f=$2 r
	r=$(awk -F'|' -v n="$id" '$1 == n' <<<"$EXPECT_TABLE")
	[[ -n $r ]] || r=$(awk -F'|' -v n="${id%%.*}" '$1 == n' <<<"$EXPECT_TABLE")
	[[ -n $r ]] || { echo "?"; return; }
	# the regex (last field) may itself contain "|": join the rest
	awk -F'|' -v f="$f" '{ if (f < 5) print $f; else { s=$5; for (i=6;i<=NF;i++) s=s "|" $i; print s } }' <<<"$r"
}

# hung_test SCENARIO: the test that a test-timeout scenario hangs in
hung_test() {
	case $1 in
	test-timeout-catchup) echo TestReplicaCatchUp ;;
	*) echo TestReplicaSync ;;
	esac
}

# hung_goroutine FILE TEST: id of the goroutine running TEST, or empty
hung_goroutine() {
	awk -v t="$2(" '/^goroutine [0-9]+ /{id=$2} index($0, t){print id; exit}' "$1"
}

# first_header_id FILE: id of the first "goroutine N " header, or "-"
first_header_id() {
	local id
	id=$(grep -m1 -E '^goroutine [0-9]+ ' "$1" | awk '{print $2}') || true
	echo "${id:--}"
}

# frames_of_block FILE ID: function names of goroutine ID's first block
frames_of_block() {
	awk -v id="$2" '
		$0 ~ "^goroutine " id " " { inb = 1; next }
		inb && /^$/ { exit }
		inb && /^goroutine / { exit }
		inb && /^[^\t]/ && !/^created by / && !/^\[originating/ {
			line = $0; sub(/\([^()]*\)$/, "", line); print line
		}' "$1"
}

# own_culprit FILE ID: first frame of the program's own code in that block
own_culprit() {
	frames_of_block "$1" "$2" | grep -m1 -E '^(main\.|crashctl\.test/)' || true
}

# race_culprit FILE: first own frame of the first race report
race_culprit() {
	awk '/^WARNING: DATA RACE/ { inr = 1; next }
		inr && /^  [^ ]/ { s = $1; sub(/\(\)$/, "", s); print s; exit }' "$1"
}

culprit_for() { # SPEC VERSION PRINTED -> culprit to record, and "ok"/"mismatch"
	local spec=$1 ver=$2 printed=$3 m=$(minor_of "$2") w alts=() over
	for w in $spec; do
		if [[ $w == go1.*=* ]]; then
			over=${w%%=*}
			(( m <= $(minor_of "$over") )) && alts=("${w#*=}") && break
		else
			alts+=("$w")
		fi
	done
	for w in "${alts[@]}"; do
		[[ $w == "$printed" ]] && { echo "$w ok"; return; }
	done
	echo "${alts[0]} mismatch"
}

run_toolchain() {
	local want=$1 gobin ver outdir work rows skips
	gobin=$(resolve_go "$want") || { log "skipping toolchain $want"; return 1; }
	ver=$(GOTOOLCHAIN=local "$gobin" env GOVERSION)
	log "== $ver ($gobin)"
	outdir=$FIX/$ver
	work=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-gen.XXXXXX")
	[[ -n $ONLY ]] || rm -rf "$outdir"
	mkdir -p "$outdir"
	rows=$work/rows.tsv skips=$work/skips.tsv
	: >"$rows"
	: >"$skips"

	local id st rc txt base tb gd cap info class cspec cgspec regex headers crash culprit printed verdict notes
	for id in "${FIXTURES[@]}"; do
		[[ -z $ONLY || " $ONLY " == *" $id "* ]] || continue
		txt=$work/$id.txt
		st=0
		rc=$("$RUN" "$gobin" "$id" "$txt" 2>"$work/$id.log") || st=$?
		if ((st == 10)); then
			log "   $id: skipped ($(tail -n1 "$work/$id.log"))"
			printf '%s\t%s\t%s\n' "$ver" "$id" "$(tail -n1 "$work/$id.log" | tr '\t' ' ')" >>"$skips"
			continue
		fi
		notes=()
		if ((st != 0)); then
			notes+=("HARNESS ERROR: $(tail -n1 "$work/$id.log" | tr '\t' ' ')")
			rc=-
			[[ -f $txt ]] || : >"$txt"
		fi
		info=$("$RUN" --info "$id")
		base=${id%%.*}
		tb=$(sed -n 's/^gotraceback=//p' <<<"$info")
		gd=$(sed -n 's/^godebug=//p' <<<"$info")
		cap=$(sed -n 's/^capture=//p' <<<"$info")
		[[ $tb == - ]] && tb=single
		zstd -19 -q -f --no-progress "$txt" -o "$outdir/$id.txt.zst"

		class=$(expect_field "$id" 2)
		cspec=$(expect_field "$id" 3)
		cgspec=$(expect_field "$id" 4)
		regex=$(expect_field "$id" 5)
		headers=$(grep -c -E '^goroutine [0-9]+ ' "$txt" || true)

		# crashing goroutine
		case $cgspec in
		-) crash=- ;;
		first) crash=$(first_header_id "$txt") ;;
		*)
			crash=$cgspec
			local fh
			fh=$(first_header_id "$txt")
			[[ $fh == "$crash" ]] || notes+=("CHECK: first goroutine block is $fh, expected $crash")
			;;
		esac

		# culprit (verified against the printed frames)
		if [[ $cspec == - ]]; then
			culprit=-
		else
			if [[ $base == race ]]; then
				printed=$(race_culprit "$txt")
			elif [[ $base == test-timeout* ]]; then # the hung test's goroutine
				printed=$(own_culprit "$txt" "$(hung_goroutine "$txt" "$(hung_test "$base")")")
			elif [[ $crash != - ]]; then
				printed=$(own_culprit "$txt" "$crash")
			else
				printed=$(own_culprit "$txt" "$(first_header_id "$txt")")
			fi
			read -r culprit verdict <<<"$(culprit_for "$cspec" "$ver" "$printed")"
			[[ $verdict == ok ]] || notes+=("CHECK: first own frame printed is '${printed:-none}', expected '$culprit'")
		fi

		grep -q -E -- "$regex" "$txt" || notes+=("CHECK: text lacks /$regex/")
		[[ -s $txt ]] || notes+=("CHECK: empty capture")

		# how it was run
		local how="GOTRACEBACK=$tb"
		[[ $gd != - ]] && how+=" GODEBUG=$gd"
		case $cap in
		stdout) how+="; captured stdout" ;;
		crashfile) how+="; captured the debug.SetCrashOutput file" ;;
		combined)
			how+="; captured go test stdout+stderr (go test -timeout 2s"
			[[ $base == test-timeout-catchup ]] && how+=" -run ^TestReplicaCatchUp\$"
			how+=")"
			;;
		sigquit) how+="; SIGQUIT sent after the program printed ready" ;;
		*) how+="; captured stderr" ;;
		esac
		case $base in
		oom) how+="; ulimit -v 1048576" ;;
		race) how+="; built with -race" ;;
		cgo-segv) how+="; CGO_ENABLED=1" ;;
		labels-default) how+="; module go 1.27 (tracebacklabels default on)" ;;
		test-timeout*)
			local tg
			tg=$(hung_goroutine "$txt" "$(hung_test "$base")")
			how+="; hung test runs in goroutine ${tg:-?}"
			;;
		esac
		notes=("$how" "${notes[@]}")
		local IFS_save=$IFS
		IFS='|'
		local notestr="${notes[*]}"
		IFS=$IFS_save
		notestr=${notestr//|/; }
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			"$ver/$id.txt.zst" "$ver" "$base" "$tb" "$rc" "$class" "$culprit" "$crash" "$headers" "$notestr" >>"$rows"
		log "   $id: exit $rc, $headers goroutine headers${notes[1]:+, ${notes[*]:1}}"
	done

	# merge into the manifest and skip list, replacing this release's rows
	merge "$MANIFEST" "$HEADER" "$ver" "$rows"
	merge "$SKIPPED" $'go_version\tscenario\treason' "$ver" "$skips"
	rm -rf "$work"
}

# merge FILE HEADER VERSION NEWROWS: keep FILE's rows of other versions
# (and, with CRASHCTL_SCENARIOS, of the other fixtures)
merge() {
	local file=$1 header=$2 ver=$3 new=$4 tmp
	tmp=$(mktemp)
	{
		if [[ -f $file ]]; then
			# manifest rows: file, go_version, ...; skip rows: go_version, scenario id, ...
			tail -n +2 "$file" | awk -F'\t' -v v="$ver" -v only=" $ONLY " '{
				manifest = $1 ~ /\.zst$/
				g = manifest ? $2 : $1
				id = $2
				if (manifest) { id = $1; sub(/^.*\//, "", id); sub(/\.txt\.zst$/, "", id) }
				if (g != v || (only != "  " && index(only, " " id " ") == 0)) print
			}'
		fi
		cat "$new"
	} | sort -t$'\t' -k1,1V -k2,2 >"$tmp.body"
	{ echo "$header"; cat "$tmp.body"; } >"$file"
	rm -f "$tmp" "$tmp.body"
}

main() {
	command -v zstd >/dev/null || { log "zstd is required"; exit 1; }
	local id
	for id in $ONLY; do
		[[ " ${FIXTURES[*]} " == *" $id "* ]] || { log "CRASHCTL_SCENARIOS: $id is not in FIXTURES"; exit 1; }
	done
	mkdir -p "$FIX"
	local list=("$@")
	((${#list[@]})) || list=("${TOOLCHAINS[@]}")
	local t failed=()
	for t in "${list[@]}"; do
		run_toolchain "$t" || failed+=("$t")
	done
	if ((${#list[@]} == ${#TOOLCHAINS[@]})) && [[ $# -eq 0 && -z $ONLY ]]; then
		# full run: drop directories of releases no longer in the list
		local d keep
		for d in "$FIX"/go*/; do
			[[ -d $d ]] || continue
			keep=0
			for t in "${TOOLCHAINS[@]}"; do [[ $(basename "$d") == "$t" ]] && keep=1; done
			((keep)) || { log "removing stale $d"; rm -rf "$d"; }
		done
		local f
		for f in "$MANIFEST" "$SKIPPED"; do
			[[ -f $f ]] || continue
			awk -F'\t' -v keep=" ${TOOLCHAINS[*]} " 'NR == 1 { print; next }
				{ g = ($1 ~ /\.zst$/) ? $2 : $1; if (index(keep, " " g " ")) print }' "$f" >"$f.tmp"
			mv "$f.tmp" "$f"
		done
	fi
	log "done: $(tail -n +2 "$MANIFEST" | wc -l) fixtures, $(du -sh --apparent-size "$FIX" | cut -f1)"
	((${#failed[@]} == 0)) || { log "toolchains that could not be used: ${failed[*]}"; exit 1; }
}

main "$@"
