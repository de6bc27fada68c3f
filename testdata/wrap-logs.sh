#!/usr/bin/env bash
# Regenerates testdata/logs/wrapped/: real Go crash texts wrapped by the log
# pipelines people paste from (journald, containerd's CRI log files, docker's
# json-file driver, `go test -json`, klog, coloured/pty CI output, GitHub
# Actions raw logs). See testdata/logs/wrapped/README.md.
#
# Every wrapper is the real producer's code or binary:
#   journald       Debian's systemd-journald + systemd-cat + journalctl (252),
#                  run privately by logwrappers/journald-capture.sh (root,
#                  unshare); systemd-journal-remote for the .remote variant
#   cri            containerd v1.7 pkg/cri/io.NewCRILogger (logwrappers/crilog)
#   docker         docker v28 daemon/logger.NewCopier + jsonfilelog
#                  (logwrappers/dockerjson)
#   gotest         `go test -json` of logwrappers/gotest (go1.26.8, go1.24.13)
#   klog           k8s.io/klog/v2 and k8s.io/apimachinery (logwrappers/klogdemo)
#   ansi           `script` (util-linux) pty around go test / gotestsum;
#                  panicparse's pp -force-color
#   github-actions gotestsum's github-actions format (real); the runner's
#                  per-line timestamps are imitated by logwrappers/ghats
#
# Inputs: crash texts already in testdata/fixtures/go1.26.8 (referenced by
# path, not copied), live runs of logwrappers/crashy (non-ASCII, ANSI, CR,
# a 50 KB line) and, when present, a few of the recovered-panic logs listed
# in testdata/logs/MANIFEST.tsv.
#
# Needs: root (unshare for the private journald), go (1.26.8 as on this
# machine; go1.24.13 is fetched by GOTOOLCHAIN for one run), zstd, script
# (util-linux), systemd (journald, systemd-cat, journalctl) and
# systemd-journal-remote (apt-get install -y systemd-journal-remote).
# Timestamps, PIDs, cursors, goroutine ids and addresses differ from run to
# run; everything else is reproducible.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lw=$here/logwrappers
out=$here/logs/wrapped
fix=$here/fixtures/go1.26.8
# A fixed scratch directory, so that paths recorded by the wrappers (journald's
# _EXE/_CMDLINE) are the same from run to run.
work=/tmp/crashctl-wrap-logs
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
bin=$work/bin
export GOTOOLCHAIN=local
export GOFLAGS=-buildvcs=false

log() { printf '+ %s\n' "$*" >&2; }
rel() { printf 'testdata/%s\n' "${1#"$here"/}"; }

for t in go zstd script journalctl systemd-cat unshare /lib/systemd/systemd-journald /lib/systemd/systemd-journal-remote; do
	command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (unshare for the private journald)" >&2; exit 1; }

log "building wrappers"
(cd "$lw" && go build -o "$bin/" ./crilog ./dockerjson ./crashy ./klogdemo ./journalsend ./ghats \
	gotest.tools/gotestsum github.com/maruel/panicparse/v2/cmd/pp)

modver() { (cd "$lw" && go list -m -f '{{.Version}}' "$1"); }
v_go=$(go env GOVERSION)
v_systemd=$(journalctl --version | head -1)                 # "systemd 252 (252.39-1~deb12u2)"
v_remote=$(dpkg-query -W -f '${Version}' systemd-journal-remote)
v_containerd=$(modver github.com/containerd/containerd)
v_docker=$(modver github.com/docker/docker)
v_klog=$(modver k8s.io/klog/v2)
v_apim=$(modver k8s.io/apimachinery)
v_gosd=$(modver github.com/coreos/go-systemd/v22)
v_gts=$(modver gotest.tools/gotestsum)
v_pp=$(modver github.com/maruel/panicparse/v2)
v_script=$(script --version | sed 's/.*util-linux //')

# README.md is hand-written and kept; everything else is regenerated.
rm -rf "$out"/{journald,cri,docker,gotest,klog,ansi,github-actions} "$out/MANIFEST.tsv"
mkdir -p "$out"/{journald,cri,docker,gotest,klog,ansi,github-actions}
manifest=$out/MANIFEST.tsv
printf 'file\twrapper\tproducer\tsource_input\tnotes\n' >"$manifest"

# store RAWFILE DEST(relative to $out, without .zst) WRAPPER PRODUCER SOURCE NOTES
store() {
	zstd -19 -q -f "$1" -o "$out/$2.zst"
	printf '%s\t%s\t%s\t%s\t%s\n' "$2.zst" "$3" "$4" "$5" "$6" >>"$manifest"
}

