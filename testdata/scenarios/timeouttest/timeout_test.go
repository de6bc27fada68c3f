// Package timeouttest has tests that never finish, so that
// `go test -timeout 2s` prints its "test timed out" panic: TestReplicaSync
// (run first, so a plain `go test` hangs in it) and TestReplicaCatchUp
// (reached only with -run).
package timeouttest

import (
	"sync"
	"testing"
)

type replica struct {
	mu    sync.Mutex
	acks  int
	ackCh chan int
}

//go:noinline
func waitForQuorum(r *replica, want int) int {
	for r.acks < want {
		r.acks += <-r.ackCh // nobody sends
	}
	return r.acks
}

func TestReplicaSync(t *testing.T) {
	r := &replica{ackCh: make(chan int)}
	if got := waitForQuorum(r, 2); got < 2 {
		t.Fatalf("quorum not reached: %d", got)
	}
}

func TestQuick(t *testing.T) {}

//go:noinline
func catchUp(r *replica, snapshots <-chan []byte) int {
	for {
		select {
		case s := <-snapshots: // nobody sends
			return len(s)
		case n := <-r.ackCh: // nor here
			r.acks += n
		}
	}
}

func TestReplicaCatchUp(t *testing.T) {
	r := &replica{ackCh: make(chan int)}
	if n := catchUp(r, make(chan []byte)); n == 0 {
		t.Fatal("empty snapshot")
	}
}
