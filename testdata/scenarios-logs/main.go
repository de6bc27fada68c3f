// Command scenarios-logs produces real log output of panics that real Go
// libraries recover and log (net/http, gin, echo, chi, fiber, grpc with
// go-grpc-middleware, klog via k8s.io/apimachinery, zap, logrus, zerolog,
// log/slog, plain log + debug.Stack), plus goroutine profiles and two logs
// that end in a real fatal crash. The scenario is chosen by argv[1]; see
// ../generate-logs.sh, which runs every scenario under several Go releases
// and stores what the program wrote, unedited, under ../logs/.
//
// Every scenario starts what the library needs on 127.0.0.1 (random port),
// makes ONE request (or RPC) whose handler panics in this package's own code
// a few frames deep, lets the library recover and log the panic as it does
// by default (or with the documented option named in the scenario's file),
// and exits 0 once the log has been written. The exceptions are klog-crash
// and fatal-after-log, which die of a real unrecovered panic (exit 2), and
// goroutine-profile, which writes profile files into the directory argv[2].
//
// Synchronisation: every library here writes its log line synchronously in
// the recovering goroutine before it answers the request (or before the
// goroutine we wait for ends), so waiting for the response is enough; no
// sleeps are used for ordering.
//
// Names of closures: when the compiler inlines a library function that
// returns a closure (echo's Recover, fiber's recover.New, this package's
// zapRecover, ...) into its caller, releases up to go1.26 name the closure
// after the call site (main.scenarioEcho.Recover.RecoverWithConfig.func1.1.1)
// and go1.27 after the function that defines it
// (github.com/labstack/echo/v4/middleware.RecoverWithConfig.func1.1.1). The
// comments in the scenario files use the latter.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

var scenarios = map[string]func([]string){}

// register adds a scenario; called from the init functions of the scenario files.
func register(name string, fn func(args []string)) {
	if _, dup := scenarios[name]; dup {
		panic("duplicate scenario " + name)
	}
	scenarios[name] = fn
}

func main() {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(os.Args) == 2 && os.Args[1] == "-list" {
		fmt.Println(strings.Join(names, "\n"))
		return
	}
	if len(os.Args) < 2 || scenarios[os.Args[1]] == nil {
		fmt.Fprintf(os.Stderr, "usage: scenarios-logs SCENARIO [ARGS] | -list\nscenarios: %s\n", strings.Join(names, " "))
		os.Exit(64)
	}
	scenarios[os.Args[1]](os.Args[2:])
}

// listen opens a TCP listener on a random loopback port.
func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	return ln
}

// serveHTTP serves h on a fresh loopback listener with a plain net/http
// server (whose ErrorLog is left at its default) and returns the base URL.
func serveHTTP(h http.Handler) string {
	ln := listen()
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String()
}

// doRequest makes exactly one HTTP request on a new connection (no
// keep-alive, so the transport never retries on a reused connection) and
// returns once the server has answered or closed the connection. The body
// is read to the end.
func doRequest(method, url string, header map[string]string) (status int, err error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		fail("request: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		Timeout:   30 * time.Second,
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// fail reports a harness problem (not part of any scenario's expected
// output) and exits 70.
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scenarios-logs: HARNESS: "+format+"\n", args...)
	os.Exit(70)
}

// waitParked polls runtime.Stack until exactly want goroutines whose stack
// contains fn are parked (state neither running nor runnable), so that
// stack dumps and profiles taken afterwards show them where they block.
// It is a poll on observable state, not a sleep used as a guess.
func waitParked(fn string, want int) {
	buf := make([]byte, 1<<20)
	for i := 0; ; i++ {
		if n := countParked(buf, fn); n == want {
			return
		} else if i > 20000 {
			fail("waitParked(%s): %d parked goroutines, want %d", fn, n, want)
		}
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}

func countParked(buf []byte, fn string) int {
	var n int
	for {
		n = runtime.Stack(buf, true)
		if n < len(buf) {
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, block := range strings.Split(string(buf[:n]), "\n\n") {
		header, _, _ := strings.Cut(block, "\n")
		if strings.Contains(header, "[running]") || strings.Contains(header, "[runnable]") {
			continue
		}
		if strings.Contains(block, "\n"+fn+"(") {
			count++
		}
	}
	return count
}
