package main

import (
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Helpers that park goroutines in the usual blocking states so that
// all-goroutine dumps (GOTRACEBACK=all, SIGQUIT, pprof debug=2) have
// realistic content: channel receive, select, sync.Mutex, sync.WaitGroup,
// network/pipe IO wait, sleep, and a goroutine locked to its OS thread.

type blockerCounts struct {
	chanRecv, selects, mutex, waitGroup, ioWait, sleep, lockedThread int
}

// Store is shared by the goroutines waiting on its mutex.
type Store struct {
	mu   sync.Mutex
	rows map[string]string
}

//go:noinline
func (s *Store) update(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows[key] = value
}

//go:noinline
func waitForJob(jobs <-chan string) {
	for j := range jobs {
		_ = j
	}
}

//go:noinline
func pollEvents(events <-chan int, quit <-chan struct{}) {
	for {
		select {
		case <-events:
		case <-quit:
			return
		}
	}
}

//go:noinline
func awaitShutdown(wg *sync.WaitGroup) {
	wg.Wait()
}

//go:noinline
func readPipe(r *os.File) {
	buf := make([]byte, 512)
	for {
		if _, err := r.Read(buf); err != nil {
			return
		}
	}
}

//go:noinline
func backoffSleep(attempt int) {
	time.Sleep(time.Duration(attempt+1) * time.Hour)
}

//go:noinline
func pinnedWorker(fd int) {
	runtime.LockOSThread()
	var b [1]byte
	syscall.Read(fd, b[:]) // blocking read on a blocking pipe
}

// parkedGoroutines keeps references so nothing is collected or closed.
var parkedGoroutines struct {
	store    *Store
	jobs     chan string
	events   chan int
	quit     chan struct{}
	shutdown *sync.WaitGroup
	pipeW    []*os.File
	rawPipe  [2]int
}

//go:noinline
func startBlockers(c blockerCounts) {
	p := &parkedGoroutines
	p.store = &Store{rows: map[string]string{}}
	p.jobs = make(chan string)
	p.events = make(chan int)
	p.quit = make(chan struct{})
	p.shutdown = &sync.WaitGroup{}
	p.shutdown.Add(1)
	p.store.mu.Lock() // never unlocked: every update blocks

	for i := 0; i < c.chanRecv; i++ {
		go waitForJob(p.jobs)
	}
	for i := 0; i < c.selects; i++ {
		go pollEvents(p.events, p.quit)
	}
	for i := 0; i < c.mutex; i++ {
		go p.store.update("k", "v")
	}
	for i := 0; i < c.waitGroup; i++ {
		go awaitShutdown(p.shutdown)
	}
	for i := 0; i < c.ioWait; i++ {
		// one pipe per reader: readers sharing an *os.File would queue on
		// its read lock (semacquire) instead of waiting in the netpoller
		r, w, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		p.pipeW = append(p.pipeW, w)
		go readPipe(r)
	}
	for i := 0; i < c.sleep; i++ {
		go backoffSleep(i)
	}
	if c.lockedThread > 0 {
		if err := syscall.Pipe(p.rawPipe[:]); err != nil {
			panic(err)
		}
		for i := 0; i < c.lockedThread; i++ {
			go pinnedWorker(p.rawPipe[0])
		}
	}
	settle()
}

// settle gives the new goroutines time to run until they block.
func settle() {
	for i := 0; i < 20; i++ {
		runtime.Gosched()
	}
	time.Sleep(300 * time.Millisecond)
}
