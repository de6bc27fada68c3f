package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// Goroutine state that the runtime keeps beside the stack: pprof labels
// (g.labels), the creating goroutines' stacks (g.ancestors, with
// GODEBUG=tracebackancestors=N) and how long a goroutine has been blocked
// (g.waitsince, printed as ", N minutes").

func init() {
	register("labels", scenarioLabels)
	register("ancestors", scenarioAncestors)
	register("wait-minutes", scenarioWaitMinutes)
}

// ---- labels -------------------------------------------------------------------
// Run with GODEBUG=tracebacklabels=1 (the generator sets it), which Go 1.26
// and later read: their headers print the labels (1.26 inside the brackets,
// 1.27 after them); older releases ignore the setting and print none.
// Crashing goroutine: 1, class explicit-panic, culprit main.applyQuota,
// panic value the string "quota: tenant acme over limit".
//
// Labels (runtime/pprof: a map[string]string before Go 1.24, a slice sorted
// by key after), each goroutine parked on chan receive:
//   - main.ingestWorker: {"shard": "3", "worker": "ingest"}
//   - main.ingestWorker: {"shard": "7", "worker": "ingest"}
//   - main.exportWorker: {"city": "zürich", "quoted \"key\"": "tab\there",
//     "region": "eu-west/1", "worker": "export"} (keys and values that need
//     quoting, and a non-ASCII one)
//   - main.unlabeled: none (started outside pprof.Do)
//   - goroutine 1 panics with {"tenant": "acme"}, set by
//     pprof.SetGoroutineLabels (inside pprof.Do the deferred restore of the
//     labels would run during the panic, before the traceback).

//go:noinline
func ingestWorker() { <-never }

//go:noinline
func exportWorker() { <-never }

//go:noinline
func unlabeled() { <-never }

//go:noinline
func applyQuota(tenant string) {
	if opaque(1) == 1 {
		panic("quota: tenant " + tenant + " over limit")
	}
}

func scenarioLabels() {
	ctx := context.Background()
	for _, shard := range []string{"3", "7"} {
		pprof.Do(ctx, pprof.Labels("worker", "ingest", "shard", shard), func(context.Context) {
			go ingestWorker()
		})
	}
	pprof.Do(ctx, pprof.Labels("worker", "export", "region", "eu-west/1", "quoted \"key\"", "tab\there",
		"city", "zürich"), func(context.Context) { go exportWorker() })
	go unlabeled()
	waitParked(4)
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("tenant", "acme")))
	applyQuota("acme")
}

// ---- ancestors ----------------------------------------------------------------
// Run with GODEBUG=tracebackancestors=5 (the generator sets it).
// Crashing goroutine: the one running main.leafTask (created by
// main.spawnLeaf, itself created by main.spawnMiddle, created by goroutine 1
// in main.startTree), class explicit-panic, culprit main.leafTask, panic
// value the string "leaf task 2: input exhausted". It panics once goroutine
// 1, spawnMiddle's, spawnLeaf's and leafIdle's goroutines are all parked on
// chan receive.
//
// Ancestors, newest first as the runtime prints them:
//   - leafTask's goroutine: [originating from] spawnLeaf's goroutine (frames
//     main.spawnLeaf, created by main.spawnMiddle), spawnMiddle's goroutine
//     (main.spawnMiddle, created by main.startTree), goroutine 1
//     (main.startTree, main.scenarioAncestors, main.main, runtime.main; no
//     created by line for goroutine 1).
//   - the parked main.leafIdle goroutines: the same chain.
//   - spawnLeaf's and spawnMiddle's goroutines, parked on chan receive: their
//     own (shorter) chains.

//go:noinline
func leafTask(n int) {
	waitParked(4) // goroutine 1, spawnMiddle, spawnLeaf, leafIdle
	if opaque(n) == 2 {
		panic(fmt.Sprintf("leaf task %d: input exhausted", n))
	}
}

//go:noinline
func leafIdle() { <-never }

//go:noinline
func spawnLeaf() {
	go leafIdle()
	go leafTask(opaque(2))
	<-never
}

//go:noinline
func spawnMiddle() {
	go spawnLeaf()
	<-never
}

//go:noinline
func startTree() {
	go spawnMiddle()
	<-never
}

func scenarioAncestors() { startTree() }

// ---- wait-minutes ---------------------------------------------------------------
// Takes 61 s: ", 1 minutes" is printed when g.waitsince is over a minute old;
// the GC's stack scan (markroot) sets a parked goroutine's waitsince, when 0,
// to work.tstart, the previous cycle's mark termination time (gcMark). The
// generator runs it for WAIT_RELEASES only.
// Crashing goroutine: 1, class explicit-panic, culprit main.checkBacklog,
// panic value the string "backlog: consumers stalled".
//
// Goroutines: three main.stalledConsumer goroutines parked on chan receive
// before runtime.GC() ("chan receive, 1 minutes"); after 61 s goroutine 1
// starts main.lateConsumer, runs a second GC and panics: lateConsumer, parked
// for milliseconds, shows "1 minutes" too (the first cycle's work.tstart), as
// do the runtime's force gc and finalizer goroutines.

//go:noinline
func stalledConsumer() { <-never }

//go:noinline
func lateConsumer() { <-never }

//go:noinline
func checkBacklog() {
	if opaque(1) == 1 {
		panic("backlog: consumers stalled")
	}
}

func scenarioWaitMinutes() {
	for i := 0; i < 3; i++ {
		go stalledConsumer()
	}
	waitParked(3)
	runtime.GC() // sets the parked goroutines' waitsince
	time.Sleep(61 * time.Second)
	go lateConsumer()
	waitParked(4)
	runtime.GC()
	fmt.Fprintln(os.Stdout, time.Now().String()) // the monotonic clock reading (m=+...) at the crash
	checkBacklog()
}
