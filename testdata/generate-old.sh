#!/usr/bin/env bash
# generate-old.sh [RELEASE...]
#
# Regenerates the old-release crash fixtures under fixtures-old/: for every
# release it builds each program of scenarios-old/<name>/main.go with that
# release's official toolchain, runs it once with GOTRACEBACK (and GODEBUG,
# GOMAXPROCS) unset, and stores what the program printed, unedited, as
#   fixtures-old/<release>/<scenario>.txt.zst   (zstd -19)
# then (re)writes fixtures-old/MANIFEST.tsv and fixtures-old/SKIPPED.tsv.
#
# With arguments, only those releases are regenerated (e.g.
# `./generate-old.sh go1.4.3 go1.5.4`); rows of other releases are kept.
#
# Toolchains come from the Go module proxy as the module
# golang.org/toolchain@v0.0.1-<release>.<os>-<arch>: for go1.21 and later
# through `GOTOOLCHAIN=<release> go version`, for older releases through
# `go mod download -json`, into a cache that is kept for reruns:
#   ${CRASHCTL_GOTC:-${TMPDIR:-/tmp}/gotc}/modcache   (GOMODCACHE)
#   ${CRASHCTL_GOTC:-${TMPDIR:-/tmp}/gotc}/<release>  (symlink used as GOROOT)
# About 350 MB per release. Needs a `go` command (any release with modules
# and GOTOOLCHAIN, 1.21+), zstd, and gcc for -race.
#
# How each program is built:
#   - `go build -o BIN main.go` in the scenario directory, without a go.mod:
#     GOPATH mode (GO111MODULE=off) up to go1.15, module mode (the default,
#     the file as package command-line-arguments) from go1.16;
#   - CGO_ENABLED=0, except race (CGO_ENABLED=1, -race). Up to go1.4 -race
#     only links with the external linker and a non-PIE executable
#     (-ldflags=-linkmode=external, CGO_LDFLAGS=-no-pie), because this gcc
#     makes PIE by default and the old internal linker cannot link its
#     objects;
#   - debugstack up to go1.5 is built with -installsuffix srcpaths, which
#     compiles the standard library afresh (-a would not in go1.4, which
#     never rebuilds a release's standard packages), so the runtime's file
#     names point at the toolchain's own sources: debug.Stack of those
#     releases reads each frame's source line from disk at run time, and
#     the prebuilt packages of go1.4 and go1.5 name /usr/local/go, which on
#     a machine with a newer Go holds another release's sources.
# Each program runs once with stdout and stderr into the same file (the
# programs write only to stderr), under `timeout` (CRASHCTL_TIMEOUT, 60 s).
set -euo pipefail
shopt -s inherit_errexit

RELEASES=(
	go1.2.2 go1.3.3 go1.4.3 go1.5.4 go1.6.4 go1.7.6 go1.8.7 go1.9.7
	go1.10.8 go1.11.13 go1.12.17 go1.13.15 go1.14.15 go1.15.15 go1.16.15
	go1.17.13 go1.18.10 go1.19.13 go1.20.14 go1.21.13 go1.27.4
)

