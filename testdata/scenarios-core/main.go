// Command scenarios-core crashes in ways chosen to exercise crashctl's ELF
// core-dump decoder: pending defers of every kind (open-coded, heap, stack,
// rangefunc) in goroutines that are parked when the process dies, recover
// called from the wrong place, Goexit, nested panics, panic values of many
// types, fatal errors and goroutine leaks. argv[1] selects the scenario; see
// ../generate-cores.sh, which runs each one under GOTRACEBACK=crash with
// `ulimit -c unlimited` so that the kernel writes a core.
//
// Determinism: before a scenario crashes, every goroutine it started has
// reached the place where it blocks forever (waitParked checks this through
// runtime.Stack), so the goroutines' states and stacks in the core are the
// same from run to run; only addresses, and goroutine ids where noted, vary.
//
// Each scenario's comment says what the decoder should find. "Defers" lists,
// per goroutine and frame, the deferred calls still pending when the core was
// written, in the order they would run, as
//
//	function (kind, calls_recover)
//
// where kind is what the compiler chose (see kinds.go; the generator also
// stores `go build -gcflags=-d=defer` output per release) and calls_recover
// says whether the deferred function itself calls recover().
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

var scenarios = map[string]func(){}

func register(name string, fn func()) {
	if _, dup := scenarios[name]; dup {
		panic("duplicate scenario " + name)
	}
	scenarios[name] = fn
}

// exitUnsupported: the scenario does not exist in this build (for example
// range-over-func defers before go1.23).
const exitUnsupported = 3

func main() {
	if len(os.Args) < 2 {
		names := make([]string, 0, len(scenarios))
		for n := range scenarios {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(os.Stderr, "usage: scenarios-core NAME")
		for _, n := range names {
			fmt.Fprintln(os.Stderr, "  "+n)
		}
		os.Exit(64)
	}
	fn, ok := scenarios[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "scenario %q not available in this build\n", os.Args[1])
		os.Exit(exitUnsupported)
	}
	fn()
	fmt.Fprintf(os.Stderr, "scenario %q returned without crashing\n", os.Args[1])
	os.Exit(0)
}

// sink defeats constant folding: values computed from it are unknown to the
// compiler.
var sink = len(os.Args)

func opaque(n int) int { return n + sink - len(os.Args) }

// never is a channel nobody ever sends on or closes: goroutines that receive
// from it are blocked forever ("chan receive").
var never = make(chan struct{})

// waitParked returns once at least want goroutines running the program's
// own code are blocked (any wait state other than running/runnable/syscall).
// It reads runtime.Stack(all) so that it does not depend on timing.
func waitParked(want int) {
	buf := make([]byte, 4<<20)
	for i := 0; ; i++ {
		n := runtime.Stack(buf, true)
		if countParked(string(buf[:n])) >= want {
			return
		}
		if i > 20000 {
			fmt.Fprintf(os.Stderr, "waitParked: fewer than %d goroutines parked\n", want)
			os.Exit(70)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func countParked(dump string) int {
	parked := 0
	for _, block := range strings.Split(dump, "\n\n") {
		if !strings.HasPrefix(block, "goroutine ") {
			continue
		}
		open := strings.IndexByte(block, '[')
		if open < 0 {
			continue
		}
		state := block[open+1:]
		if strings.HasPrefix(state, "running") || strings.HasPrefix(state, "runnable") ||
			strings.HasPrefix(state, "syscall") {
			continue
		}
		// only goroutines started by the program (system goroutines are
		// listed too when GOTRACEBACK is system or crash)
		if strings.Contains(block, "\nmain.") || strings.Contains(block, "created by main.") {
			parked++
		}
	}
	return parked
}
