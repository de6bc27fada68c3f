// Heap-dump scenarios for crashctl (testdata/generate-heapdumps.sh).
//
//	heapdump-scenarios panic DUMP   WriteHeapDump from a deferred call during a panic
//	heapdump-scenarios leak DUMP PROFILE
//	                                100 goroutines blocked on a channel; a debug=2
//	                                goroutine profile, then WriteHeapDump
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"
)

var dumpPath string

func writeDump() {
	f, err := os.Create(dumpPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "create dump:", err)
		os.Exit(3)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
}

// --- panic scenario ---

var cleaned []int

func releaseSlot(i int) { cleaned = append(cleaned, i) }

// Nine defers: more than the eight the compiler open-codes, so each is a
// stack-allocated _defer record.
func handleOrder(id int) {
	defer releaseSlot(1)
	defer releaseSlot(2)
	defer releaseSlot(3)
	defer releaseSlot(4)
	defer releaseSlot(5)
	defer releaseSlot(6)
	defer releaseSlot(7)
	defer releaseSlot(8)
	defer releaseSlot(9)
	checkout(id)
}

//go:noinline
func checkout(id int) {
	defer writeDump() // open-coded: not in the dump's defer records
	reserve(id)
}

//go:noinline
func reserve(id int) {
	panic(fmt.Errorf("checkout order %d: inventory service unavailable", id))
}

func runPanic() {
	// Deferred in a loop: heap-allocated _defer records.
	for i := 0; i < 3; i++ {
		defer releaseSlot(100 + i)
	}
	handleOrder(4711)
}

// --- leak scenario ---

type subscriber struct {
	id      int
	updates chan string
}

func (s *subscriber) run(wg *sync.WaitGroup) {
	wg.Done()
	for u := range s.updates { // never closed: leaks
		_ = u
	}
}

func startSubscribers(n int) []*subscriber {
	var wg sync.WaitGroup
	subs := make([]*subscriber, n)
	for i := range subs {
		subs[i] = &subscriber{id: i, updates: make(chan string)}
		wg.Add(1)
		go subs[i].run(&wg)
	}
	wg.Wait()
	return subs
}

func runLeak(profilePath string) {
	subs := startSubscribers(100)
	runtime.GC()
	time.Sleep(50 * time.Millisecond) // let every subscriber park in chanrecv
	f, err := os.Create(profilePath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "create profile:", err)
		os.Exit(3)
	}
	pprof.Lookup("goroutine").WriteTo(f, 2)
	f.Close()
	writeDump()
	runtime.KeepAlive(subs)
}

func main() {
	debug.SetGCPercent(10)
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: heapdump-scenarios panic|leak DUMP [PROFILE]")
		os.Exit(3)
	}
	dumpPath = os.Args[2]
	switch os.Args[1] {
	case "panic":
		runPanic()
	case "leak":
		if len(os.Args) < 4 {
			os.Exit(3)
		}
		runLeak(os.Args[3])
	default:
		os.Exit(3)
	}
}
