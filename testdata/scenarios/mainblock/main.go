// Command mainblock deadlocks with goroutine 1 blocked in main.main itself,
// as small programs do; argv[1] says on what:
//
//   - deadlock-send: a send on an unbuffered channel nobody receives from
//     (goroutine 1 [chan send]);
//   - deadlock-mutex: Lock of a sync.Mutex that goroutine 1 already holds
//     (goroutine 1 [semacquire] in go1.19, [sync.Mutex.Lock] from go1.20).
//
// Both crash with "fatal error: all goroutines are asleep - deadlock!" and
// main.main as the only frame of the program's own code, so signatures of
// version 1 ("deadlock | all goroutines are asleep - deadlock! | main.main")
// put both in one bucket.
package main

import (
	"fmt"
	"os"
	"sync"
)

type ledger struct {
	mu      sync.Mutex
	entries []string
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mainblock deadlock-send|deadlock-mutex")
		os.Exit(64)
	}
	switch os.Args[1] {
	case "deadlock-send":
		results := make(chan int) // unbuffered, and no receiver is ever started
		results <- len(os.Args)
	case "deadlock-mutex":
		var l ledger
		l.mu.Lock()
		l.entries = append(l.entries, os.Args[1])
		l.mu.Lock() // already held by this goroutine
		l.mu.Unlock()
	default:
		fmt.Fprintf(os.Stderr, "scenario %q not available in this build\n", os.Args[1])
		os.Exit(3)
	}
	fmt.Fprintf(os.Stderr, "scenario %q returned without crashing\n", os.Args[1])
}
