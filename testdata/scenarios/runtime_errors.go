package main

import (
	"fmt"
	"os"
	"strings"
)

// Runtime errors raised by the Go runtime on behalf of user code
// (nil dereference, bounds checks, nil map writes, failed type assertions,
// integer division by zero, bad make arguments).

func init() {
	register("nil-deref", scenarioNilDeref)
	register("index", scenarioIndex)
	register("slice-bounds", scenarioSliceBounds)
	register("nil-map", scenarioNilMap)
	register("type-assert", scenarioTypeAssert)
	register("divide", scenarioDivide)
	register("runtime-error-other", scenarioMakeSlice)
}

// ---- nil-deref ------------------------------------------------------------

type cacheEntry struct {
	value   string
	expires int64
}

type Cache struct {
	name    string
	entries map[string]*cacheEntry
	hits    int
	misses  int
}

//go:noinline
func (c *Cache) lookup(key string) (string, bool) {
	c.hits++ // c is nil: SIGSEGV, turned into a runtime error panic
	e, ok := c.entries[key]
	if !ok {
		c.misses++
		return "", false
	}
	return e.value, true
}

//go:noinline
func handleRequest(c *Cache, path string) string {
	key := strings.TrimPrefix(path, "/users/")
	if v, ok := c.lookup(key); ok {
		return v
	}
	return "not found"
}

var requestCache *Cache // never initialised

func scenarioNilDeref() {
	fmt.Fprintln(os.Stdout, handleRequest(requestCache, "/users/42"))
}

// ---- index ----------------------------------------------------------------

type RingBuffer struct {
	items []int
	head  int
}

//go:noinline
func (r *RingBuffer) at(i int) int {
	return r.items[r.head+i]
}

//go:noinline
func processBatch(r *RingBuffer, n int) int {
	sum := 0
	for i := 0; i < n; i++ {
		sum += r.at(i)
	}
	return sum
}

func scenarioIndex() {
	r := &RingBuffer{items: []int{10, 20, 30}, head: opaque(2)}
	fmt.Println(processBatch(r, opaque(4)))
}

// ---- slice-bounds ---------------------------------------------------------

//go:noinline
func parseHeader(buf []byte, n int) []byte {
	return buf[2:n]
}

//go:noinline
func readFrame(frame []byte) string {
	length := int(frame[0])
	return string(parseHeader(frame, length))
}

func scenarioSliceBounds() {
	frame := make([]byte, 4, opaque(6))
	frame[0] = byte(opaque(10))
	fmt.Println(readFrame(frame))
}

// ---- nil-map --------------------------------------------------------------

type Registry struct {
	byName map[string]int
	order  []string
}

//go:noinline
func (r *Registry) register(name string, prio int) {
	r.byName[name] = prio
	r.order = append(r.order, name)
}

//go:noinline
func loadPlugins(r *Registry, names []string) {
	for i, n := range names {
		r.register(n, i)
	}
}

func scenarioNilMap() {
	r := &Registry{} // byName left nil
	loadPlugins(r, []string{"auth", "metrics", "tracing"})
	fmt.Println(len(r.order))
}

// ---- type-assert ----------------------------------------------------------

//go:noinline
func asString(v interface{}) string {
	return v.(string)
}

//go:noinline
func formatField(fields map[string]interface{}, key string) string {
	return key + "=" + asString(fields[key])
}

func scenarioTypeAssert() {
	fields := map[string]interface{}{"user": "alice", "port": 8080 + opaque(0)}
	fmt.Println(formatField(fields, "user"))
	fmt.Println(formatField(fields, "port"))
}

// ---- divide ---------------------------------------------------------------

//go:noinline
func average(total, count int) int {
	return total / count
}

//go:noinline
func computeStats(samples []int) (int, int) {
	total := 0
	for _, s := range samples {
		total += s
	}
	return total, average(total, len(samples))
}

func scenarioDivide() {
	samples := make([]int, opaque(0))
	fmt.Println(computeStats(samples))
}

// ---- runtime-error-other (makeslice) --------------------------------------

//go:noinline
func allocBuffer(size int) []byte {
	return make([]byte, size)
}

//go:noinline
func resizePool(current, delta int) [][]byte {
	pool := make([][]byte, 0, 4)
	for i := 0; i < 2; i++ {
		pool = append(pool, allocBuffer(current+delta))
	}
	return pool
}

func scenarioMakeSlice() {
	fmt.Println(len(resizePool(opaque(16), opaque(-64))))
}
