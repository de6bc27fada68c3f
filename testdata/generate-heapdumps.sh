#!/usr/bin/env bash
# generate-heapdumps.sh [TOOLCHAIN...]
#
# Regenerates the heap-dump fixtures under heapdumps/: for every toolchain it
# builds scenarios-heapdump/ once, runs both scenarios and stores
#   heapdumps/go<VERSION>/panic.dump.zst, panic.stderr.txt.zst
#   heapdumps/go<VERSION>/leak.dump.zst, leak.profile.txt.zst (debug=2, taken
#     just before the dump), leak.stderr.txt.zst
#   heapdumps/go<VERSION>/exe.zst  (the scenario binary, only for EXE_RELEASES:
#     executables dominate the size budget)
# and (re)writes heapdumps/MANIFEST.tsv and heapdumps/SKIPPED.tsv.
# With arguments, only those toolchains are regenerated; other rows are kept.
set -euo pipefail
shopt -s inherit_errexit

TOOLCHAINS=(go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4)
# Releases whose executable is committed (with DWARF), for --exe tests.
EXE_RELEASES=" go1.21.13 go1.26.8 go1.27.4 "

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE/heapdumps
SRC=$HERE/scenarios-heapdump
MANIFEST=$OUT/MANIFEST.tsv
SKIPPED=$OUT/SKIPPED.tsv
HEADER=$'file\tgo_version\tscenario\texit_code\texpected_class\texpected_panic\texpected_leak_goroutines\tgoroutines\texe\tnotes'
SKIP_HEADER=$'go_version\tscenario\treason'

# Expectations, from what the scenario program does:
#   scenario | class | panic message (or -) | goroutines of the leaked group (or -)
EXPECT_TABLE='
panic|explicit-panic|checkout order 4711: inventory service unavailable|-
leak|snapshot|-|100
'

log() { echo "generate-heapdumps: $*" >&2; }

# shellcheck source=testdata/toolchain.sh
source "$HERE/toolchain.sh"

expect_field() { awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$EXPECT_TABLE"; }

run_toolchain() {
	local want=$1 gobin ver dir work exe sc rc notes rows skips
	gobin=$(resolve_go "$want") || { log "skipping $want"; return 1; }
	ver=$(GOTOOLCHAIN=local "$gobin" env GOVERSION)
	log "== $ver ($gobin)"
	dir=$OUT/$ver
	work=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-hd.XXXXXX")
	rm -rf "$dir"
	mkdir -p "$dir"
	rows=$work/rows.tsv skips=$work/skips.tsv
	: >"$rows"
	: >"$skips"
	exe=$work/heapdump-scenarios
	if ! (cd "$SRC" && GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 "$gobin" build -trimpath -o "$exe" .) 2>"$work/build.log"; then
		for sc in panic leak; do
			printf '%s\t%s\t%s\n' "$ver" "$sc" "build failed: $(tail -n1 "$work/build.log" | tr '\t' ' ')" >>"$skips"
		done
	else
		for sc in panic leak; do
			rc=0
			(cd "$work" && GOTRACEBACK=single GOGC=10 "$exe" "$sc" "$work/$sc.dump" "$work/$sc.profile" \
				>"$work/$sc.stdout" 2>"$work/$sc.stderr") || rc=$?
			if [[ ! -s $work/$sc.dump ]] || ! head -c 16 "$work/$sc.dump" | grep -q 'go1.7 heap dump'; then
				printf '%s\t%s\t%s\n' "$ver" "$sc" "WriteHeapDump failed (exit $rc): $(grep -m1 -E '^(fatal error|panic|runtime:)' "$work/$sc.stderr" | tr '\t' ' ')" >>"$skips"
				continue
			fi
			notes="GOGC=10 GOTRACEBACK=single"
			if ! tail -c 1 "$work/$sc.dump" | od -An -tx1 | grep -q ' 00'; then notes+="; CHECK: dump does not end with the EOF tag"; fi
			zstd -19 -q -f --no-progress "$work/$sc.dump" -o "$dir/$sc.dump.zst"
			zstd -19 -q -f --no-progress "$work/$sc.stderr" -o "$dir/$sc.stderr.txt.zst"
			local ngor=-
			if [[ -s $work/$sc.profile ]]; then
				zstd -19 -q -f --no-progress "$work/$sc.profile" -o "$dir/$sc.profile.txt.zst"
				ngor=$(grep -c -E '^goroutine [0-9]+ ' "$work/$sc.profile" || true)
			fi
			local panic_msg
			panic_msg=$(expect_field "$sc" 3)
			if [[ $panic_msg != - ]] && ! grep -qF "panic: $panic_msg" "$work/$sc.stderr"; then
				notes+="; CHECK: stderr lacks the panic message"
			fi
			local has_exe=-
			[[ $EXE_RELEASES == *" $ver "* ]] && has_exe=$ver/exe.zst
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ver/$sc.dump.zst" "$ver" "$sc" "$rc" \
				"$(expect_field "$sc" 2)" "$panic_msg" "$(expect_field "$sc" 4)" "$ngor" "$has_exe" "$notes" >>"$rows"
		done
		[[ $EXE_RELEASES == *" $ver "* ]] && zstd -19 -q -f --no-progress "$exe" -o "$dir/exe.zst"
	fi
	merge "$ver" "$rows" "$skips"
	rm -rf "$work"
}

merge() { # VERSION ROWS SKIPS: replace that release's rows in both tables
	local ver=$1 f tmp
	for f in "$MANIFEST:$2:$HEADER" "$SKIPPED:$3:$SKIP_HEADER"; do
		local table=${f%%:*} rest=${f#*:}
		local new=${rest%%:*} header=${rest#*:}
		tmp=$(mktemp)
		{ [[ -f $table ]] && tail -n +2 "$table" | awk -F'\t' -v v="$ver" '$2 != v && $1 != v' || true; cat "$new"; } |
			sort -t$'\t' -k1,1 -k2,2 >"$tmp"
		{ echo "$header"; cat "$tmp"; } >"$table"
		rm -f "$tmp"
	done
}

mkdir -p "$OUT"
want=("$@")
((${#want[@]})) || want=("${TOOLCHAINS[@]}")
for t in "${want[@]}"; do run_toolchain "$t" || true; done
log "done: $(tail -n +2 "$MANIFEST" | wc -l) fixtures, $(tail -n +2 "$SKIPPED" | wc -l) skipped; $(du -sh "$OUT" | cut -f1)"
