// Command busy imitates a busy server for bench/text_decoder.sh: a few hundred
// distinct HTTP-style handlers (handlers_gen.go, written by ./gen at benchmark
// time) run through varied middleware chains into services that block in every
// common way, with varied arguments. Half the goroutines start, the program
// waits past a minute so that their wait reasons carry "N minutes", the rest
// start, and the program sends itself SIGQUIT. Run with GOTRACEBACK=system for
// a dump in which every frame carries fp= sp= pc=, so no two goroutines' text
// is the same. Standard library only; talks to loopback only.
package main

import (
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type request struct {
	method string
	path   string
	user   int64
	trace  uint64
	body   []byte
}

type response struct {
	status int
	header map[string]string
}

// blockers is every way a service call parks; each service method uses one.
type blockers struct {
	never   chan int
	full    chan int
	mu      sync.Mutex
	rw      sync.RWMutex
	cond    *sync.Cond
	wg      sync.WaitGroup
	conns   []net.Conn
	connsMu sync.Mutex
	next    int
}

var park = newBlockers()

func newBlockers() *blockers {
	b := &blockers{never: make(chan int), full: make(chan int)}
	b.cond = sync.NewCond(&sync.Mutex{})
	b.mu.Lock()
	b.rw.Lock()
	b.wg.Add(1)
	return b
}

// block parks the calling goroutine the way kind says; it never returns.
func block(kind int, key int64) {
	switch kind % 9 {
	case 0:
		<-park.never
	case 1:
		park.full <- int(key)
	case 2:
		select {
		case <-park.never:
		case park.full <- 1:
		}
	case 3:
		park.mu.Lock()
	case 4:
		park.rw.RLock()
	case 5:
		park.cond.L.Lock()
		park.cond.Wait()
	case 6:
		park.wg.Wait()
	case 7:
		time.Sleep(time.Hour + time.Duration(key))
	case 8:
		if c := park.conn(); c != nil {
			buf := make([]byte, 16)
			c.Read(buf)
		}
		<-park.never
	}
}

// conn hands out one end of a loopback connection, a few hundred in all, so
// that some goroutines wait in the netpoller ("IO wait").
func (b *blockers) conn() net.Conn {
	b.connsMu.Lock()
	defer b.connsMu.Unlock()
	if len(b.conns) == 0 {
		return nil
	}
	b.next++
	return b.conns[b.next%len(b.conns)]
}

func listenLoopback(n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			park.connsMu.Lock()
			park.conns = append(park.conns, c)
			park.connsMu.Unlock()
		}
	}()
	for i := 0; i < n; i++ {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			park.connsMu.Lock()
			park.conns = append(park.conns, c)
			park.connsMu.Unlock()
		}
	}
}

func serveWave(from, to int, done *sync.WaitGroup) {
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	for i := from; i < to; i++ {
		r := &request{
			method: methods[i%len(methods)],
			path:   "/api/v" + strconv.Itoa(1+i%3) + "/" + handlerNames[i%len(handlers)],
			user:   int64(i*7919) % 100003,
			trace:  uint64(i) * 0x9e3779b97f4a7c15,
			body:   make([]byte, i%64),
		}
		w := &response{status: 200}
		h := handlers[i%len(handlers)]
		done.Add(1)
		go func() {
			done.Done()
			h(w, r)
		}()
	}
}

func main() {
	n := 100000
	if s := os.Getenv("BUSY_GOROUTINES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	wait := 61 * time.Second
	if s := os.Getenv("BUSY_WAIT"); s != "" {
		wait, _ = time.ParseDuration(s)
	}
	listenLoopback(200)
	var started sync.WaitGroup
	serveWave(0, n/2, &started)
	started.Wait()
	time.Sleep(wait)
	serveWave(n/2, n, &started)
	started.Wait()
	for runtime.NumGoroutine() < n {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // let the second wave park
	syscall.Kill(os.Getpid(), syscall.SIGQUIT)
	time.Sleep(time.Minute)
}
