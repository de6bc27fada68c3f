// race: built with -race. A goroutine and then main call main.(*Counter).inc
// on the same Counter without synchronization (the sleep orders them in
// time but not for the race detector). Expected: data-race ("WARNING: DATA
// RACE"; no "at 0x..." address in the access lines up to go1.6), culprit
// main.(*Counter).inc (first frame of the first access), exit code 66.
package main

import "time"

type Counter struct {
	n int
}

//go:noinline
func (c *Counter) inc(by []int) {
	for _, b := range by {
		c.n += b
	}
}

func main() {
	c := &Counter{}
	go c.inc([]int{1})
	time.Sleep(200 * time.Millisecond)
	c.inc([]int{2})
	time.Sleep(100 * time.Millisecond)
	println(c.n)
}
