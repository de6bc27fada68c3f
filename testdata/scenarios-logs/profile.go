package main

// Scenario goroutine-profile DIR: goroutine profiles of a program with ~50
// goroutines parked in a few distinct places, written into DIR:
//   profile-debug1.a.txt    pprof.Lookup("goroutine").WriteTo(w, 1)  (text)
//   profile-debug0.a.pb.gz  pprof.Lookup("goroutine").WriteTo(w, 0)  (gzip-compressed profile.proto)
//   profile-debug1.b.txt, profile-debug0.b.pb.gz: the same, taken later,
//   after the leaking group grew.
// Groups (every goroutine has parked before each profile is taken):
//   main.(*ConnPool).acquire   chan receive, started under
//                              pprof.Do(labels "handler"="/orders"):
//                              20 in a, 45 in b (the leak: requests that
//                              never get a connection)
//   main.(*JobQueue).worker    select, no labels: 10
//   main.(*LedgerBook).append  sync.Mutex.Lock (main holds the lock), under
//                              labels "handler"="/ledger", "tenant"="acme": 12
//   main.(*Cache).waitFresh    sync.Cond.Wait, no labels: 8
// plus main (running, in pprof's writer) and whatever goroutines the
// linked libraries start at init.
// debug=1 text: "goroutine profile: total N", then "COUNT @ PC PC ..."
// groups with "# labels: {...}" and "#\tPC\tFUNC+OFF\tFILE:LINE" lines.

import (
	"context"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
)

type ConnPool struct {
	free chan struct{}
}

func (p *ConnPool) acquire() {
	<-p.free // nothing is ever released
}

func handleOrdersRequest(p *ConnPool) {
	pprof.Do(context.Background(), pprof.Labels("handler", "/orders"), func(context.Context) {
		p.acquire()
	})
}

type JobQueue struct {
	jobs chan func()
	quit chan struct{}
}

func (q *JobQueue) worker() {
	for {
		select {
		case j := <-q.jobs:
			j()
		case <-q.quit:
			return
		}
	}
}

// LedgerBook (Ledger is taken by the chi scenario).
type LedgerBook struct {
	mu      sync.Mutex
	entries []int
}

func (l *LedgerBook) append(v int) {
	l.mu.Lock()
	l.entries = append(l.entries, v)
	l.mu.Unlock()
}

type Cache struct {
	mu    sync.Mutex
	cond  *sync.Cond
	fresh bool
}

func (c *Cache) waitFresh() {
	c.mu.Lock()
	for !c.fresh {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

func writeProfiles(dir, tag string) {
	for _, d := range []struct {
		debug int
		name  string
	}{{1, "profile-debug1." + tag + ".txt"}, {0, "profile-debug0." + tag + ".pb.gz"}} {
		f, err := os.Create(filepath.Join(dir, d.name))
		if err != nil {
			fail("%v", err)
		}
		if err := pprof.Lookup("goroutine").WriteTo(f, d.debug); err != nil {
			fail("%v", err)
		}
		if err := f.Close(); err != nil {
			fail("%v", err)
		}
	}
}

func scenarioGoroutineProfile(args []string) {
	if len(args) != 1 {
		fail("usage: goroutine-profile DIR")
	}
	dir := args[0]

	pool := &ConnPool{free: make(chan struct{})}
	for i := 0; i < 20; i++ {
		go handleOrdersRequest(pool)
	}
	q := &JobQueue{jobs: make(chan func()), quit: make(chan struct{})}
	for i := 0; i < 10; i++ {
		go q.worker()
	}
	led := &LedgerBook{}
	led.mu.Lock()
	for i := 0; i < 12; i++ {
		go pprof.Do(context.Background(), pprof.Labels("handler", "/ledger", "tenant", "acme"), func(context.Context) {
			led.append(i)
		})
	}
	c := &Cache{}
	c.cond = sync.NewCond(&c.mu)
	for i := 0; i < 8; i++ {
		go c.waitFresh()
	}
	waitParked("main.(*ConnPool).acquire", 20)
	waitParked("main.(*JobQueue).worker", 10)
	waitParked("main.(*LedgerBook).append", 12)
	waitParked("main.(*Cache).waitFresh", 8)
	writeProfiles(dir, "a")

	// 25 more requests that never get a connection.
	for i := 0; i < 25; i++ {
		go handleOrdersRequest(pool)
	}
	waitParked("main.(*ConnPool).acquire", 45)
	writeProfiles(dir, "b")
}

func init() {
	register("goroutine-profile", scenarioGoroutineProfile)
}
