//go:build go1.23

package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// debug.SetCrashOutput (go1.23+) duplicates the crash report into a file.
// The harness passes the file path in CRASHCTL_CRASH_OUTPUT.

func init() {
	register("setcrashoutput", scenarioSetCrashOutput)
}

//go:noinline
func installCrashReporter(path string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := debug.SetCrashOutput(f, debug.CrashOptions{}); err != nil {
		panic(err)
	}
	f.Close() // SetCrashOutput keeps its own dup of the descriptor
}

//go:noinline
func applyMigration(version int) {
	if version > 3 {
		panic(fmt.Sprintf("migration %d: column \"email\" already exists", version))
	}
}

func scenarioSetCrashOutput() {
	path := os.Getenv("CRASHCTL_CRASH_OUTPUT")
	if path == "" {
		path = "crash-output.txt"
	}
	installCrashReporter(path)
	applyMigration(opaque(4))
}