# Inputs. name -> command that writes the crash text the way the crashing
# program did (fixture texts go to stderr, where the runtime writes them).
declare -A src cmdline
add_fixture() { # name path
	src[$1]=$(rel "$2")
	cmdline[$1]="sh -c 'exec zstd -dcq \"\$1\" >&2' sh $2"
}
add_fixture nil-deref "$fix/nil-deref.txt.zst"
add_fixture panic-in-goroutine.all "$fix/panic-in-goroutine.all.txt.zst"
add_fixture sigquit "$fix/sigquit.txt.zst"
add_fixture many-goroutines "$fix/many-goroutines.txt.zst"
src[crashy-unicode]="testdata/logwrappers/crashy (live run: crashy unicode)"
cmdline[crashy-unicode]="$bin/crashy unicode"
src[crashy-long]="testdata/logwrappers/crashy (live run: crashy long)"
cmdline[crashy-long]="$bin/crashy long"
inputs=(nil-deref panic-in-goroutine.all sigquit many-goroutines crashy-unicode crashy-long)

# Recovered-panic logs made by testdata/logs (another generator; listed in
# testdata/logs/MANIFEST.tsv), if there. Each is replayed to stderr like the
# fixtures (every one of them was written to stderr by its program).
rp_inputs=()
for f in go1.26.8/zap-production.log.zst go1.26.8/nethttp.log.zst go1.26.8/klog.log.zst go1.26.8/chi-color.log.zst; do
	if [ -f "$here/logs/$f" ] && grep -q "^$f	" "$here/logs/MANIFEST.tsv" 2>/dev/null; then
		name=rp-$(basename "$f" .log.zst)
		src[$name]=testdata/logs/$f
		cmdline[$name]="sh -c 'exec zstd -dcq \"\$1\" >&2' sh $here/logs/$f"
		rp_inputs+=("$name")
	else
		log "recovered-panic log $f not there: skipped"
	fi
done

# ---------------------------------------------------------------- journald
jf_filter=SYSLOG_IDENTIFIER=myservice
journal_outputs() { # journalfile name srcdesc producer notes
	local j=$1 n=$2 s=$3 p=$4 notes=$5
	journalctl --file "$j" $jf_filter -o json >"$work/$n.json"
	store "$work/$n.json" "journald/$n.json" journald "$p; journalctl -o json" "$s" "$notes"
	journalctl --file "$j" $jf_filter -o export >"$work/$n.export"
	store "$work/$n.export" "journald/$n.export" journald "$p; journalctl -o export" "$s" "$notes"
	journalctl --file "$j" $jf_filter -o short-iso >"$work/$n.short-iso"
	store "$work/$n.short-iso" "journald/$n.short-iso" journald "$p; journalctl -o short-iso" "$s" "$notes"
	journalctl --file "$j" $jf_filter -o cat >"$work/$n.cat"
	store "$work/$n.cat" "journald/$n.cat" journald "$p; journalctl -o cat" "$s" "$notes"
}
jnotes="each stderr/stdout line = one entry (_TRANSPORT=stdout), captured by real systemd-journald via systemd-cat -t myservice in a private namespace (journald-capture.sh); empty lines are dropped by journald; filtered with SYSLOG_IDENTIFIER=myservice"
for n in "${inputs[@]}" "${rp_inputs[@]}"; do
	log "journald $n"
	eval "\"$lw/journald-capture.sh\" \"$work/$n.journal\" -- ${cmdline[$n]}" 2>>"$work/journald.log"
	journal_outputs "$work/$n.journal" "$n" "${src[$n]}" "$v_systemd systemd-journald stdout stream" "$jnotes"
done
n=crashy-long
journalctl --file "$work/$n.journal" $jf_filter -o json -a >"$work/$n.json-a"
store "$work/$n.json-a" "journald/$n.json-a" journald "$v_systemd systemd-journald stdout stream; journalctl -o json -a" "${src[$n]}" \
	"$jnotes; the 50 KB line is cut at LineMax (48 KiB, _LINE_BREAK=line-max); plain -o json prints MESSAGE:null for values over 4096 bytes, -a prints them"
n=crashy-unicode
journalctl --file "$work/$n.journal" $jf_filter -o short-iso -a >"$work/$n.short-iso-a"
store "$work/$n.short-iso-a" "journald/$n.short-iso-a" journald "$v_systemd systemd-journald stdout stream; journalctl -o short-iso -a" "${src[$n]}" "$jnotes; -a shows control characters instead of [NB blob data]"
journalctl --file "$work/$n.journal" $jf_filter -o verbose >"$work/$n.verbose"
store "$work/$n.verbose" "journald/$n.verbose" journald "$v_systemd systemd-journald stdout stream; journalctl -o verbose" "${src[$n]}" "$jnotes"

