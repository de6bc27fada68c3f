package main

import (
	"fmt"
	"runtime/debug"
)

// Fatal errors (recover never runs) and a goroutine leak.

func init() {
	register("concurrent-map-writes", scenarioConcurrentMapWrites)
	register("stack-overflow-small", scenarioStackOverflowSmall)
	register("goroutine-leak", scenarioGoroutineLeak)
}

// ---- concurrent-map-writes --------------------------------------------------
// Fatal error "concurrent map writes", class concurrent-map-access. The
// crashing goroutine is one of the two main.indexWorker goroutines (which one
// is not deterministic: the first goroutine block in the stderr text names
// it), culprit main.(*Index).add, called from main.indexWorker. The runtime
// frames show runtime.fatal called from runtime.mapassign_fast64 (<= 1.23) or
// internal/runtime/maps.(*Map).assign / runtime.mapassign_fast64 (1.24+,
// Swiss tables).
//
// Defers: each indexWorker has main.guard pending (open-coded, calls
// recover; it never runs: fatal errors cannot be recovered). The goroutine of
// main.auditIndex (parked on chan receive) has main.logExit pending
// (open-coded). Goroutine 1 is parked on chan receive in
// main.scenarioConcurrentMapWrites.

type Index struct{ m map[int]int }

//go:noinline
func (x *Index) add(k int) { x.m[k]++ }

//go:noinline
func indexWorker(x *Index, base int) {
	defer guard() // open-coded, calls_recover=true, never runs
	for i := 0; ; i++ {
		x.add(base + i%1024)
	}
}

//go:noinline
func auditIndex() {
	defer logExit("auditIndex") // open-coded
	<-never
}

func scenarioConcurrentMapWrites() {
	go auditIndex()
	waitParked(1)
	x := &Index{m: make(map[int]int)}
	go indexWorker(x, 0)
	go indexWorker(x, 512)
	<-never
}

// ---- stack-overflow-small ---------------------------------------------------
// Fatal error "stack overflow" after "runtime: goroutine stack exceeds
// 262144-byte limit" (debug.SetMaxStack keeps the stack, and the core,
// small). Class stack-overflow, crashing goroutine 1, culprit
// main.expandTemplate or main.includePartial (whichever frame hits the limit;
// the stored stderr shows it). Defers: main.renderPage has main.guard pending
// (open-coded, calls recover, never runs).

//go:noinline
func expandTemplate(depth int) int { return includePartial(depth+1) + 1 }

//go:noinline
func includePartial(depth int) int { return expandTemplate(depth+1) + 1 }

//go:noinline
func renderPage() int {
	defer guard() // open-coded, calls_recover=true, never runs
	return expandTemplate(0)
}

func scenarioStackOverflowSmall() {
	debug.SetMaxStack(256 << 10)
	fmt.Println(renderPage())
}

// ---- goroutine-leak ---------------------------------------------------------
// 200 goroutines main.handleConn, each parked on a receive from the same
// channel that nobody sends on, each with main.closeConn pending
// (open-coded, no recover). Then goroutine 1 panics in main.checkConnLimit
// with the string "too many open connections: 200": class explicit-panic,
// crashing goroutine 1, culprit main.checkConnLimit.
// The generator runs this scenario twice: GOTRACEBACK=crash for the core
// (its stderr lists every goroutine) and GOTRACEBACK=single for the text a
// user would usually have (only goroutine 1), stored as
// goroutine-leak.single.stderr.txt.zst. The core has all 200 leaked
// goroutines: leak evidence the single text never showed.

//go:noinline
func closeConn(id int) { println("closeConn", id) }

//go:noinline
func handleConn(id int, requests <-chan int) {
	defer closeConn(id) // open-coded
	<-requests          // nobody sends: leaked
}

//go:noinline
func acceptLoop(n int, requests chan int) {
	for i := 0; i < n; i++ {
		go handleConn(i, requests)
	}
}

//go:noinline
func checkConnLimit(open int) {
	if open >= 200 {
		panic(fmt.Sprintf("too many open connections: %d", open))
	}
}

func scenarioGoroutineLeak() {
	requests := make(chan int)
	acceptLoop(opaque(200), requests)
	waitParked(200)
	checkConnLimit(opaque(200))
}
