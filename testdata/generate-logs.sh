#!/usr/bin/env bash
# generate-logs.sh [TOOLCHAIN...]
#
# Regenerates the log fixtures under logs/: for every toolchain it builds the
# program in scenarios-logs/ once (cached per Go version, like
# run-scenario.sh does), runs every scenario, and stores what the libraries
# wrote, unedited, as
#   logs/<goversion>/<scenario>.log.zst              (zstd -19)
#   logs/<goversion>/profile-debug1.{a,b}.txt.zst    (zstd -19)
#   logs/<goversion>/profile-debug0.{a,b}.pb.gz      (as pprof wrote them: gzip)
# and (re)writes logs/MANIFEST.tsv. With arguments, only those toolchains are
# regenerated (e.g. `./generate-logs.sh go1.26.8`); manifest rows of other
# releases are kept. Nothing in the captured text is edited or stripped.
#
# Environment:
#   CRASHCTL_SCENARIOS  space-separated scenario names: run only these, keep
#                       the other files and manifest rows of the release
#   CRASHCTL_BUILD_DIR  build cache root (default ${TMPDIR:-/tmp}/crashctl-scenarios-build)
#   CRASHCTL_TIMEOUT    per-run timeout in seconds (default 60)
set -euo pipefail
shopt -s inherit_errexit

# The module's go directive is 1.23.0: go1.23 is the oldest release usable.
# Versions not found locally are fetched by the go command from the Go
# module proxy (GOTOOLCHAIN=goX.Y.Z).
TOOLCHAINS=(go1.23.12 go1.24.13 go1.25.14 go1.26.8 go1.27.4)

