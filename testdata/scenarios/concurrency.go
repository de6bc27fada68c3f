package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Channel misuse, unsynchronised map writes, deadlocks, mutex misuse and
// thread exhaustion.

func init() {
	register("closed-chan-send", scenarioClosedChanSend)
	register("closed-chan-close", scenarioClosedChanClose)
	register("concurrent-map", scenarioConcurrentMap)
	register("deadlock", scenarioDeadlock)
	register("goexit-deadlock", scenarioGoexitDeadlock)
	register("unlock-unlocked", scenarioUnlockUnlocked)
	register("thread-limit", scenarioThreadLimit)
}

// ---- closed-chan-send / closed-chan-close ---------------------------------

type Queue struct {
	name string
	ch   chan int
}

//go:noinline
func (q *Queue) push(v int) {
	q.ch <- v
}

//go:noinline
func (q *Queue) shutdown() {
	close(q.ch)
}

//go:noinline
func publishEvents(q *Queue, events []int) {
	for _, e := range events {
		q.push(e)
	}
}

//go:noinline
func stopWorkers(qs []*Queue) {
	for _, q := range qs {
		q.shutdown()
	}
}

func scenarioClosedChanSend() {
	q := &Queue{name: "events", ch: make(chan int, 8)}
	publishEvents(q, []int{1, 2})
	q.shutdown()
	publishEvents(q, []int{3})
}

func scenarioClosedChanClose() {
	q := &Queue{name: "events", ch: make(chan int, 8)}
	stopWorkers([]*Queue{q, q}) // the same queue twice
}

// ---- concurrent-map -------------------------------------------------------

type Stats struct {
	counts map[string]int
}

//go:noinline
func (s *Stats) record(key string) {
	s.counts[key]++
}

//go:noinline
func recordLoop(s *Stats, prefix string) {
	for i := 0; ; i++ {
		s.record(prefix + strconv.Itoa(i%64))
	}
}

func scenarioConcurrentMap() {
	s := &Stats{counts: make(map[string]int)}
	var wg sync.WaitGroup
	wg.Add(2)
	go recordLoop(s, "get:")
	go recordLoop(s, "put:")
	wg.Wait() // never returns: the map writes crash the process
}

// ---- deadlock -------------------------------------------------------------

type ConnPool struct {
	mu    sync.Mutex
	conns []int
}

//go:noinline
func (p *ConnPool) acquire() int {
	p.mu.Lock() // held by waitForWorkers' caller forever
	defer p.mu.Unlock()
	return len(p.conns)
}

//go:noinline
func consumeResults(results <-chan int) {
	total := 0
	for r := range results { // never closed
		total += r
	}
	fmt.Println(total)
}

//go:noinline
func waitForWorkers(done <-chan struct{}) {
	<-done // nobody ever sends
}

func scenarioDeadlock() {
	pool := &ConnPool{}
	pool.mu.Lock()
	results := make(chan int)
	done := make(chan struct{})
	go pool.acquire()
	go consumeResults(results)
	waitForWorkers(done)
}

// ---- goexit-deadlock ------------------------------------------------------

//go:noinline
func flushLogs(wg *sync.WaitGroup) {
	defer wg.Done()
	fmt.Fprintln(os.Stderr, "flushing logs")
}

//go:noinline
func finishMain() {
	var wg sync.WaitGroup
	wg.Add(1)
	go flushLogs(&wg)
	wg.Wait()
	runtime.Goexit() // main goroutine exits; nothing is left to run
}

func scenarioGoexitDeadlock() {
	finishMain()
}

// ---- unlock-unlocked ------------------------------------------------------

type Session struct {
	mu   sync.Mutex
	open bool
}

//go:noinline
func (s *Session) release() {
	s.mu.Unlock()
}

//go:noinline
func closeSession(s *Session) {
	s.open = false
	s.release() // never locked
}

func scenarioUnlockUnlocked() {
	closeSession(&Session{open: true})
}

// ---- thread-limit ---------------------------------------------------------

//go:noinline
func blockingReader(fd int, started chan<- struct{}) {
	runtime.LockOSThread()
	started <- struct{}{}
	var buf [1]byte
	syscall.Read(fd, buf[:]) // blocks in the kernel, pinning a thread
}

//go:noinline
func spawnReaders(n int) {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	started := make(chan struct{})
	for i := 0; i < n; i++ {
		go blockingReader(fds[0], started)
		<-started
	}
}

func scenarioThreadLimit() {
	debug.SetMaxThreads(12)
	spawnReaders(32)
	time.Sleep(5 * time.Second)
}
