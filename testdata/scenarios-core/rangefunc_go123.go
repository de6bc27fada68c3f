//go:build go1.23

package main

import "iter"

// Range-over-func defers exist from go1.23 (this file's build constraint also
// sets its language version to 1.23). Older builds do not have the scenario
// (exit status 3; the generator records it in SKIPPED.tsv).

func init() { register("rangefunc-defers", scenarioRangefuncDefers) }

// ---- rangefunc-defers -------------------------------------------------------
// Crashing goroutine: 1, class explicit-panic, culprit main.verifyReplay,
// panic value the string "replay: checksum mismatch at entry 3".
//
// Defers: the goroutine of main.replayLog (parked on chan receive) has, in
// replayLog's frame, a RANGEFUNC _defer record (created by
// runtime.deferrangefunc; rangefunc=true) whose head lists the three heap
// records added by runtime.deferprocat for main.undoEntry(2), undoEntry(1),
// undoEntry(0) (wrapper closures; the list is pushed at the front, so the
// newest is first), and after it main.closeLog as a STACK _defer (top-level
// defer; the function is not open-coded because it calls deferrangefunc).
// None calls recover.

func entries(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

//go:noinline
func undoEntry(i int) { println("undoEntry", i) }

//go:noinline
func closeLog() { println("closeLog") }

//go:noinline
func replayLog(n int) {
	defer closeLog() // stack _defer
	for i := range entries(n) {
		defer undoEntry(i) // rangefunc: attached to replayLog's frame
	}
	<-never
}

//go:noinline
func verifyReplay(entry int) {
	panic("replay: checksum mismatch at entry " + itoa(entry))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func scenarioRangefuncDefers() {
	go replayLog(opaque(3))
	waitParked(1)
	verifyReplay(opaque(3))
}