log "journald native protocol (go-systemd journal.Send)"
"$lw/journald-capture.sh" "$work/native.journal" -t - -- "$bin/journalsend" 2>>"$work/journald.log"
journal_outputs "$work/native.journal" native-recovered "testdata/logwrappers/journalsend (live run)" \
	"$v_systemd systemd-journald native socket, github.com/coreos/go-systemd/v22 $v_gosd journal.Send" \
	"recovered panic + debug.Stack() sent as ONE entry (_TRANSPORT=journal, PRIORITY=3) whose MESSAGE has newlines and a trailing newline"

log "journald -> export -> systemd-journal-remote"
journalctl --file "$work/nil-deref.journal" $jf_filter -o export >"$work/nd.export"
/lib/systemd/systemd-journal-remote -o "$work/remote.journal" - <"$work/nd.export" 2>>"$work/journald.log"
journalctl --file "$work/remote.journal" -o json >"$work/nil-deref.remote.json"
store "$work/nil-deref.remote.json" "journald/nil-deref.remote.json" journald \
	"systemd-journal-remote $v_remote (import of journalctl -o export); $v_systemd journalctl -o json" "${src[nil-deref]}" \
	"the journald capture of nil-deref exported and imported by systemd-journal-remote -o FILE -, as on a log-collecting host"

# --------------------------------------------------------------------- cri
for n in "${inputs[@]}" "${rp_inputs[@]}"; do
	log "cri $n"
	eval "\"$bin/crilog\" -o \"$work/$n.cri\" -- ${cmdline[$n]}" 2>>"$work/cri.log"
	store "$work/$n.cri" "cri/$n.log" cri "containerd $v_containerd pkg/cri/io.NewCRILogger" "${src[$n]}" \
		"max_container_log_line_size 16384 (containerd default); stdout and stderr loggers share one file as in container_start.go"
done
for n in nil-deref panic-in-goroutine.all sigquit crashy-unicode; do
	log "cri max40 $n"
	eval "\"$bin/crilog\" -max 40 -o \"$work/$n.cri40\" -- ${cmdline[$n]}" 2>>"$work/cri.log"
	store "$work/$n.cri40" "cri/$n.max40.log" cri "containerd $v_containerd pkg/cri/io.NewCRILogger" "${src[$n]}" \
		"max_container_log_line_size 40 (frame lines are up to ~130 bytes, so 256 would split none): every longer line is cut into 40-byte P chunks, at any byte (also inside a UTF-8 sequence), ended by an F chunk"
done
n=crashy-long
eval "\"$bin/crilog\" -max 256 -o \"$work/$n.cri256\" -- ${cmdline[$n]}" 2>>"$work/cri.log"
store "$work/$n.cri256" "cri/$n.max256.log" cri "containerd $v_containerd pkg/cri/io.NewCRILogger" "${src[$n]}" \
	"max_container_log_line_size 256: the 50 KB panic line becomes ~196 P chunks and one F chunk"
log "cri klog"
"$bin/crilog" -o "$work/klog-errors.cri" -- "$bin/klogdemo" errors 2>>"$work/cri.log"
store "$work/klog-errors.cri" "cri/klog-errors.log" cri "containerd $v_containerd pkg/cri/io.NewCRILogger; k8s.io/klog/v2 $v_klog" \
	"testdata/logwrappers/klogdemo (live run: klogdemo errors)" "a Kubernetes-style component: klog ErrorS with a stack=< block, inside a CRI log"

# ------------------------------------------------------------------ docker
for n in "${inputs[@]}" "${rp_inputs[@]}"; do
	log "docker $n"
	eval "\"$bin/dockerjson\" -o \"$work/$n.docker\" -- ${cmdline[$n]}" 2>>"$work/docker.log"
	store "$work/$n.docker" "docker/$n.log" docker "docker $v_docker daemon/logger.NewCopier + jsonfilelog" "${src[$n]}" \
		"json-file driver: one JSON object per line {log,stream,time}; lines over 16 KiB are split into partial messages without trailing newline"
done

# ------------------------------------------------------------------ gotest
log "go test -json"
go124=go1.24.13
for gv in "$v_go" "$go124"; do
	tc=local
	[ "$gv" = "$v_go" ] || tc=$gv
	(cd "$lw/gotest" && GOTOOLCHAIN=$tc go test -count=1 -json . >"$work/gotest.$gv.json" 2>"$work/gotest.$gv.stderr") || true
	store "$work/gotest.$gv.json" "gotest/ledger.$gv.json" gotest "$gv go test -json (test2json)" \
		"testdata/logwrappers/gotest (live run)" \
		"TestTransferRecovered logs debug.Stack() with t.Log (indented by testing), TestFeeOutOfRange panics and kills the test binary"
