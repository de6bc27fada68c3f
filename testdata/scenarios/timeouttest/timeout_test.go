// Package timeouttest has a test that never finishes, so that
// `go test -timeout 2s` prints its "test timed out" panic.
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
