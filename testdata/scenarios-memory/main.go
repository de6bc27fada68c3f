// Command scenarios-memory holds heap memory in places whose owners are known,
// prints what the runtime says each owner costs, then dies with a core or
// writes a heap dump. It is the ground truth for crashctl's memory analysis
// (issue 15: who holds the heap); see ../generate-memory.sh and
// ../../tests/live_memory_test.sh.
//
//	scenarios-memory SCENARIO
//
// Scenarios (argv[1]) and the owners they create, at the default scale:
//
//	global-map    main.cache   (global) map[string][]uint8, 3072 values of 1024 bytes (3 MiB)
//	stack-slice   batch        (stack)  [][]uint8 local of main.holdBatch in a parked
//	                                    goroutine, 512 slices of 4096 bytes (2 MiB)
//	chan-buffer   main.queue   (global) chan []uint8, buffered, 3072 slices of 512 bytes (1.5 MiB)
//	tree          main.index   (global) *main.Tree, a balanced binary tree of 3640
//	                                    nodes (48 bytes), each with a 240-byte payload (~1 MiB)
//	global-slice  main.blobs   (global) [][]uint8, 64 slices of 8192 bytes (0.5 MiB)
//	all           all five at once: 3, 2, 1.5, 1 and 0.5 MiB, so that a tool
//	              has to tell them apart
//	oom           the five of all, then main.hoard (global) [][]uint8 grows by
//	              64 KiB slices until the runtime cannot get more memory
//	              (run it under `ulimit -v`): fatal error: out of memory
//
// Environment:
//
//	CRASHCTL_MEMORY_SCALE  multiplies every owner's bytes (default 1; 8 gives a
//	                       64 MiB heap, 200 about 1.6 GiB)
//	CRASHCTL_MEMORY_ELEM   element size in bytes for every owner (default: the
//	                       sizes above; smaller elements give more objects)
//	CRASHCTL_HEAPDUMP      when set, write a heap dump (runtime/debug.WriteHeapDump)
//	                       to this file and exit 0 instead of panicking
//
// Without CRASHCTL_HEAPDUMP the scenario panics (explicit panic in
// main.crashNow): run it with GOTRACEBACK=crash and `ulimit -c unlimited` for
// a core.
//
// What it prints: before it crashes or dumps, one line on stderr
//
//	crashctl-memory: {"scenario":..., "heap_alloc":N, "heap_objects":N, "owners":[...]}
//
// heap_alloc and heap_objects are runtime.MemStats.HeapAlloc and HeapObjects
// after two runtime.GC() calls, with every owner allocated and nothing else
// left but the runtime's and the program's own small allocations. Each owner
// is
//
//	{"owner": "main.cache", "kind": "global", "type": "map[string][]uint8",
//	 "bytes": D, "objects": O, "elements": N, "element_bytes": E}
//
// where D and O are the HeapAlloc and HeapObjects deltas measured around
// allocating that owner alone (two runtime.GC() before, two after), so they
// include everything the owner keeps alive (map buckets, key strings,
// channel buffer, tree nodes, backing arrays). A stack owner has "kind":
// "stack", "function", "variable" (the local's name in the source and in
// DWARF) and "goroutine" (the id runtime.Stack printed for that goroutine).
// The oom scenario prints such a line after every 4 MiB step of main.hoard
// (with "step"); the last one printed is at most one step behind the crash.
//
// Every byte of the owners' []uint8 elements is a repeating, non-zero ASCII
// pattern naming the owner ("main.cache "), so a core compresses well and a
// hexdump shows whose bytes they are. No element holds anything that looks
// like a pointer.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

const mib = 1 << 20

// The owners. Package-level variables are data/BSS roots named by their
// symbols (main.cache, ...).
var (
	cache map[string][]byte
	queue chan []byte
	index *Tree
	blobs [][]byte
	hoard [][]byte
)

// Tree is a binary tree whose nodes each hold a payload: the root is a
// global, everything else is reached through struct fields.
type Tree struct {
	Left, Right *Tree
	ID          int
	Payload     []byte
}

