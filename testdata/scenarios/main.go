// Command scenarios deliberately crashes in one of many ways so that the
// crash text printed by a real Go runtime can be captured as test fixtures
// for crashctl. argv[1] selects the scenario; see generate.sh and
// run-scenario.sh in the parent directory.
package main

import (
	"fmt"
	"os"
	"sort"
)

// scenarios maps a scenario name to the function that triggers it.
// Files add entries from init functions so that release-specific scenarios
// (build-tagged files) only exist when the toolchain supports them.
var scenarios = map[string]func(){}

func register(name string, fn func()) {
	if _, dup := scenarios[name]; dup {
		panic("duplicate scenario " + name)
	}
	scenarios[name] = fn
}

// exitUnsupported is used when a scenario is not available with the
// toolchain that built this binary (for example a go1.23-only API).
const exitUnsupported = 3

func main() {
	if len(os.Args) < 2 {
		names := make([]string, 0, len(scenarios))
		for n := range scenarios {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(os.Stderr, "usage: scenarios NAME")
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

// sink defeats constant folding and dead-code elimination: values that come
// from it are unknown to the compiler.
var sink = len(os.Args)

func opaque(n int) int { return n + sink - len(os.Args) }