# Expectations, from what each program does (its header comment says why).
#   name
#   | expected_class
#   | expected_culprit: first frame of package main in the crashing goroutine
#     as the release prints it (goroutine 1 for deadlock; for race, the top
#     frame of the first access; for debugstack, the panic site: the first
#     program frame below the runtime's panic frames). Alternatives separated
#     by spaces; "go1.N=name" applies to releases up to go1.N (list them in
#     ascending order, before the default). "-" when none is printed.
#   | expected first panic/fatal line, an ERE; entries separated by " ;; ",
#     "go1.N=ERE" for releases up to go1.N, ascending, then the default
#   | another ERE that must match some line (same syntax), or "-"
#   | expected exit code
#   | oldest minor release that can show it (older ones go to SKIPPED.tsv)
#   | notes
EXPECT_TABLE='
closeclosed|closed-channel|main.(*Queue).shutdown|go1.3=^panic: runtime error: close of closed channel$ ;; ^panic: close of closed channel$|-|2|0|second close of the channel in main.(*Queue).shutdown
closenil|runtime-error|main.(*Queue).shutdown|go1.3=^panic: runtime error: close of nil channel$ ;; ^panic: close of nil channel$|-|2|0|close of a nil channel in main.(*Queue).shutdown
sendclosed|closed-channel|main.(*Queue).push|go1.3=^panic: runtime error: send on closed channel$ ;; ^panic: send on closed channel$|-|2|0|send on a closed channel in main.(*Queue).push
nilmap|nil-map-assignment|main.(*Registry).register|go1.3=^panic: runtime error: assignment to entry in nil map$ ;; ^panic: assignment to entry in nil map$|-|2|0|assignment to a nil map field in main.(*Registry).register
nilptr|nil-pointer-dereference|main.(*Cache).lookup|^panic: runtime error: invalid memory address or nil pointer dereference$|go1.6=^\[signal 0xb code=0x1 addr=0x[0-9a-f]+ pc=0x[0-9a-f]+\]$ ;; ^\[signal SIGSEGV: segmentation violation code=0x1 addr=0x[0-9a-f]+ pc=0x[0-9a-f]+\]$|2|0|nil receiver of main.(*Cache).lookup dereferenced (called from main.(*Server).handle)
index|index-out-of-range|main.(*RingBuffer).at|go1.12=^panic: runtime error: index out of range$ ;; ^panic: runtime error: index out of range \[3\] with length 3$|-|2|0|index 3 of a 3-element slice in main.(*RingBuffer).at
slice|slice-bounds-out-of-range|main.parseHeader|go1.12=^panic: runtime error: slice bounds out of range$ ;; ^panic: runtime error: slice bounds out of range \[:10\] with capacity 6$|-|2|0|b[:10] of a 6-byte buffer in main.parseHeader
div|divide-by-zero|main.average|^panic: runtime error: integer divide by zero$|-|2|0|sum / len(nil) in main.average
typeassert|type-assertion|main.asString|go1.7=^panic: interface conversion: interface is int, not string$ ;; ^panic: interface conversion: interface \{\} is int, not string$|-|2|0|v.(string) on an int in main.asString
custom|explicit-panic|main.checkQuota|go1.14=^panic: \(main\.QuotaExceeded\) \(0x[0-9a-f]+,0x[0-9a-f]+\)$ ;; ^panic: \(main\.QuotaExceeded\) 0x[0-9a-f]+$|-|2|0|panic(QuotaExceeded{...}), a struct that is neither error nor Stringer: only type and address(es) are printed
custom-int|explicit-panic|main.(*Supervisor).abort|go1.14=^panic: \(main\.ExitCode\) \(0x[0-9a-f]+,0x[0-9a-f]+\)$ ;; ^panic: main\.ExitCode\(3\)$|-|2|0|panic(ExitCode(3)), a named int type
closure|explicit-panic|go1.4=main.func·001 main.main.func1|^panic: row 1: empty name$|go1.4=^main\.\*Table\.\(main\.each\)·fm\( ;; go1.10=^main\.\(\*Table\)\.\(main\.each\)-fm\( ;; go1.11=^main\.\(\*Table\)\.each-fm\( ;; -|2|0|panic in a closure (main.main) called by main.(*Table).each through a method value stored in a struct; the method-value wrapper frame (·fm / -fm) is printed up to go1.11 and elided from go1.12
goexit|deadlock|-|^fatal error: no goroutines \(main called runtime\.Goexit\) - deadlock!$|-|2|0|main.shutdown calls runtime.Goexit in the main goroutine, no other goroutine: only the runtime stack is printed
deadlock|deadlock|main.(*Pool).collect|^fatal error: all goroutines are asleep - deadlock!$|^goroutine [0-9]+ \[chan receive\]:$|2|0|main waits in main.(*Pool).collect, the worker in main.(*Pool).work, both on channel receives; culprit from the block of the main goroutine (goroutine 16 in go1.3, 1 elsewhere)
concmap|concurrent-map-access|main.(*Stats).record|^fatal error: concurrent map writes$|-|2|6|four goroutines write one map in main.(*Stats).record; the first goroutine printed is one of them
stackoverflow|stack-overflow|main.resolveAlias main.expandMacro|^fatal error: stack overflow$|^runtime: goroutine stack exceeds 1048576-byte limit$|2|0|mutual recursion main.resolveAlias <-> main.expandMacro, debug.SetMaxStack(1<<20)
unhashable|runtime-error|main.(*Index).add|^panic: runtime error: hash of unhashable type \[\]string$|-|2|0|[]string as a key of a map[interface{}]int in main.(*Index).add
repanic|explicit-panic|go1.4=main.func·001 main.safeDecode.func1|go1.24=^panic: decode: short record \[recovered\]$ ;; ^panic: decode: short record \[recovered, repanicked\]$|go1.24=^[[:space:]]panic: decode: short record$ ;; -|2|0|raised in main.decodeRecord, recovered and raised again by the deferred closure of main.safeDecode (the culprit column is that closure, the first program frame printed)
panicnil|explicit-panic|main.(*Task).abort|go1.20=^panic: nil$ ;; go1.26=^panic: panic called with nil argument$ ;; ^panic: runtime error: panic called with nil argument$|-|2|0|panic(nil) in main.(*Task).abort; from go1.21 (module mode without go.mod: panicnil=0) the runtime raises a *runtime.PanicNilError instead, a runtime.Error whose text has the "runtime error: " prefix from go1.27 (by the text rules of the taxonomy that is runtime-error; the program means an explicit panic)
debugstack|recovered:nil-pointer-dereference|go1.5=(*Handler).serve main.(*Handler).serve|^recovered: runtime error: invalid memory address or nil pointer dereference$|go1.5=^/work/.*/debugstack/main\.go:[0-9]+ \(0x[0-9a-f]+\)$ ;; ^goroutine 1 \[running\]:$|0|0|nil *Session dereferenced in main.(*Handler).serve; recovered by the deferred closure of main.(*Server).handle, which prints the value and debug.Stack() and returns
race|data-race|main.(*Counter).inc|^WARNING: DATA RACE$|go1.6=^[RW][a-z]+ by main goroutine:$ ;; ^[RW][a-z]+ at 0x[0-9a-f]+ by main goroutine:$|66|0|unsynchronized c.n += b in main.(*Counter).inc from a goroutine and from main (a sleep in between)
goroutine-panic|explicit-panic|main.(*Worker).process|^panic: job 3: empty payload$|^created by main\.main|2|0|panic in main.(*Worker).process called by main.(*Worker).run in a goroutine started by main.main
mutex|unlock-of-unlocked-mutex|main.(*Session).release|go1.7=^panic: sync: unlock of unlocked mutex$ ;; go1.8=^fatal error: sync: unlock of unlocked mutex$ ;; go1.9=^panic: sync: unlock of unlocked mutex$ ;; ^fatal error: sync: unlock of unlocked mutex$|-|2|0|second unlock in main.(*Session).release; sync.(*Mutex).Unlock calls panic() (a recoverable panic) up to go1.7 and again in go1.9, throw (fatal error) in go1.8 and from go1.10
makeslice|runtime-error|main.allocBuffer|^panic: runtime error: makeslice: len out of range$|-|2|0|make([]byte, -48) in main.allocBuffer
'

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCEN=$HERE/scenarios-old
FIX=$HERE/fixtures-old
MANIFEST=$FIX/MANIFEST.tsv
SKIPPED=$FIX/SKIPPED.tsv
HEADER=$'file\tgo_version\tscenario\texit_code\texpected_class\texpected_culprit\texpected_message\tgoroutine_headers\tnotes'
SKIP_HEADER=$'release\tscenario\treason'
GOTC=${CRASHCTL_GOTC:-${TMPDIR:-/tmp}/gotc}
TIMEOUT=${CRASHCTL_TIMEOUT:-60}
MAX_BYTES=${CRASHCTL_MAX_FIXTURE_BYTES:-65536} # larger captures are not stored

log() { echo "generate-old: $*" >&2; }

minor_of() { sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$1"; }

scenarios() { awk -F'|' 'NF > 1 { print $1 }' <<<"$EXPECT_TABLE"; }

# field NAME N: field N (2..8) of NAME's row
field() { awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$EXPECT_TABLE"; }

# pick SPEC RELEASE SEP: the entry of SPEC (entries separated by SEP, with
# optional "go1.N=" prefixes, ascending) that applies to RELEASE
pick() {
	local spec=$1 m sep=$3 e rest out=
	m=$(minor_of "$2")
	rest=$spec
	while [[ -n $rest ]]; do
		if [[ $rest == *"$sep"* ]]; then e=${rest%%"$sep"*}; rest=${rest#*"$sep"}; else e=$rest; rest=; fi
		if [[ $e =~ ^go1\.([0-9]+)=(.*)$ ]]; then
			if ((m <= BASH_REMATCH[1])); then out=${BASH_REMATCH[2]}; break; fi
		else
			out=$e
			break
		fi
	done
	printf '%s' "$out"
}

# ensure_toolchain RELEASE: prints a GOROOT holding that release's toolchain
ensure_toolchain() {
	local rel=$1 base os arch mod dir
	if [[ -x $GOTC/$rel/bin/go ]]; then echo "$GOTC/$rel"; return 0; fi
	base=$(command -v go) || { log "no go command to download $rel with"; return 1; }
	os=$(GOTOOLCHAIN=local "$base" env GOHOSTOS)
	arch=$(GOTOOLCHAIN=local "$base" env GOHOSTARCH)
	mod=golang.org/toolchain@v0.0.1-$rel.$os-$arch
	dir=$GOTC/modcache/$mod
	mkdir -p "$GOTC"
	if [[ ! -d $dir ]]; then
		log "downloading $mod"
		if (($(minor_of "$rel") >= 21)); then
			(cd "$GOTC" && GOMODCACHE=$GOTC/modcache GOFLAGS=-modcacherw GOTOOLCHAIN=$rel "$base" version >&2) ||
				{ log "cannot fetch $rel"; return 1; }
		else
			(cd "$GOTC" && GOMODCACHE=$GOTC/modcache GOFLAGS=-modcacherw GO111MODULE=on GOTOOLCHAIN=local \
				"$base" mod download -json "$mod" >"$GOTC/dl-$rel.json") || { log "cannot fetch $rel"; return 1; }
		fi
	fi
	[[ -d $dir ]] || { log "fetched $rel but $dir is missing"; return 1; }
	# module zips carry no modes: make the commands executable, the tree writable
	chmod -R u+w "$dir"
	chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/* 2>/dev/null || true
	ln -sfn "$dir" "$GOTC/$rel"
	echo "$GOTC/$rel"
}

# Text helpers ---------------------------------------------------------------

# first_block_id FILE: id of the first "goroutine N [" header, or ""
HDR_ERE='^goroutine [0-9]+ (gp=.* )?\['
first_block_id() { grep -m1 -E "$HDR_ERE" "$1" | awk '{print $2}' || true; }

# main_block_id FILE: id of the first block that holds main.main (the main goroutine)
main_block_id() {
	awk '/^goroutine [0-9]+ / { id = $2 } /^main\.main\(/ && id != "" { print id; exit }' "$1"
}

# block_frames FILE ID: function names of goroutine ID's first block
block_frames() {
	awk -v id="$2" '
		$0 ~ "^goroutine " id " (gp=.* )?\\[" { inb = 1; next }
		inb && /^$/ { exit }
		inb && /^goroutine / { exit }
		inb && /^[^\t]/ && !/^created by / && !/^\[originating/ && !/^\.\.\./ {
			line = $0; sub(/\([^()]*\)$/, "", line); print line
		}' "$1"
}

first_main() { grep -m1 -E '^main\.' || true; }

# below_panic: frames after the last runtime panic frame, from stdin
below_panic() {
	awk '{ f[NR] = $0 } /^(panic|runtime\.panic|runtime\.gopanic|runtime\.sigpanic|runtime\.panicmem|runtime\.panicindex|sigpanic|gopanic|panicmem)$/ { last = NR }
		END { for (i = last + 1; i <= NR; i++) print f[i] }'
}

# race_culprit FILE: top frame of the first access of the first report
race_culprit() {
	awk '/^WARNING: DATA RACE/ { inr = 1; next }
		inr && /^  [^ ]/ { s = $1; sub(/\(\)$/, "", s); print s; exit }' "$1"
}

# oldstack_frames FILE: "FILE<TAB>FUNC" pairs of debug.Stack's go1.0-1.5 format
oldstack_frames() {
	awk '/^[^\t].*:[0-9]+ \(0x[0-9a-f]+\)$/ { file = $0; sub(/:[0-9]+ \(0x[0-9a-f]+\)$/, "", file); want = 1; next }
		want && /^\t/ { fn = substr($0, 2); sub(/: .*$/, "", fn); print file "\t" fn; want = 0; next }
		{ want = 0 }' "$1"
}

# culprit_printed SCENARIO FILE: the culprit as the text shows it
culprit_printed() {
	local s=$1 txt=$2 id
	case $s in
	race) race_culprit "$txt" ;;
	deadlock) block_frames "$txt" "$(main_block_id "$txt")" | first_main ;;
	debugstack)
		if grep -q -E "$HDR_ERE" "$txt"; then
			block_frames "$txt" "$(first_block_id "$txt")" | below_panic | first_main
		else # the go1.0-1.5 format: program frames are the ones in the scenario's file
			oldstack_frames "$txt" | awk -F'\t' -v own="$SCEN/" '
				{ file[NR] = $1; fn[NR] = $2 }
				$2 ~ /^(panic|gopanic|sigpanic|panicmem|runtime·panic|runtime·sigpanic)$/ { last = NR }
				END { for (i = last + 1; i <= NR; i++) if (index(file[i], own) == 1) { print fn[i]; exit } }'
		fi
		;;
	*)
		id=$(first_block_id "$txt")
		[[ -n $id ]] && block_frames "$txt" "$id" | first_main
		;;
	esac
	return 0
}

# recovered_by FILE: for debugstack, the first program frame printed
recovered_by() {
	local txt=$1
	if grep -q -E "$HDR_ERE" "$txt"; then
		block_frames "$txt" "$(first_block_id "$txt")" | first_main
	else
		oldstack_frames "$txt" | awk -F'\t' -v own="$SCEN/" 'index($1, own) == 1 { print $2; exit }'
	fi
}

# message_printed SCENARIO FILE
message_printed() {
	case $1 in
	race) grep -m1 -E '^WARNING: DATA RACE' "$2" || true ;;
	debugstack) grep -m1 -E '^recovered: ' "$2" || true ;;
	*) grep -m1 -E '^(panic: |fatal error: )' "$2" || true ;;
	esac
}

# ----------------------------------------------------------------------------

build_env() { # RELEASE GOROOT WORK: prints env assignments for the go command
	local rel=$1 root=$2 work=$3 m
	m=$(minor_of "$rel")
	echo "GOROOT=$root"
	echo "GOPATH=$work/gopath"
	echo "GOCACHE=$GOTC/gocache/$rel"
	echo "GOTOOLCHAIN=local"
	echo "GOENV=off"
	echo "GOFLAGS="
	echo "GOWORK=off"
	((m < 16)) && echo "GO111MODULE=off"
	return 0
}

run_release() {
	local rel=$1 root work outdir rows skips m
	root=$(ensure_toolchain "$rel") || { log "skipping $rel"; return 1; }
	local got
	got=$(GOROOT=$root GOTOOLCHAIN=local GOFLAGS= GOENV=off "$root/bin/go" version 2>&1) || { log "$rel: $got"; return 1; }
	[[ $got == "go version $rel "* ]] || { log "$rel: unexpected '$got'"; return 1; }
	log "== $rel ($root)"
	m=$(minor_of "$rel")
	outdir=$FIX/$rel
	work=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-gen-old.XXXXXX")
	rm -rf "$outdir"
	mkdir -p "$outdir" "$work/gopath"
	rows=$work/rows.tsv skips=$work/skips.tsv
	: >"$rows"
	: >"$skips"
	local -a envs
	mapfile -t envs < <(build_env "$rel" "$root" "$work")

	local s min class cspec mspec aspec xexit desc bin txt flags rc how
	while read -r s; do
		min=$(field "$s" 7)
		if ((m < min)); then
			local why="needs go1.$min or newer"
			[[ $s == concmap ]] && why="the runtime detects concurrent map writes only from go1.6; before, the program runs until killed or corrupts the map"
			printf '%s\t%s\t%s\n' "$rel" "$s" "$why" >>"$skips"
			log "   $s: skipped ($why)"
			continue
		fi
		class=$(field "$s" 2)
		cspec=$(field "$s" 3)
		mspec=$(field "$s" 4)
		aspec=$(field "$s" 5)
		xexit=$(field "$s" 6)
		desc=$(field "$s" 8)
		bin=$work/$s.bin
		txt=$work/$s.txt
		flags=()
		local cgo=0
		local -a extra=()
		how="go build"
		case $s in
		race)
			cgo=1
			flags=(-race)
			if ((m <= 4)); then
				flags+=(-ldflags=-linkmode=external)
				extra=("CGO_LDFLAGS=-g -O2 -no-pie")
				how+=" -race -ldflags=-linkmode=external"
			else
				how+=" -race"
			fi
			;;
		debugstack)
			if ((m <= 5)); then
				flags=(-installsuffix srcpaths)
				how+=" -installsuffix srcpaths"
			fi
			;;
		esac
		how+=" main.go"
		((m < 16)) && how+=" in GOPATH mode"
		how+="; CGO_ENABLED=$cgo"
		((${#extra[@]})) && how+=" ${extra[*]}"
		local -a benv=("${envs[@]}" "CGO_ENABLED=$cgo" "${extra[@]}")
		if ! (cd "$SCEN/$s" && env "${benv[@]}" "$root/bin/go" build "${flags[@]}" -o "$bin" main.go) >"$work/$s.build" 2>&1; then
			local why
			why="build failed: $(grep -v '^#' "$work/$s.build" | head -n1 | tr '\t' ' ')"
			printf '%s\t%s\t%s\n' "$rel" "$s" "$why" >>"$skips"
			log "   $s: $why"
			continue
		fi
		rc=0
		(cd "$work" && env -u GOTRACEBACK -u GODEBUG -u GOMAXPROCS -u GORACE timeout "$TIMEOUT" "$bin") >"$txt" 2>&1 || rc=$?
		rm -f "$bin"

		local size msg culprit mexp aexp notes=()
		size=$(stat -c %s "$txt")
		msg=$(message_printed "$s" "$txt")
		if [[ -z $msg ]]; then
			local why
			why="no crash text: exit $rc, $size bytes of output"
			[[ $s == goexit && $m -le 2 ]] && why+=" (go1.2's checkdead calls exit(0) when main called runtime.Goexit and no goroutine is left)"
			((size == 0)) || why+=": $(head -c 200 "$txt" | tr '\n\t' '  ')"
			printf '%s\t%s\t%s\n' "$rel" "$s" "$why" >>"$skips"
			log "   $s: $why"
			continue
		fi
		if ((size > MAX_BYTES)); then
			local why="output too large: $size bytes (limit $MAX_BYTES)"
			printf '%s\t%s\t%s\n' "$rel" "$s" "$why" >>"$skips"
			log "   $s: $why"
			continue
		fi
		zstd -19 -q -f --no-progress "$txt" -o "$outdir/$s.txt.zst"

		# checks against the program's expectations
		mexp=$(pick "$mspec" "$rel" " ;; ")
		grep -q -E -- "$mexp" <<<"$msg" || notes+=("CHECK: mismatch: message '$msg' does not match /$mexp/")
		aexp=$(pick "$aspec" "$rel" " ;; ")
		if [[ -n $aexp && $aexp != - ]]; then
			grep -q -E -- "$aexp" "$txt" || notes+=("CHECK: mismatch: text lacks /$aexp/")
		fi
		[[ $rc == "$xexit" ]] || notes+=("CHECK: mismatch: exit code $rc, expected $xexit")
		local printed
		printed=$(culprit_printed "$s" "$txt")
		if [[ $cspec == - ]]; then
			culprit=-
			[[ -z $printed ]] || notes+=("CHECK: mismatch: expected no program frame, found '$printed'")
		else
			culprit=
			local -a alts=()
			local w
			for w in $cspec; do
				if [[ $w =~ ^go1\.([0-9]+)=(.*)$ ]]; then
					if ((m <= BASH_REMATCH[1])); then alts=("${BASH_REMATCH[2]}"); break; fi
				else
					alts+=("$w")
				fi
			done
			for w in "${alts[@]}"; do [[ $w == "$printed" ]] && culprit=$w; done
			if [[ -z $culprit ]]; then
				culprit=${alts[0]}
				notes+=("CHECK: mismatch: first program frame printed is '${printed:-none}', expected '${alts[*]}'")
			fi
		fi
		local headers
		headers=$(grep -c -E "$HDR_ERE" "$txt" || true)

		local pre="$desc; $how; GOTRACEBACK unset; stdout+stderr"
		[[ $s == debugstack ]] && pre+="; recovered_by=$(recovered_by "$txt")"
		notes=("$pre" "${notes[@]}")
		local notestr
		notestr=$(printf '%s; ' "${notes[@]}")
		notestr=${notestr%; }
		notestr=${notestr//$'\t'/ }
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			"$rel/$s.txt.zst" "$rel" "$s" "$rc" "$class" "$culprit" "${msg//$'\t'/ }" "$headers" "$notestr" >>"$rows"
		log "   $s: exit $rc, $headers goroutine headers, culprit $culprit${notes[1]:+, ${notes[*]:1}}"
	done < <(scenarios)

	merge "$MANIFEST" "$HEADER" "$rel" "$rows" 2
	merge "$SKIPPED" "$SKIP_HEADER" "$rel" "$skips" 1
	rm -rf "$work"
}

# merge FILE HEADER RELEASE NEWROWS COLUMN: keep FILE's rows of other releases
# (COLUMN holds the release), add NEWROWS, sort by release then scenario
merge() {
	local file=$1 header=$2 rel=$3 new=$4 col=$5 tmp
	tmp=$(mktemp)
	{
		[[ -f $file ]] && tail -n +2 "$file" | awk -F'\t' -v r="$rel" -v c="$col" '$c != r'
		cat "$new"
	} | sort -t$'\t' -k"$col","$col"V -k"$((col + 1))","$((col + 1))" >"$tmp"
	{ echo "$header"; cat "$tmp"; } >"$file"
	rm -f "$tmp"
}

main() {
	command -v zstd >/dev/null || { log "zstd is required"; exit 1; }
	mkdir -p "$FIX"
	local list=("$@")
	((${#list[@]})) || list=("${RELEASES[@]}")
	local r failed=()
	for r in "${list[@]}"; do
		run_release "$r" || failed+=("$r")
	done
	if (($# == 0)); then
		# full run: drop directories and rows of releases no longer listed
		local d keep f
		for d in "$FIX"/go*/; do
			[[ -d $d ]] || continue
			keep=0
			for r in "${RELEASES[@]}"; do [[ $(basename "$d") == "$r" ]] && keep=1; done
			((keep)) || { log "removing stale $d"; rm -rf "$d"; }
		done
		for f in "$MANIFEST:2" "$SKIPPED:1"; do
			[[ -f ${f%:*} ]] || continue
			awk -F'\t' -v keep=" ${RELEASES[*]} " -v c="${f##*:}" 'NR == 1 || index(keep, " " $c " ")' "${f%:*}" >"${f%:*}.tmp"
			mv "${f%:*}.tmp" "${f%:*}"
		done
	fi
	log "done: $(tail -n +2 "$MANIFEST" | wc -l) fixtures, $(tail -n +2 "$SKIPPED" | wc -l) skipped, $(du -sh --apparent-size "$FIX" | cut -f1)"
	((${#failed[@]} == 0)) || { log "releases that could not be used: ${failed[*]}"; exit 1; }
}

main "$@"
