// concmap: four goroutines run main.(*Stats).record, which writes a shared
// map without a lock. Expected (go1.6+): concurrent-map-access ("concurrent
// map writes"), culprit main.(*Stats).record in the goroutine printed first.
// Before go1.6 the runtime does not detect it (not run there).
package main

import "time"

type Stats struct {
	counts map[int]int
}

//go:noinline
func (s *Stats) record(seed int) {
	for j := 0; ; j++ {
		s.counts[(seed+j)%64] = j
	}
}

func main() {
	s := &Stats{counts: make(map[int]int)}
	for i := 0; i < 4; i++ {
		go s.record(i)
	}
	time.Sleep(30 * time.Second)
}
