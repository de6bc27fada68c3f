package main

import (
	"fmt"
	"os"
)

// Scenarios that end through a signal: an external SIGQUIT sent by the
// harness, and GOTRACEBACK=crash turning a panic into SIGABRT.

func init() {
	register("sigquit", scenarioSigquit)
	register("sigabrt-crash", scenarioSigabrtCrash)
}

//go:noinline
func serveForever(stop <-chan struct{}) {
	<-stop
}

// scenarioSigquit parks a handful of goroutines, prints "ready" on stdout
// and waits; the harness then sends SIGQUIT.
func scenarioSigquit() {
	startBlockers(blockerCounts{
		chanRecv: 2, selects: 1, mutex: 2, waitGroup: 1,
		ioWait: 1, sleep: 1, lockedThread: 1,
	})
	fmt.Fprintln(os.Stdout, "ready")
	serveForever(make(chan struct{}))
}

// scenarioSigabrtCrash is a nil dereference in goroutine 1 with a few other
// goroutines alive (one pinned to its own thread in a blocking syscall).
// It is meant to run with GOTRACEBACK=crash.
func scenarioSigabrtCrash() {
	startBlockers(blockerCounts{
		chanRecv: 1, mutex: 1, sleep: 1, lockedThread: 1,
	})
	fmt.Fprintln(os.Stdout, handleRequest(requestCache, "/users/7"))
}