// never is a channel nobody sends on or closes: receiving from it parks a
// goroutine forever ("chan receive").
var never = make(chan struct{})

// owner is one line of the owners array.
type owner struct {
	name, kind, typ    string
	function, variable string // stack owners
	goroutine          int64  // stack owners
	bytes, objects     int64
	elements, elemSize int
}

var (
	scale      = 1.0
	elemSize   = 0 // 0: each owner's default
	owners     []*owner
	goroutines int              // goroutines started that must be parked before the end
	stats      runtime.MemStats // global, so that reading it allocates nothing
)

func main() {
	if len(os.Args) != 2 {
		usage()
	}
	if s := os.Getenv("CRASHCTL_MEMORY_SCALE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 {
			fail("CRASHCTL_MEMORY_SCALE must be a positive number, not " + strconv.Quote(s))
		}
		scale = f
	}
	if s := os.Getenv("CRASHCTL_MEMORY_ELEM"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fail("CRASHCTL_MEMORY_ELEM must be a positive integer, not " + strconv.Quote(s))
		}
		elemSize = n
	}
	scenario := os.Args[1]
	switch scenario {
	case "global-map":
		ownMap(3 * mib)
	case "stack-slice":
		ownStack(2 * mib)
	case "chan-buffer":
		ownChan(3 * mib / 2)
	case "tree":
		ownTree(1 * mib)
	case "global-slice":
		ownSlice(mib / 2)
	case "all", "oom":
		ownMap(3 * mib)
		ownStack(2 * mib)
		ownChan(3 * mib / 2)
		ownTree(1 * mib)
		ownSlice(mib / 2)
	default:
		usage()
	}
	if scenario == "oom" {
		growHoard() // never returns
	}
	waitParked(goroutines)
	report(scenario, -1)
	finish(scenario)
}

func usage() {
	os.Stderr.WriteString("usage: scenarios-memory global-map|stack-slice|chan-buffer|tree|global-slice|all|oom\n")
	os.Exit(64)
}

func fail(msg string) {
	os.Stderr.WriteString("scenarios-memory: " + msg + "\n")
	os.Exit(70)
}

// count is how many elements of size elem make up bytes at the current scale.
func count(bytes, elem int) int {
	n := int(float64(bytes) * scale / float64(elem))
	if n < 1 {
		n = 1
	}
	return n
}

func elemOr(def int) int {
	if elemSize > 0 {
		return elemSize
	}
	return def
}

// fill writes the repeating pattern into b.
func fill(b []byte, pattern string) []byte {
	n := copy(b, pattern)
	for n < len(b) {
		n += copy(b[n:], b[:n])
	}
	return b
}

// settle collects twice (the second cycle frees what the first one's
// finalizers and sweeping left) and reads the memory statistics.
func settle() (heapAlloc, heapObjects int64) {
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&stats)
	return int64(stats.HeapAlloc), int64(stats.HeapObjects)
}

// measure records, in o, the heap the allocation alloc keeps alive.
func measure(o *owner, alloc func()) {
	b0, o0 := settle()
	alloc()
	b1, o1 := settle()
	o.bytes, o.objects = b1-b0, o1-o0
	owners = append(owners, o)
}

func ownMap(bytes int) {
	elem := elemOr(1024)
	n := count(bytes, elem)
	o := &owner{name: "main.cache", kind: "global", typ: "map[string][]uint8", elements: n, elemSize: elem}
	measure(o, func() {
		cache = make(map[string][]byte, n)
		for i := 0; i < n; i++ {
			cache["k"+strconv.Itoa(i)] = fill(make([]byte, elem), "main.cache ")
		}
	})
}

func ownChan(bytes int) {
	elem := elemOr(512)
	n := count(bytes, elem)
	o := &owner{name: "main.queue", kind: "global", typ: "chan []uint8", elements: n, elemSize: elem}
	measure(o, func() {
		queue = make(chan []byte, n)
		for i := 0; i < n; i++ {
			queue <- fill(make([]byte, elem), "main.queue ")
		}
	})
}