# One row per scenario (the program's argv[1]); fields separated by "|":
#   1 name
#   2 capture: stderr | stdout | combined (stdout and stderr into one file,
#     in write order) | profile (goroutine-profile: files written into a dir)
#   3 producer: space-separated LABEL=MODULE (version read from go.mod) or
#     std=PACKAGE (the Go release's standard library)
#   4 expected_kind: recovered | crash | snapshot
#   5 expected_class
#   6 expected_message: the panic value's first line as printed
#   7 expected_culprit: where the value was raised, as the format prints it;
#     space-separated alternatives, the first one found in the text is
#     recorded (functions print differently when the compiler inlines)
#   8 expected_recovered_by: the frame that recovered (or logged) it as
#     printed, alternatives as in 7; "-" when the stack does not show it
#   9 notes
#   10.. PCRE patterns (grep -P, line by line) that must all occur in the raw
#     captured text (they must not contain "|")
#
# Closures of library functions that the compiler inlined into the scenario
# function are named after the call site up to go1.26
# (main.scenarioEcho.Recover.RecoverWithConfig.func1.1.1) and after the
# defining function from go1.27 on
# (github.com/labstack/echo/v4/middleware.RecoverWithConfig.func1.1.1).
SCENARIO_TABLE='
nethttp|stderr|std=net/http|recovered|nil-pointer-dereference|runtime error: invalid memory address or nil pointer dereference|main.(*OrderStore).lookup|net/http.(*conn).serve.func1|http.Server with the default ErrorLog (log package, stderr); handleOrder -> (*OrderService).get -> (*OrderStore).lookup, the last two inlined ("(...)")|^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d http: panic serving 127\.0\.0\.1:\d+: runtime error: invalid memory address or nil pointer dereference$|^goroutine \d+ \[running\]:$|^net/http\.\(\*conn\)\.serve\.func1\(\)$
gin-default|combined|gin=github.com/gin-gonic/gin|recovered|index-out-of-range|runtime error: index out of range [3] with length 3|(*Cart).itemAt|-|gin.Default() (Logger+Recovery), debug mode; one file: [GIN-debug] lines and the access line of gin.Logger (stdout) around the Recovery block (stderr); Recovery: red SGR prefix after two newlines, request dump with CRLF line ends and Authorization masked, gin'"'"'s own FILE:LINE (0xPC) / TAB FUNC: SOURCE stack without package paths, starting at the runtime'"'"'s panic frames; the recovering closure is not shown (CustomRecoveryWithWriter.func1, which deferred it, is)|^\x1b\[31m\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[Recovery\] \d{4}/\d\d/\d\d - \d\d:\d\d:\d\d panic recovered:$|^Authorization: \*\r$|^runtime error: index out of range \[3\] with length 3$|^\t\(\*Cart\)\.itemAt: |^\[GIN\] \d{4}/\d\d/\d\d - \d\d:\d\d:\d\d \x7c 500 \x7c|^\[GIN-debug\] GET +/cart/:id/subtotal
gin-recovery|stderr|gin=github.com/gin-gonic/gin|recovered|index-out-of-range|runtime error: index out of range [3] with length 3|(*Cart).itemAt|-|gin.New()+gin.Recovery(), debug mode: request dump with CRLF line ends, Authorization masked; stdout ([GIN-debug] lines) not stored|^\x1b\[31m\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[Recovery\] \d{4}/\d\d/\d\d - \d\d:\d\d:\d\d panic recovered:$|^Authorization: \*\r$|^runtime error: index out of range \[3\] with length 3$|^\t\(\*Cart\)\.itemAt: |^\x1b\[0m$
gin-release|stderr|gin=github.com/gin-gonic/gin|recovered|index-out-of-range|runtime error: index out of range [3] with length 3|(*Cart).itemAt|-|gin.SetMode(ReleaseMode), gin.New()+gin.Recovery(): no request dump|^\x1b\[31m\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[Recovery\] \d{4}/\d\d/\d\d - \d\d:\d\d:\d\d panic recovered:$|^runtime error: index out of range \[3\] with length 3$|^\t\(\*Cart\)\.itemAt: 
echo|stdout|echo=github.com/labstack/echo/v4|recovered|explicit-panic|inventory: sku A-17 reserved twice (order 88)|main.(*Inventory).reserve|main.scenarioEcho.Recover.RecoverWithConfig.func1.1.1 github.com/labstack/echo/v4/middleware.RecoverWithConfig.func1.1.1|middleware.Recover() default config: every goroutine (DisableStackAll false), StackSize 4 KiB: the stack text is cut at 4096 bytes mid-line; one JSON line from gommon log, the goroutine header on the same line as the error|^\{"time":"[^"]+","level":"-","prefix":"echo","file":"recover\.go","line":"\d+","message":"\[PANIC RECOVER\] inventory: sku A-17 reserved twice \(order 88\) goroutine \d+ \[running\]:\\n
echo-current|stdout|echo=github.com/labstack/echo/v4|recovered|explicit-panic|inventory: sku A-17 reserved twice (order 88)|main.(*Inventory).reserve|main.scenarioEchoCurrent.RecoverWithConfig.func1.1.1 github.com/labstack/echo/v4/middleware.RecoverWithConfig.func1.1.1|RecoverConfig{DisableStackAll: true}: the panicking goroutine only, not cut|^\{"time":"[^"]+","level":"-","prefix":"echo","file":"recover\.go","line":"\d+","message":"\[PANIC RECOVER\] inventory: sku A-17 reserved twice \(order 88\) goroutine \d+ \[running\]:\\n.*\\n\\n"\}$
echo-deep|stdout|echo=github.com/labstack/echo/v4|recovered|explicit-panic|inventory: sku A-17 reserved twice (order 88)|main.(*Inventory).reserve|main.scenarioEchoDeep.RecoverWithConfig.func1.1.1 github.com/labstack/echo/v4/middleware.RecoverWithConfig.func1.1.1|DisableStackAll: true, panic 40 calls deep in main.(*Inventory).walkBins: the one goroutine is cut at 4096 bytes, before main.deepReserveHandler and the frames below it|^\{"time":"[^"]+","level":"-","prefix":"echo","file":"recover\.go","line":"\d+","message":"\[PANIC RECOVER\] inventory: sku A-17 reserved twice \(order 88\) goroutine \d+ \[running\]:\\n.*walkBins
chi|stderr|chi=github.com/go-chi/chi/v5|recovered|explicit-panic|ledger: invoice 42 total 1999 != sum of lines 1899|main.(*Ledger).post|-|middleware.Recoverer, not a TTY: PrintPrettyStack (debug.Stack reformatted: frames below panic() only, no arguments or offsets, " -> " marks the first frame and its file)|^ panic: ledger: invoice 42 total 1999 != sum of lines 1899$|^ -> main\.\(\*Ledger\)\.post$|^ ->   /\S+/chi\.go:\d+$
chi-color|stderr|chi=github.com/go-chi/chi/v5|recovered|explicit-panic|ledger: invoice 42 total 1999 != sum of lines 1899|main.(*Ledger).post|-|middleware.IsTTY = true: ANSI SGR colours; package and function name coloured separately, the reset code of a function line comes at the start of the next line|^\x1b\[36;1m panic: \x1b\[0m\x1b\[34;1mledger: invoice 42 total 1999 != sum of lines 1899\x1b\[0m$|^\x1b\[31;1m -> \x1b\[0m\x1b\[35;1mmain\x1b\[0m\x1b\[31;1m\.\(\*Ledger\)\.post$
fiber|stderr|fiber=github.com/gofiber/fiber/v2|recovered|slice-bounds-out-of-range|runtime error: slice bounds out of range [:12] with length 5|main.parseToken|main.scenarioFiber.New.func1.1 github.com/gofiber/fiber/v2/middleware/recover.New.func1.1|recover.New(Config{EnableStackTrace: true}): "panic: VALUE", blank line, debug.Stack() in one write: reads like a fatal crash but the top frames are runtime/debug.Stack and the recover closure|^panic: runtime error: slice bounds out of range \[:12\] with length 5$|^goroutine \d+ \[running\]:$|^runtime/debug\.Stack\(\)$
grpc|stderr|go-grpc-middleware=github.com/grpc-ecosystem/go-grpc-middleware/v2 grpc=google.golang.org/grpc std=log|recovered|type-assertion|interface conversion: interface {} is string, not int|main.(*QuotaService).limitFor|github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery.UnaryServerInterceptor.func1.1|recovery.UnaryServerInterceptor(WithRecoveryHandler(main.logGRPCPanic)): log.Printf of the value and debug.Stack(); the logging frames main.logGRPCPanic and the WithRecoveryHandler closure sit above the recovering one; the client gets codes.Internal|^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d grpc: panic in /grpc\.health\.v1\.Health/Check: interface conversion: interface \{\} is string, not int$|^main\.logGRPCPanic\(|^goroutine \d+ \[running\]:$
grpc-slog|stderr|go-grpc-middleware=github.com/grpc-ecosystem/go-grpc-middleware/v2 grpc=google.golang.org/grpc std=log/slog|recovered|type-assertion|interface conversion: interface {} is string, not int|main.(*QuotaService).limitFor|github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery.UnaryServerInterceptor.func1.1|as grpc, the handler func (main.slogGRPCPanic) logs one slog JSONHandler line with panic and stack attributes|^\{"time":"[^"]+","level":"ERROR","msg":"panic recovered","method":"/grpc\.health\.v1\.Health/Check","panic":"interface conversion: interface \{\} is string, not int","stack":"goroutine \d+ \[running\]:\\n
klog|stderr|apimachinery=k8s.io/apimachinery klog=k8s.io/klog/v2|recovered|divide-by-zero|runtime error: integer divide by zero|main.(*RateCalculator).perSecond|k8s.io/apimachinery/pkg/util/runtime.HandleCrash|utilruntime.ReallyCrash = false; klog structured line, stacktrace=< ... > multi-line value (each line TAB-indented); the header file:line is in the runtime (call depth 4 lands there), not the application|^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [\w.]+:\d+\] "Observed a panic" panic="runtime error: integer divide by zero" panicGoValue=".*" stacktrace=<$|^\tgoroutine \d+ \[running\]:$|^ >$
klog-crash|stderr|apimachinery=k8s.io/apimachinery klog=k8s.io/klog/v2 std=runtime|crash|nil-map-assignment|assignment to entry in nil map|main.(*Registry).register|k8s.io/apimachinery/pkg/util/runtime.HandleCrash|utilruntime.ReallyCrash = true (default): klog'"'"'s "Observed a panic" entry, then HandleCrash re-panics and the runtime prints the fatal panic (the recovered-and-repanicked marker depends on the release) for the same goroutine; exit 2|^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [\w.]+:\d+\] "Observed a panic" panic="assignment to entry in nil map" |^ >$|^panic: assignment to entry in nil map \[recovered|^goroutine \d+ \[running\]:$
zap-production|stderr|zap=go.uber.org/zap|recovered|nil-map-assignment|assignment to entry in nil map|main.(*SessionCache).put|main.runZap.zapRecover.func1.1 main.zapRecover.func1.1|zap.NewProduction(): JSON; "stacktrace" added automatically at Error level: FUNC\n\tFILE:LINE pairs without goroutine header, arguments or offsets, the logging closure first, then runtime.gopanic|^\{"level":"error","ts":[0-9.e+]+,"caller":"scenarios-logs/zap\.go:\d+","msg":"panic recovered","panic":"assignment to entry in nil map","method":"GET","path":"/session","stacktrace":"main\.
zap-development|stderr|zap=go.uber.org/zap|recovered|nil-map-assignment|assignment to entry in nil map|main.(*SessionCache).put|main.runZap.zapRecover.func1.1 main.zapRecover.func1.1|zap.NewDevelopment(): console encoder, TAB-separated fields then a JSON object, then the stacktrace as plain FUNC / TAB FILE:LINE lines|^\S+\tERROR\tscenarios-logs/zap\.go:\d+\tpanic recovered\t\{"panic": "assignment to entry in nil map", "method": "GET", "path": "/session"\}$|^runtime\.gopanic$
logrus-text|stderr|logrus=github.com/sirupsen/logrus|recovered|explicit-panic|unreachable: conn state closing -> open|main.(*Conn).transition|main.(*Importer).run.func1|logrus TextFormatter (not a TTY: no colours), stack=string(debug.Stack()) quoted with \n \t escapes|^time="[^"]+" level=error msg="import worker panicked" batch=17 panic="unreachable: conn state closing -> open" stack="goroutine \d+ \[running\]:\\nruntime/debug\.Stack\(\)\\n
logrus-json|stderr|logrus=github.com/sirupsen/logrus|recovered|explicit-panic|unreachable: conn state closing -> open|main.(*Conn).transition|main.(*Importer).run.func1|logrus JSONFormatter: keys sorted, HTML-escaped (-\u003e)|^\{"batch":17,"level":"error","msg":"import worker panicked","panic":"unreachable: conn state closing -\\u003e open","stack":"goroutine \d+ \[running\]:\\n
zerolog|stderr|zerolog=github.com/rs/zerolog|recovered|explicit-panic|decode frame 3: unexpected EOF|main.decodeFrame|main.scenarioZerolog.zerologRecover.func1.1 main.zerologRecover.func1.1|zerolog JSON, .Str("stack", string(debug.Stack())) from the application'"'"'s recovery middleware; time comes last before message (With().Timestamp())|^\{"level":"error","method":"POST","path":"/stream","panic":"decode frame 3: unexpected EOF","stack":"goroutine \d+ \[running\]:\\n.*","time":"[^"]+","message":"panic recovered"\}$
slog-json|stderr|std=log/slog|recovered|closed-channel|send on closed channel|main.(*Dispatcher).publish|main.(*Dispatcher).consume.func1|slog.NewJSONHandler, panic and stack attributes|^\{"time":"[^"]+","level":"ERROR","msg":"consumer panicked","queue":"billing","panic":"send on closed channel","stack":"goroutine \d+ \[running\]:\\n
slog-text|stderr|std=log/slog|recovered|closed-channel|send on closed channel|main.(*Dispatcher).publish|main.(*Dispatcher).consume.func1|slog.NewTextHandler: logfmt, stack quoted with \n \t escapes|^time=\S+ level=ERROR msg="consumer panicked" queue=billing panic="send on closed channel" stack="goroutine \d+ \[running\]:\\n
debugstack|stderr|std=log std=runtime/debug|recovered|explicit-panic|retry budget exhausted after 3 attempts (last error: connection refused)|main.(*Retrier).do|main.(*Retrier).run.func1|log.Printf("recovered: %v") then os.Stderr.Write(debug.Stack()): a goroutine trace that is not a crash|^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d recovered: retry budget exhausted after 3 attempts \(last error: connection refused\)$|^goroutine \d+ \[running\]:$|^runtime/debug\.Stack\(\)$
zap-error|stderr|zap=go.uber.org/zap|snapshot|snapshot|-|-|-|zap.NewProduction() logging an ordinary error (no panic) with logger.Error: the automatic Error-level "stacktrace" (FUNC / TAB FILE:LINE, main.(*Billing).charge first) without runtime.gopanic|^\{"level":"error","ts":[0-9.e+]+,"caller":"scenarios-logs/zaperror\.go:\d+","msg":"charge failed","account":"acct-17","error":"charge acct-17 4200: card declined: insufficient funds","stacktrace":"main\.\(\*Billing\)\.charge\\n
zap-nostack-then-crash|stderr|zap=go.uber.org/zap std=runtime|crash|index-out-of-range|runtime error: index out of range [5] with length 5|main.(*Histogram).bucket|-|zap production config with the console encoder and DisableStacktrace logs a recovered nil-map panic at Error level without a stack, then an unrecovered index out of range in main.(*Histogram).bucket: the runtime'"'"'s fatal text; exit 2|^[0-9.e+]+\terror\tscenarios-logs/zaperror\.go:\d+\tpanic recovered\t\{"panic": "assignment to entry in nil map"\}$|^panic: runtime error: index out of range \[5\] with length 5$|^goroutine \d+ \[running\]:$
debugstack-all|stderr|std=log std=runtime|recovered|explicit-panic|retry budget exhausted after 3 attempts (last error: connection refused)|main.(*Retrier).do|main.(*Retrier).run.func1|log.Printf then runtime.Stack(buf, true): the recovering goroutine first (top frame the recovering closure), then main and 4 idle workers in main.(*Retrier).idle|^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d recovered: retry budget exhausted after 3 attempts \(last error: connection refused\)$|^goroutine \d+ \[running\]:$|^main\.\(\*Retrier\)\.run\.func1\(\)$|^goroutine \d+ \[chan receive\]:$
fatal-after-log|stderr|zerolog=github.com/rs/zerolog std=runtime|crash|index-out-of-range|runtime error: index out of range [8] with length 8|main.(*ShardMap).slot|-|first a zerolog JSON line of a recovered panic(error) "flush segment: disk quota exceeded" (raised in main.(*Segment).flush, recovered in main.flushWorker.func1), then an unrecovered panic in another goroutine: the runtime'"'"'s fatal text; exit 2|^\{"level":"error","panic":"flush segment: disk quota exceeded","stack":"goroutine \d+ \[running\]:\\n.*\\nmain\.flushWorker\.func1\(\)\\n|^panic: runtime error: index out of range \[8\] with length 8$|^goroutine \d+ \[running\]:$
goroutine-profile|profile|std=runtime/pprof|snapshot|snapshot|-|-|-|groups: main.(*ConnPool).acquire chan receive, labels handler=/orders: 20 in a, 45 in b (the leak); main.(*JobQueue).worker select: 10; main.(*LedgerBook).append sync.Mutex.Lock, labels handler=/ledger tenant=acme: 12; main.(*Cache).waitFresh sync.Cond.Wait: 8; plus main (running)
'

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/scenarios-logs
OUT=$HERE/logs
MANIFEST=$OUT/MANIFEST.tsv
HEADER=$'file\tgo_version\tscenario\tproducer\tstream\texpected_kind\texpected_class\texpected_message\texpected_culprit\texpected_recovered_by\tgoroutine_headers\tnotes'
TIMEOUT=${CRASHCTL_TIMEOUT:-60}
ONLY=${CRASHCTL_SCENARIOS:-}

log() { echo "generate-logs: $*" >&2; }

# shellcheck source=testdata/toolchain.sh
source "$HERE/toolchain.sh"

# build GO VERSION -> path of the scenarios-logs binary (cached, rebuilt
# when the sources, go.mod/go.sum or the go command change)
build() {
	local gobin=$1 ver=$2 dir out want
	dir=${CRASHCTL_BUILD_DIR:-${TMPDIR:-/tmp}/crashctl-scenarios-build}/$ver
	mkdir -p "$dir"
	out=$dir/scenarios-logs
	want=$( (cd "$SRC" && find . \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum; echo "$gobin CGO_ENABLED=0") | sha256sum | cut -c1-16)
	(
		flock 9
		if [[ ! -x $out || "$(cat "$out.stamp" 2>/dev/null)" != "$want" ]]; then
			rm -f "$out" "$out.stamp"
			(cd "$SRC" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 "$gobin" build -o "$out" .) >&2 ||
				{ log "build with $ver failed"; exit 1; }
			echo "$want" >"$out.stamp"
		fi
	) 9>"$dir/.lock-logs"
	echo "$out"
}

# producer_of SPEC VERSION: "gin@v1.11.0", "net/http@go1.26.8", joined by "+"
producer_of() {
	local spec=$1 ver=$2 tok label mod v out=()
	for tok in $spec; do
		label=${tok%%=*} mod=${tok#*=}
		if [[ $label == std ]]; then
			out+=("$mod@$ver")
		else
			v=$(awk -v m="$mod" '($1 == m) { print $2; exit } ($1 == "require" && $2 == m) { print $3; exit }' "$SRC/go.mod")
			out+=("$label@${v:-?}")
		fi
	done
	local IFS=+
	echo "${out[*]}"
}

# decoded FILE: the text with ANSI SGR codes removed and JSON/logfmt string
# escapes (\n \t \" \u003c \u003e \u0026) undone, for the name checks
decoded() {
	perl -pe 's/\e\[[0-9;]*m//g; s/\\u003e/>/g; s/\\u003c/</g; s/\\u0026/&/g; s/\\n/\n/g; s/\\t/\t/g; s/\\"/"/g' "$1"
}

# pick ALTERNATIVES DECODEDFILE -> the first alternative found, "ok"/"mismatch"
pick() {
	local alts=$1 f=$2 w
	[[ $alts == - ]] && { echo "- ok"; return; }
	for w in $alts; do
		grep -qF -- "$w" "$f" && { echo "$w ok"; return; }
	done
	echo "${alts%% *} mismatch"
}

headers_of() { # count of "goroutine N [" (at a line start or inside an escaped stack)
	{ grep -oE 'goroutine [0-9]+ \[' "$1" || true; } | wc -l | tr -d ' '
}

# traces_count PROFILE FUNC GO: samples whose stack has FUNC (go tool pprof -traces)
traces_count() {
	{ GOTOOLCHAIN=local "$3" tool pprof -traces "$1" 2>/dev/null || true; } | awk -v fn="$2" '
		/^-+\+/ { if (has) total += n; n = 0; has = 0; next }
		$1 ~ /^[0-9]+$/ && NF >= 2 { n = $1 }
		index($0, fn) { has = 1 }
		END { if (has) total += n; print total + 0 }'
}

join_notes() { local IFS='|'; local s="$*"; echo "${s//|/; }"; }

row() { # the manifest row, tab-separated
	local IFS=$'\t'
	echo "$*"
}

run_toolchain() {
	local want=$1 gobin ver outdir work rows bin
	gobin=$(resolve_go "$want") || { log "skipping toolchain $want"; return 1; }
	ver=$(GOTOOLCHAIN=local "$gobin" env GOVERSION)
	log "== $ver ($gobin)"
	bin=$(build "$gobin" "$ver") || return 1
	outdir=$OUT/$ver
	work=$(mktemp -d "${TMPDIR:-/tmp}/crashctl-logs.XXXXXX")
	[[ -n $ONLY ]] || rm -rf "$outdir"
	mkdir -p "$outdir"
	rows=$work/rows.tsv
	: >"$rows"

	local line name capture pspec kind class message calts ralts snote producer stream
	local -a f regexes notes
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		IFS='|' read -r -a f <<<"$line"
		[[ -z $ONLY || " $ONLY " == *" ${f[0]} "* ]] || continue
		name=${f[0]} capture=${f[1]} pspec=${f[2]} kind=${f[3]} class=${f[4]} message=${f[5]}
		calts=${f[6]} ralts=${f[7]} snote=${f[8]}
		regexes=("${f[@]:9}")
		producer=$(producer_of "$pspec" "$ver")
		local rc=0 txt=$work/$name.txt run=$work/run-$name
		mkdir -p "$run"
		local -a cmd=(timeout "$TIMEOUT" env -u GOTRACEBACK -u GODEBUG "$bin" "$name")
		case $capture in
		stderr) stream=stderr
			(cd "$run" && ulimit -c 0 && exec "${cmd[@]}") >"$run/stdout" 2>"$txt" || rc=$? ;;
		stdout) stream=stdout
			(cd "$run" && ulimit -c 0 && exec "${cmd[@]}") >"$txt" 2>"$run/stderr" || rc=$? ;;
		combined) stream=stdout+stderr
			(cd "$run" && ulimit -c 0 && exec "${cmd[@]}") >"$txt" 2>&1 || rc=$? ;;
		profile) stream=file
			(cd "$run" && ulimit -c 0 && exec "${cmd[@]}" "$run") >"$run/stdout" 2>"$run/stderr" || rc=$? ;;
		*) log "bad capture $capture"; return 1 ;;
		esac
		local want_rc=0
		[[ $kind == crash ]] && want_rc=2

		if [[ $capture == profile ]]; then
			local tag pf n wantn
			for tag in a b; do
				wantn=20
				[[ $tag == b ]] && wantn=45
				# debug=1 text
				notes=("exit $rc; pprof.Lookup(\"goroutine\").WriteTo(w, 1), profile $tag" "$snote")
				((rc == want_rc)) || notes+=("CHECK: exit $rc, expected $want_rc")
				pf=$run/profile-debug1.$tag.txt
				if [[ -s $pf ]]; then
					zstd -19 -q -f --no-progress "$pf" -o "$outdir/profile-debug1.$tag.txt.zst"
					grep -qP '^goroutine profile: total \d+$' "$pf" || notes+=("CHECK: no 'goroutine profile: total' line")
					grep -qP "^$wantn @ " "$pf" || notes+=("CHECK: no group of $wantn")
					grep -qF '# labels: {"handler":"/orders"}' "$pf" || notes+=("CHECK: no handler=/orders label")
					grep -qF 'main.(*ConnPool).acquire+' "$pf" || notes+=("CHECK: no main.(*ConnPool).acquire frame")
				else
					notes+=("CHECK: profile missing")
				fi
				row "$ver/profile-debug1.$tag.txt.zst" "$ver" "$name" "$producer" "file (WriteTo debug=1)" \
					snapshot snapshot - - - "$( [[ -s $pf ]] && headers_of "$pf" || echo -)" "$(join_notes "${notes[@]}")" >>"$rows"
				# debug=0 proto, stored as written (gzip)
				notes=("exit $rc; pprof.Lookup(\"goroutine\").WriteTo(w, 0), profile $tag, gzip-compressed profile.proto stored as written" "$snote")
				pf=$run/profile-debug0.$tag.pb.gz
				if [[ -s $pf ]]; then
					cp "$pf" "$outdir/profile-debug0.$tag.pb.gz"
					gzip -t "$pf" 2>/dev/null || notes+=("CHECK: not gzip")
					n=$(traces_count "$pf" 'main.(*ConnPool).acquire' "$gobin")
					[[ $n == "$wantn" ]] || notes+=("CHECK: go tool pprof -traces: $n samples in main.(*ConnPool).acquire, expected $wantn")
				else
					notes+=("CHECK: profile missing")
				fi
				row "$ver/profile-debug0.$tag.pb.gz" "$ver" "$name" "$producer" "file (WriteTo debug=0)" \
					snapshot snapshot - - - - "$(join_notes "${notes[@]}")" >>"$rows"
			done
			log "   $name: exit $rc"
			continue
		fi

		zstd -19 -q -f --no-progress "$txt" -o "$outdir/$name.log.zst"
		local dec=$work/$name.decoded culprit recby verdict headers re
		decoded "$txt" >"$dec"
		notes=("exit $rc; captured $stream" "$snote")
		((rc == want_rc)) || notes+=("CHECK: exit $rc, expected $want_rc")
		[[ -s $txt ]] || notes+=("CHECK: empty capture")
		grep -qF -- "$message" "$dec" || notes+=("CHECK: message '$message' not found")
		read -r culprit verdict <<<"$(pick "$calts" "$dec")"
		[[ $verdict == ok ]] || notes+=("CHECK: culprit mismatch: none of '$calts' printed")
		read -r recby verdict <<<"$(pick "$ralts" "$dec")"
		[[ $verdict == ok ]] || notes+=("CHECK: recovered_by mismatch: none of '$ralts' printed")
		for re in "${regexes[@]}"; do
			grep -qP -- "$re" "$txt" || notes+=("CHECK: text lacks /$re/")
		done
		headers=$(headers_of "$txt")
		row "$ver/$name.log.zst" "$ver" "$name" "$producer" "$stream" "$kind" "$class" "$message" \
			"$culprit" "$recby" "$headers" "$(join_notes "${notes[@]}")" >>"$rows"
		local bad
		bad=$(printf '%s\n' "${notes[@]}" | grep -c '^CHECK' || true)
		log "   $name: exit $rc, $headers goroutine headers$( ((bad)) && printf ', %s' "${notes[@]:2}")"
	done <<<"$SCENARIO_TABLE"

	merge "$MANIFEST" "$HEADER" "$ver" "$rows"
	rm -rf "$work"
}

# merge FILE HEADER VERSION NEWROWS: keep FILE's rows of other versions
# (and, with CRASHCTL_SCENARIOS, of the other scenarios)
merge() {
	local file=$1 header=$2 ver=$3 new=$4 tmp
	tmp=$(mktemp)
	{
		if [[ -f $file ]]; then
			tail -n +2 "$file" | awk -F'\t' -v v="$ver" -v only=" $ONLY " \
				'$2 != v || (only != "  " && index(only, " " $3 " ") == 0)'
		fi
		cat "$new"
	} | sort -t$'\t' -k2,2V -k1,1 >"$tmp"
	{ echo "$header"; cat "$tmp"; } >"$file"
	rm -f "$tmp"
}

main() {
	local t
	for t in zstd perl gzip flock timeout; do
		command -v "$t" >/dev/null || { log "$t is required"; exit 1; }
	done
	mkdir -p "$OUT"
	local list=("$@")
	((${#list[@]})) || list=("${TOOLCHAINS[@]}")
	local failed=()
	for t in "${list[@]}"; do
		run_toolchain "$t" || failed+=("$t")
	done
	if [[ $# -eq 0 ]]; then
		# full run: drop directories and rows of releases no longer listed
		local d keep
		for d in "$OUT"/go*/; do
			[[ -d $d ]] || continue
			keep=0
			for t in "${TOOLCHAINS[@]}"; do [[ $(basename "$d") == "$t" ]] && keep=1; done
			((keep)) || { log "removing stale $d"; rm -rf "$d"; }
		done
		awk -F'\t' -v keep=" ${TOOLCHAINS[*]} " 'NR == 1 || index(keep, " " $2 " ")' "$MANIFEST" >"$MANIFEST.tmp"
		mv "$MANIFEST.tmp" "$MANIFEST"
	fi
	local checks
	checks=$(tail -n +2 "$MANIFEST" | grep -c 'CHECK:' || true)
	log "done: $(tail -n +2 "$MANIFEST" | wc -l) files, $checks with CHECK notes, $(du -sh --apparent-size "$OUT" | cut -f1)"
	((${#failed[@]} == 0)) || { log "toolchains that could not be used: ${failed[*]}"; exit 1; }
}

main "$@"
