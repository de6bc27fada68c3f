// A server-shaped program with N goroutines parked in a few places (channel
// receives, a mutex, a WaitGroup, select), some with pending defers, that
// then dies of a nil pointer dereference so that GOTRACEBACK=crash writes a
// core. Used by bench/core.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
)

var (
	never   = make(chan struct{})
	mu      sync.Mutex
	started sync.WaitGroup
	forever sync.WaitGroup
)

type conn struct{ id int }

//go:noinline
func (c *conn) close() { c.id = -1 }

//go:noinline
func serve(c *conn) {
	defer c.close()
	started.Done()
	<-never
}

//go:noinline
func lockWorker() {
	started.Done()
	mu.Lock()
}

//go:noinline
func waiter() {
	defer func() {
		if r := recover(); r != nil {
			fmt.Println(r)
		}
	}()
	started.Done()
	forever.Wait()
}

//go:noinline
func poller(tick chan int) {
	started.Done()
	select {
	case <-never:
	case <-tick:
	}
}

type config struct{ limit int }

//go:noinline
func crash(c *config) int { return c.limit }

func main() {
	n := flag.Int("n", 100000, "goroutines")
	flag.Parse()
	mu.Lock()
	forever.Add(1)
	tick := make(chan int)
	started.Add(*n)
	for i := 0; i < *n; i++ {
		switch i % 4 {
		case 0:
			go serve(&conn{id: i})
		case 1:
			go lockWorker()
		case 2:
			go waiter()
		default:
			go poller(tick)
		}
	}
	started.Wait()
	fmt.Fprintln(os.Stderr, "ready")
	crash(nil)
}
