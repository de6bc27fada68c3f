package main

// Scenarios debugstack, debugstack-all: the plainest recovery: a worker's
// deferred closure (main.(*Retrier).run.func1) logs with the standard log
// package and then writes a stack to stderr itself; the value is a string
// made by fmt.Sprintf in main.(*Retrier).do, called from
// main.(*Retrier).attempt.
//
// Expected output (stderr):
//   YYYY/MM/DD HH:MM:SS recovered: retry budget exhausted after 3 attempts (last error: connection refused)
//   goroutine N [running]:
//   runtime/debug.Stack() ...
//   main.(*Retrier).run.func1() ...                  <- recovered here
//   panic(...)
//   main.(*Retrier).do(...)                          <- raised here
//   debugstack:     os.Stderr.Write(debug.Stack()): the recovering goroutine.
//   debugstack-all: runtime.Stack(buf, true): every goroutine: the
//                   recovering one first ("goroutine N [running]:", its top
//                   frame main.(*Retrier).run.func1), then main waiting for
//                   it and four idle pool workers parked in
//                   main.(*Retrier).idle (chan receive).

import (
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/debug"
)

type Retrier struct {
	budget  int
	allGs   bool
	lastErr string
}

func (r *Retrier) do(op func() error) {
	for i := 0; i < r.budget; i++ {
		if err := op(); err == nil {
			return
		} else {
			r.lastErr = err.Error()
		}
	}
	panic(fmt.Sprintf("retry budget exhausted after %d attempts (last error: %s)", r.budget, r.lastErr))
}

func (r *Retrier) attempt(addr string) {
	r.do(func() error { return fmt.Errorf("connection refused") })
}

func (r *Retrier) run(done chan<- struct{}, addr string) {
	defer close(done)
	defer func() {
		if v := recover(); v != nil {
			log.Printf("recovered: %v", v)
			if r.allGs {
				buf := make([]byte, 1<<20)
				os.Stderr.Write(buf[:runtime.Stack(buf, true)])
			} else {
				os.Stderr.Write(debug.Stack())
			}
		}
	}()
	if r.allGs {
		// Let main park in <-done first, so that the dump shows it waiting.
		waitParked("main.runDebugStack", 1)
	}
	r.attempt(addr)
}

func (r *Retrier) idle(jobs <-chan string) {
	for j := range jobs {
		r.attempt(j)
	}
}

func runDebugStack(all bool) {
	r := &Retrier{budget: 3, allGs: all}
	if all {
		jobs := make(chan string)
		for i := 0; i < 4; i++ {
			go r.idle(jobs)
		}
		waitParked("main.(*Retrier).idle", 4)
	}
	done := make(chan struct{})
	go r.run(done, "10.0.0.7:5432")
	<-done
}

func scenarioDebugStack([]string)    { runDebugStack(false) }
func scenarioDebugStackAll([]string) { runDebugStack(true) }

func init() {
	register("debugstack", scenarioDebugStack)
	register("debugstack-all", scenarioDebugStackAll)
}
