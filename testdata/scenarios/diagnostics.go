package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
)

// Goroutine dumps and traceback decorations: pprof debug=2 snapshots,
// goroutine labels, ancestor tracebacks and large numbers of goroutines.

func init() {
	register("profile-debug2", scenarioProfileDebug2)
	register("labels", scenarioLabels)
	register("ancestors", scenarioAncestors)
	register("many-goroutines", scenarioManyGoroutines)
}

// ---- profile-debug2 -------------------------------------------------------

//go:noinline
func dumpGoroutines() {
	if err := pprof.Lookup("goroutine").WriteTo(os.Stdout, 2); err != nil {
		panic(err)
	}
}

func scenarioProfileDebug2() {
	startBlockers(blockerCounts{
		chanRecv: 2, selects: 1, mutex: 1, waitGroup: 1,
		ioWait: 1, sleep: 1, lockedThread: 1,
	})
	dumpGoroutines()
	os.Exit(0)
}

// ---- labels ---------------------------------------------------------------
// Run with GOTRACEBACK=all and (go1.26+) GODEBUG=tracebacklabels=1.
//
// The panic happens in a goroutine started inside pprof.Do, which inherits
// the labels. (A panic directly inside the pprof.Do callback would show no
// labels: pprof.Do's deferred label reset runs before the traceback prints.)

//go:noinline
func handleUpload(ctx context.Context, size int) {
	if size > 1<<20 {
		panic(fmt.Sprintf("upload: body of %d bytes exceeds limit", size))
	}
}

//go:noinline
func uploadWorker(ctx context.Context, size int, done chan<- struct{}) {
	handleUpload(ctx, size)
	close(done)
}

//go:noinline
func uploadWatchdog(ctx context.Context, done <-chan struct{}) {
	<-done
}

func scenarioLabels() {
	done := make(chan struct{})
	go uploadWatchdog(context.Background(), done) // unlabelled
	labels := pprof.Labels("request_id", "req-7f3a", "handler", "upload")
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		go uploadWatchdog(ctx, done) // labelled, blocked
		settle()
		go uploadWorker(ctx, opaque(8<<20), done) // labelled, panics
		<-done
	})
}

// ---- ancestors ------------------------------------------------------------
// Run with GODEBUG=tracebackancestors=5.

//go:noinline
func parseRequest(conn int) {
	if conn%2 == 1 {
		panic(fmt.Sprintf("parseRequest: malformed header on conn %d", conn))
	}
}

//go:noinline
func handleConn(conn int, wg *sync.WaitGroup) {
	var inner sync.WaitGroup
	inner.Add(1)
	go func() {
		parseRequest(conn)
		inner.Done() // not deferred: a panic must not release the waiters
	}()
	inner.Wait()
	wg.Done()
}

//go:noinline
func acceptLoop(conns int, wg *sync.WaitGroup) {
	var handlers sync.WaitGroup
	for c := 0; c < conns; c++ {
		handlers.Add(1)
		go handleConn(c, &handlers)
		handlers.Wait()
	}
	wg.Done()
}

func scenarioAncestors() {
	var wg sync.WaitGroup
	wg.Add(1)
	go acceptLoop(opaque(3), &wg)
	wg.Wait()
}

// ---- many-goroutines ------------------------------------------------------

//go:noinline
func checkInvariants(s *Store) {
	if len(s.rows) == 0 {
		panic("checkInvariants: store has no rows after warmup")
	}
}

//go:noinline
func runServer() {
	startBlockers(blockerCounts{
		chanRecv: 40, selects: 30, mutex: 40, waitGroup: 30,
		ioWait: 30, sleep: 30,
	})
	checkInvariants(parkedGoroutines.store)
}

func scenarioManyGoroutines() {
	runServer()
}
