// Command race contains a real data race; build it with -race.
package main

import "os"

type Counter struct {
	hits int
}

//go:noinline
func (c *Counter) inc() {
	c.hits++ // unsynchronised read-modify-write
}

//go:noinline
func countRequests(c *Counter, n int, done chan<- bool) {
	for i := 0; i < n; i++ {
		c.inc()
	}
	done <- true
}

func main() {
	c := &Counter{}
	done := make(chan bool)
	go countRequests(c, 1000, done)
	go countRequests(c, 1000, done)
	<-done
	<-done
	if c.hits == 0 {
		os.Exit(1)
	}
}