func ownSlice(bytes int) {
	elem := elemOr(8192)
	n := count(bytes, elem)
	o := &owner{name: "main.blobs", kind: "global", typ: "[][]uint8", elements: n, elemSize: elem}
	measure(o, func() {
		blobs = make([][]byte, n)
		for i := range blobs {
			blobs[i] = fill(make([]byte, elem), "main.blobs ")
		}
	})
}

// ownTree builds a balanced tree: each node is a 48-byte Tree plus its
// payload (240 bytes by default, so 288 bytes a node).
func ownTree(bytes int) {
	elem := elemOr(240)
	n := count(bytes, elem+48)
	o := &owner{name: "main.index", kind: "global", typ: "*main.Tree", elements: n, elemSize: elem}
	measure(o, func() { index = buildTree(0, n, elem) })
}

func buildTree(lo, hi, elem int) *Tree {
	if lo >= hi {
		return nil
	}
	mid := lo + (hi-lo)/2
	return &Tree{
		ID:      mid,
		Payload: fill(make([]byte, elem), "main.index "),
		Left:    buildTree(lo, mid, elem),
		Right:   buildTree(mid+1, hi, elem),
	}
}

// ownStack starts a goroutine whose local variable batch holds the bytes,
// and waits until it has parked for good.
func ownStack(bytes int) {
	elem := elemOr(4096)
	n := count(bytes, elem)
	o := &owner{name: "main.holdBatch.batch", kind: "stack", typ: "[][]uint8",
		function: "main.holdBatch", variable: "batch", elements: n, elemSize: elem}
	ready := make(chan int64, 1)
	measure(o, func() {
		go holdBatch(n, elem, ready)
		goroutines++
		o.goroutine = <-ready
		waitParked(goroutines)
	})
}

// holdBatch allocates batch, says which goroutine it is, and parks forever on
// never. batch is used after the receive, so it is live in the frame (a
// stack slot of holdBatch, named batch in DWARF) while the goroutine waits.
//
//go:noinline
func holdBatch(n, elem int, ready chan<- int64) {
	batch := make([][]byte, n)
	for i := range batch {
		batch[i] = fill(make([]byte, elem), "main.holdBatch.batch ")
	}
	ready <- currentGoroutine()
	<-never
	runtime.KeepAlive(batch)
}

// currentGoroutine parses the id from runtime.Stack's first line,
// "goroutine 18 [running]:".
//
//go:noinline
func currentGoroutine() int64 {
	var buf [64]byte
	line := string(buf[:runtime.Stack(buf[:], false)])
	line = strings.TrimPrefix(line, "goroutine ")
	if i := strings.IndexByte(line, ' '); i > 0 {
		if id, err := strconv.ParseInt(line[:i], 10, 64); err == nil {
			return id
		}
	}
	fail("cannot parse the goroutine id from " + strconv.Quote(line))
	return 0
}

// growHoard is the oom scenario: with the collector off, main.hoard grows by
// 64 KiB slices until the heap cannot grow and the runtime throws. After
// every 4 MiB it prints the figures (the line a test reads is the last one).
func growHoard() {
	debug.SetGCPercent(-1)
	waitParked(goroutines)
	const elem = 64 << 10
	const step = 64 // slices per 4 MiB step
	o := &owner{name: "main.hoard", kind: "global", typ: "[][]uint8", elemSize: elem}
	owners = append(owners, o)
	b0, o0 := settle()
	// room for 4 GiB: appending never reallocates (which would leave the old
	// array as garbage in the core), and the limit comes first
	hoard = make([][]byte, 0, 1<<16)
	for s := 1; ; s++ {
		for i := 0; i < step; i++ {
			if len(hoard) == cap(hoard) {
				fail("main.hoard reached 4 GiB without running out of memory: run it under ulimit -v")
			}
			hoard = append(hoard, fill(make([]byte, elem), "main.hoard "))
		}
		b1, o1 := settle()
		o.bytes, o.objects, o.elements = b1-b0, o1-o0, len(hoard)
		report("oom", s)
	}
}

