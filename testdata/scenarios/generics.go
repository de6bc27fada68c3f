package main

import (
	"fmt"
	"sync"
)

// A nil dereference inside a generic method, called through a closure passed
// to a generic helper, in a goroutine started with `go f(args)` (which
// compilers wrap in a closure: runPipeline.func1 up to go1.21,
// runPipeline.gowrap1 from go1.22; the wrapper frame is only printed with
// GOTRACEBACK=system or crash), plus an inlinable helper.

func init() {
	register("generics-closures", scenarioGenericsClosures)
}

type Store2[K comparable, V any] struct {
	data map[K]V
	gets int
}

//go:noinline
func (s *Store2[K, V]) Get(k K) V {
	s.gets++ // s is nil
	return s.data[k]
}

func forEach[T any, R any](xs []T, fn func(T) R) []R {
	out := make([]R, 0, len(xs))
	for _, x := range xs {
		out = append(out, fn(x))
	}
	return out
}

type record struct {
	id    string
	value int
}

// keyOf is small enough to be inlined into its caller.
func keyOf(r record) string { return "rec:" + r.id }

//go:noinline
func enrich(store *Store2[string, int], recs []record, wg *sync.WaitGroup) {
	defer wg.Done()
	sums := forEach(recs, func(r record) int {
		return store.Get(keyOf(r)) + r.value
	})
	fmt.Println(sums)
}

var enrichStore *Store2[string, int] // never initialised

//go:noinline
func runPipeline(recs []record) {
	var wg sync.WaitGroup
	wg.Add(1)
	go enrich(enrichStore, recs, &wg) // compiled as runPipeline.gowrap1 (go1.22+)
	wg.Wait()
}

func scenarioGenericsClosures() {
	runPipeline([]record{{"a", 1}, {"b", 2}})
}
