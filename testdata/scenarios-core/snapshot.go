package main

import (
	"fmt"
	"os"
	"time"
)

func init() { register("snapshot-live", scenarioSnapshotLive) }

// ---- snapshot-live ----------------------------------------------------------
// Not a crash: the generator runs this, waits for "ready" on stdout, takes a
// core of the live process with gdb's gcore, then kills it. Class snapshot,
// no crashing goroutine.
//
// Goroutines and pending defers when the core is taken:
//   - 1: main.idleMain, sleeping (time.Sleep), main.logExit pending
//     (open-coded).
//   - main.serveSession (chan receive): main.logExit, main.serveSession.func1
//     (calls recover), (*main.Conn).Close wrapper; all open-coded.
//   - main.pollUpstream -> main.fetchBatch (chan receive): main.releaseBuffer;
//     then main.guard (calls recover), main.logExit; all open-coded.
//   - main.drainQueues (chan receive): releaseSlot(1), releaseSlot(0) (heap),
//     then main.closeQueues (stack).
//   - main.shutdownAll (chan receive): main.guard (calls recover) then
//     closeStep(9..1); all stack.
//   - main.holdLease (chan receive): main.guard (calls recover) then
//     main.releaseLease; open-coded.
// Goroutine ids are the order of the go statements (usually 2..6 after
// goroutine 1; system goroutines may take ids in between).

//go:noinline
func idleMain() {
	defer logExit("idleMain") // open-coded, pending
	for {
		time.Sleep(time.Hour)
	}
}

func scenarioSnapshotLive() {
	go serveSession(&Conn{id: 3})
	go pollUpstream()
	go drainQueues(opaque(2))
	go shutdownAll()
	go holdLease()
	waitParked(5)
	fmt.Fprintln(os.Stdout, "ready")
	idleMain()
}