// report prints the crashctl-memory line (step >= 0: a step of the oom
// scenario).
func report(scenario string, step int) {
	heapAlloc, heapObjects := settle()
	var b strings.Builder
	b.WriteString("crashctl-memory: {")
	str(&b, "scenario", scenario)
	b.WriteByte(',')
	str(&b, "go_version", runtime.Version())
	b.WriteByte(',')
	num(&b, "gomaxprocs", int64(runtime.GOMAXPROCS(0)))
	b.WriteString(`,"scale":` + strconv.FormatFloat(scale, 'g', -1, 64) + ",")
	if step >= 0 {
		num(&b, "step", int64(step))
		b.WriteByte(',')
	}
	num(&b, "heap_alloc", heapAlloc)
	b.WriteByte(',')
	num(&b, "heap_objects", heapObjects)
	b.WriteString(`,"owners":[`)
	for i, o := range owners {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		str(&b, "owner", o.name)
		b.WriteByte(',')
		str(&b, "kind", o.kind)
		b.WriteByte(',')
		str(&b, "type", o.typ)
		if o.kind == "stack" {
			b.WriteByte(',')
			num(&b, "goroutine", o.goroutine)
			b.WriteByte(',')
			str(&b, "function", o.function)
			b.WriteByte(',')
			str(&b, "variable", o.variable)
		}
		b.WriteByte(',')
		num(&b, "bytes", o.bytes)
		b.WriteByte(',')
		num(&b, "objects", o.objects)
		b.WriteByte(',')
		num(&b, "elements", int64(o.elements))
		b.WriteByte(',')
		num(&b, "element_bytes", int64(o.elemSize))
		b.WriteByte('}')
	}
	b.WriteString("]}\n")
	os.Stderr.WriteString(b.String())
}

func str(b *strings.Builder, k, v string) { b.WriteString(strconv.Quote(k) + ":" + strconv.Quote(v)) }
func num(b *strings.Builder, k string, v int64) {
	b.WriteString(strconv.Quote(k) + ":" + strconv.FormatInt(v, 10))
}

// finish writes the heap dump, or crashes for a core. Either way the
// garbage of the report line is collected first, so that what the core or
// dump holds is what the line describes.
func finish(scenario string) {
	if path := os.Getenv("CRASHCTL_HEAPDUMP"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fail("create heap dump: " + err.Error())
		}
		runtime.GC()
		debug.WriteHeapDump(f.Fd())
		if err := f.Close(); err != nil {
			fail("close heap dump: " + err.Error())
		}
		os.Exit(0)
	}
	runtime.GC()
	crashNow(scenario)
}

//go:noinline
func crashNow(scenario string) {
	panic("scenarios-memory " + scenario + ": crashing with the heap held")
}

// waitParked returns once at least want goroutines running the program's
// own code are blocked (any wait state other than running, runnable or
// syscall), as read from runtime.Stack(all), so that the state in the core
// does not depend on timing.
func waitParked(want int) {
	if want == 0 {
		return
	}
	buf := make([]byte, 1<<20)
	for i := 0; ; i++ {
		n := runtime.Stack(buf, true)
		if countParked(string(buf[:n])) >= want {
			return
		}
		if i > 20000 {
			fail("fewer than " + strconv.Itoa(want) + " goroutines parked")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func countParked(dump string) int {
	parked := 0
	for _, block := range strings.Split(dump, "\n\n") {
		if !strings.HasPrefix(block, "goroutine ") {
			continue
		}
		open := strings.IndexByte(block, '[')
		if open < 0 {
			continue
		}
		state := block[open+1:]
		if strings.HasPrefix(state, "running") || strings.HasPrefix(state, "runnable") ||
			strings.HasPrefix(state, "syscall") {
			continue
		}
		if strings.Contains(block, "\nmain.") || strings.Contains(block, "created by main.") {
			parked++
		}
	}
	return parked
}
