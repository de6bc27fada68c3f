// Command gen starts ~2,000 goroutines parked in realistic ways and then
// panics, so that running it with GOTRACEBACK=all yields a real goroutine dump
// on stderr. bench/text_decoder.sh replicates that dump into a large input for
// crashctl's crash-text decoder. Standard library only; talks to loopback only.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

type job struct{ id int }

// --- chan receive: a worker pool ---------------------------------------------

func worker(id int, jobs <-chan job, results chan<- int) {
	for j := range jobs {
		results <- j.id * id
	}
}

func startWorkers(n int) {
	jobs := make(chan job)
	results := make(chan int)
	for i := 0; i < n; i++ {
		go worker(i, jobs, results)
	}
}

// --- select: event loops -------------------------------------------------------

type eventLoop struct {
	events chan string
	quit   chan struct{}
}

func (l *eventLoop) run(ctx context.Context) {
	for {
		select {
		case e := <-l.events:
			_ = e
		case <-l.quit:
			return
		case <-ctx.Done():
			return
		}
	}
}

func startEventLoops(ctx context.Context, n int) {
	for i := 0; i < n; i++ {
		l := &eventLoop{events: make(chan string), quit: make(chan struct{})}
		go l.run(ctx)
	}
}

// --- sync.Mutex.Lock: a cache whose lock is held by a stuck refresher ----------

type cache struct {
	mu   sync.Mutex
	data map[string]string
}

func (c *cache) Get(k string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.data[k]
}

func (c *cache) refresh(stuck <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	<-stuck // holds the lock forever
}

func handleLookup(c *cache, key string) string { return c.Get(key) }

func startCacheReaders(n int) {
	c := &cache{data: map[string]string{}}
	held := make(chan struct{})
	go func() {
		close(held)
		c.refresh(make(chan struct{}))
	}()
	<-held
	time.Sleep(10 * time.Millisecond)
	for i := 0; i < n; i++ {
		go handleLookup(c, fmt.Sprint("key", i))
	}
}

// --- sync.WaitGroup.Wait -------------------------------------------------------

func awaitShutdown(wg *sync.WaitGroup, name string) {
	wg.Wait()
	_ = name
}

func startShutdownWaiters(n int) {
	var wg sync.WaitGroup
	wg.Add(1) // never Done
	for i := 0; i < n; i++ {
		go awaitShutdown(&wg, "component")
	}
}

// --- sync.Cond.Wait ------------------------------------------------------------

type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func (q *queue) Pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

func startQueueConsumers(n int) {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	for i := 0; i < n; i++ {
		go func() { _ = q.Pop() }()
	}
}

// --- time.Sleep: retry loops created by closures -------------------------------

func backoffSleep(attempt int) {
	time.Sleep(time.Hour + time.Duration(attempt)*time.Millisecond)
}

func startSleepers(n int) {
	for i := 0; i < n; i++ {
		attempt := i
		go func() {
			for {
				backoffSleep(attempt)
			}
		}()
	}
}

// --- chan send / nil chan / empty select ---------------------------------------

func publish(out chan<- job, id int) { out <- job{id: id} }

func startPublishers(n int) {
	out := make(chan job)
	for i := 0; i < n; i++ {
		go publish(out, i)
	}
}

func waitNil(n int) {
	var never chan int
	for i := 0; i < n; i++ {
		go func() { <-never }()
	}
}

func parkForever(n int) {
	for i := 0; i < n; i++ {
		go func() { select {} }()
	}
}

// --- IO wait: loopback TCP server and os.Pipe readers --------------------------

func serveConn(conn net.Conn) {
	r := bufio.NewReader(conn)
	for {
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
	}
}

func acceptLoop(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go serveConn(conn)
	}
}

func clientReadLoop(conn net.Conn) {
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			return
		}
	}
}

func startLoopback(n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: listen:", err)
		return
	}
	go acceptLoop(ln)
	for i := 0; i < n; i++ {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen: dial:", err)
			return
		}
		go clientReadLoop(conn)
	}
}

func pipeReader(f *os.File) {
	buf := make([]byte, 64)
	for {
		if _, err := f.Read(buf); err != nil {
			return
		}
	}
}

func startPipeReaders(n int) {
	for i := 0; i < n; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen: pipe:", err)
			return
		}
		_ = w
		go pipeReader(r)
	}
}

// --- deep stacks: request handling through several layers, 5-20 frames ---------

type request struct {
	path  string
	depth int
	block int
	wait  chan struct{}
	mu    *sync.Mutex
}

func (r *request) park() {
	switch r.block % 4 {
	case 0:
		<-r.wait
	case 1:
		select {
		case <-r.wait:
		case <-time.After(24 * time.Hour):
		}
	case 2:
		r.mu.Lock()
	default:
		time.Sleep(time.Hour)
	}
}

func middlewareAuth(r *request, n int) {
	if n <= 0 {
		r.park()
		return
	}
	middlewareLog(r, n-1)
}

func middlewareLog(r *request, n int) {
	if n <= 0 {
		r.park()
		return
	}
	routerDispatch(r, n-1)
}

func routerDispatch(r *request, n int) {
	if n <= 0 {
		r.park()
		return
	}
	(&service{name: r.path}).handle(r, n-1)
}

type service struct{ name string }

func (s *service) handle(r *request, n int) {
	if n <= 0 {
		r.park()
		return
	}
	s.query(r, n-1)
}

func (s *service) query(r *request, n int) {
	if n <= 0 {
		r.park()
		return
	}
	func() {
		middlewareAuth(r, n-1)
	}()
}

func startDeepHandlers(n int) {
	locked := &sync.Mutex{}
	locked.Lock()
	shared := make(chan struct{})
	for i := 0; i < n; i++ {
		r := &request{path: "/api/v1/items", depth: 3 + i%16, block: i, wait: shared, mu: locked}
		go func() { middlewareAuth(r, r.depth) }()
	}
}

// --- the crash -------------------------------------------------------------------

type order struct{ items []int }

func validateOrder(o *order, idx int) int { return o.items[idx] }

func processBatch(orders []*order) int {
	total := 0
	for i, o := range orders {
		total += validateOrder(o, i+3)
	}
	return total
}

func main() {
	ctx := context.Background()
	before := runtime.NumGoroutine()
	// GEN_SCALE multiplies every kind but the loopback and pipe readers, whose
	// file descriptors are limited: bench/text_decoder.sh uses it for a
	// GOTRACEBACK=system dump of a few hundred thousand goroutines.
	k := 1
	if s := os.Getenv("GEN_SCALE"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			k = v
		}
	}
	// The mix is tuned so that the average goroutine block is ~400 bytes: many
	// shallow pool goroutines, fewer deep request handlers and netpoll waiters.
	startWorkers(900 * k)
	startEventLoops(ctx, 300*k)
	startCacheReaders(100 * k) // +1 lock holder
	startShutdownWaiters(100 * k)
	startQueueConsumers(50 * k)
	startSleepers(150 * k)
	startPublishers(60 * k)
	waitNil(20 * k)
	parkForever(10 * k)
	startLoopback(60) // 60 client readers + 60 server readers + 1 accept loop
	startPipeReaders(30)
	startDeepHandlers(180 * k)
	want := before + (900+300+100+100+50+150+60+20+10+180)*k + 1 + 121 + 30
	for deadline := time.Now().Add(5 * time.Duration(k) * time.Second); runtime.NumGoroutine() < want && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let every goroutine park
	fmt.Println(processBatch([]*order{{items: []int{1, 2}}}))
}