done

# -------------------------------------------------------------------- klog
for m in errorf errors handlecrash; do
	log "klog $m"
	"$bin/klogdemo" "$m" >"$work/klog-$m.log" 2>&1 || true
done
store "$work/klog-errorf.log" "klog/errorf.log" klog "k8s.io/klog/v2 $v_klog" "testdata/logwrappers/klogdemo (live run: klogdemo errorf)" \
	"klog.Errorf with debug.Stack(): header on the first line only"
store "$work/klog-errors.log" "klog/errors.log" klog "k8s.io/klog/v2 $v_klog" "testdata/logwrappers/klogdemo (live run: klogdemo errors)" \
	"klog.ErrorS(err, msg, \"stack\", string(debug.Stack())): multi-line value as stack=< ... > with tab-indented lines"
store "$work/klog-handlecrash.log" "klog/handlecrash.log" klog "k8s.io/apimachinery $v_apim util/runtime.HandleCrash; k8s.io/klog/v2 $v_klog" \
	"testdata/logwrappers/klogdemo (live run: klogdemo handlecrash)" \
	"\"Observed a panic\" with stacktrace=< block, then the re-panic's runtime traceback ([recovered, repanicked])"

# -------------------------------------------------------------------- ansi
log "ansi (pty)"
ptyrun() { # outfile dir cmd
	local o=$1 d=$2; shift 2
	(cd "$d" && env -u CI -u GITHUB_ACTIONS TERM=xterm-256color script -q -e -c "$*" /dev/null </dev/null >"$o") || true
}
ptyrun "$work/gotest-v.pty" "$lw/gotest" "go test -count=1 -v ."
store "$work/gotest-v.pty" "ansi/gotest-v.pty.log" ansi "util-linux script $v_script pty; $v_go go test -v" \
	"testdata/logwrappers/gotest (live run)" "through a pty: every line ends in CR LF; go test itself adds no colour"
ptyrun "$work/gotestsum.pty" "$lw/gotest" "$bin/gotestsum --format testname -- -count=1 ."
store "$work/gotestsum.pty" "ansi/gotestsum-testname.pty.log" ansi "util-linux script $v_script pty; gotestsum $v_gts --format testname" \
	"testdata/logwrappers/gotest (live run)" "coloured PASS/FAIL (ESC[32m/ESC[31m), CR LF line ends, the panic trace printed twice (live and in the Failed summary)"
for n in panic-in-goroutine.all sigquit; do
	zstd -dcq "$fix/$n.txt.zst" | "$bin/pp" -force-color >"$work/pp.$n" 2>&1 || true
	store "$work/pp.$n" "ansi/$n.pp.log" ansi "github.com/maruel/panicparse/v2 $v_pp cmd/pp -force-color" "${src[$n]}" \
		"panicparse's colourised, deduplicated REWRITE of the stacks: not the runtime's traceback syntax"
done

# ---------------------------------------------------------- github-actions
log "github-actions"
(cd "$lw/gotest" && CI=true GITHUB_ACTIONS=true "$bin/gotestsum" --format testname -- -count=1 . >"$work/gts-gha" 2>&1) || true
"$bin/ghats" <"$work/gts-gha" >"$work/gts-gha.ts"
store "$work/gts-gha.ts" "github-actions/gotestsum.log" github-actions \
	"gotestsum $v_gts github-actions format (CI=true GITHUB_ACTIONS=true, colour on); runner timestamp prefix imitated by logwrappers/ghats" \
	"testdata/logwrappers/gotest (live run)" "::group::/::endgroup:: lines, ANSI colours, then the per-line 'YYYY-MM-DDTHH:MM:SS.fffffffZ ' prefix (synthetic clock)"
for n in nil-deref crashy-unicode "${rp_inputs[@]}"; do
	eval "${cmdline[$n]}" >"$work/$n.plain" 2>&1 || true
	"$bin/ghats" <"$work/$n.plain" >"$work/$n.gha"
	store "$work/$n.gha" "github-actions/$n.log" github-actions "logwrappers/ghats (imitation of the runner's timestamp prefix)" \
		"${src[$n]}" "plain output of the step, each line prefixed 'YYYY-MM-DDTHH:MM:SS.fffffffZ ' (synthetic clock)"
done

log "done: $(find "$out" -name '*.zst' | wc -l) files, $(du -cb "$out"/*/*.zst | tail -1 | cut -f1) bytes compressed"
