package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// ---- leak-growth -------------------------------------------------------------
// A service that leaks one goroutine per request: each request is handled in
// its own goroutine, which waits for a backend reply that never comes (the
// backend dropped the request without replying). The program writes two
// `goroutine?debug=2` profiles to stdout, one after 50 requests and one after
// 200, for `crashctl diff` (its first and last report). Between the two:
//
//   - main.(*leakServer).awaitReply grows 50 -> 200 (the leak, chan receive);
//   - the server loop, the pool workers and the metrics loop stay the same;
//   - cache warmers shrink 6 -> 2 (four of them are released);
//   - the schema migration (blocked on a mutex) finishes and vanishes;
//   - a config watcher (select) appears.
//
// Before each profile the program waits until every goroutine is parked in
// its expected place (polling runtime.Stack), so the counts are exact.

func init() { register("leak-growth", scenarioLeakGrowth) }

type leakRequest struct {
	id    int
	reply chan string // nobody ever sends on it
}

type leakServer struct {
	requests chan *leakRequest
	jobs     chan func()
	quit     chan struct{}
	reload   chan struct{}
	schema   sync.Mutex
	handled  sync.WaitGroup
}

//go:noinline
func (s *leakServer) awaitReply(r *leakRequest) string {
	return <-r.reply // leak: the backend never replies and there is no timeout
}

//go:noinline
func (s *leakServer) handleRequest(r *leakRequest) {
	s.handled.Done()
	_ = s.awaitReply(r)
}

//go:noinline
func (s *leakServer) serve() {
	for r := range s.requests {
		go s.handleRequest(r)
	}
}

//go:noinline
func (s *leakServer) worker() {
	for {
		select {
		case job := <-s.jobs:
			job()
		case <-s.quit:
			return
		}
	}
}

//go:noinline
func metricsLoop() {
	for {
		time.Sleep(time.Hour)
	}
}

//go:noinline
func warmShard(gate <-chan struct{}) {
	<-gate
}

//go:noinline
func (s *leakServer) runMigration() {
	s.schema.Lock()
	defer s.schema.Unlock()
}

//go:noinline
func (s *leakServer) watchConfig() {
	for {
		select {
		case <-s.reload:
		case <-s.quit:
			return
		}
	}
}

// parkedKey names a goroutine of a runtime.Stack dump by its state and first
// main. frame.
func parkedKey(block string) string {
	header, rest, _ := strings.Cut(block, "\n")
	state := header
	if i := strings.Index(state, "["); i >= 0 {
		state = state[i+1:]
	}
	if i := strings.IndexAny(state, ",]"); i >= 0 {
		state = state[:i]
	}
	// go1.19 waits on a mutex in "semacquire"; a leak-detecting GC may
	// append " (leaked)".
	state = strings.TrimSuffix(state, " (leaked)")
	if state == "sync.Mutex.Lock" {
		state = "semacquire"
	}
	fn := "-"
	for _, line := range strings.Split(rest, "\n") {
		if strings.HasPrefix(line, "main.") {
			fn = line
			if i := strings.LastIndex(fn, "("); i > 0 {
				fn = fn[:i]
			}
			break
		}
	}
	return state + " " + fn
}

// waitParked polls until the goroutines other than the caller are exactly
// `want` (state and first main. frame -> count); it panics after 30 s.
//
//go:noinline
func waitParked(want map[string]int) {
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := runtime.Stack(buf, true)
		blocks := strings.Split(strings.TrimSpace(string(buf[:n])), "\n\n")
		got := map[string]int{}
		for _, b := range blocks[1:] { // blocks[0] is the caller
			got[parkedKey(b)]++
		}
		same := len(got) == len(want)
		for k, v := range want {
			same = same && got[k] == v
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			keys := make([]string, 0, len(got))
			for k := range got {
				keys = append(keys, fmt.Sprintf("%s=%d", k, got[k]))
			}
			sort.Strings(keys)
			panic("leak-growth: goroutines never settled: " + strings.Join(keys, ", "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

//go:noinline
func (s *leakServer) sendRequests(from, to int) {
	s.handled.Add(to - from)
	for i := from; i < to; i++ {
		s.requests <- &leakRequest{id: i, reply: make(chan string)}
	}
	s.handled.Wait()
}

//go:noinline
func writeProfile(label string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "leak-growth: goroutine profile %s\n", label)
	os.Stdout.Write(b.Bytes())
	dumpGoroutines()
}

func scenarioLeakGrowth() {
	s := &leakServer{
		requests: make(chan *leakRequest),
		jobs:     make(chan func()),
		quit:     make(chan struct{}),
		reload:   make(chan struct{}),
	}
	go s.serve()
	for i := 0; i < 4; i++ {
		go s.worker()
	}
	go metricsLoop()
	gates := make([]chan struct{}, 6)
	for i := range gates {
		gates[i] = make(chan struct{})
		go warmShard(gates[i])
	}
	s.schema.Lock() // held until after the first profile
	go s.runMigration()

	s.sendRequests(0, 50)
	waitParked(map[string]int{
		"chan receive main.(*leakServer).awaitReply": 50,
		"chan receive main.(*leakServer).serve":      1,
		"select main.(*leakServer).worker":           4,
		"sleep main.metricsLoop":                     1,
		"chan receive main.warmShard":                6,
		"semacquire main.(*leakServer).runMigration": 1,
	})
	writeProfile("after 50 requests")

	s.schema.Unlock()
	for _, g := range gates[:4] {
		close(g)
	}
	go s.watchConfig()
	s.sendRequests(50, 200)
	waitParked(map[string]int{
		"chan receive main.(*leakServer).awaitReply": 200,
		"chan receive main.(*leakServer).serve":      1,
		"select main.(*leakServer).worker":           4,
		"sleep main.metricsLoop":                     1,
		"chan receive main.warmShard":                2,
		"select main.(*leakServer).watchConfig":      1,
	})
	writeProfile("after 200 requests")
	os.Exit(0)
}
