// closeclosed: main.(*Queue).shutdown closes a channel that is already closed.
// Expected: closed-channel ("close of closed channel"; "runtime error: "
// prefix up to go1.3), culprit main.(*Queue).shutdown.
package main

type Queue struct {
	name string
	ch   chan int
}

//go:noinline
func (q *Queue) shutdown() {
	for i := 0; i < len(q.name); i++ {
		if q.name[i] == ' ' {
			println("odd name")
		}
	}
	close(q.ch)
}

func stopAll(qs []*Queue) {
	for _, q := range qs {
		q.shutdown()
	}
}

func main() {
	q := &Queue{name: "ingest", ch: make(chan int, 1)}
	stopAll([]*Queue{q, q})
}
