// closenil: main.(*Queue).shutdown closes a nil channel (the queue was never
// started). Expected: runtime-error ("close of nil channel"), culprit
// main.(*Queue).shutdown.
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
	q := &Queue{name: "ingest"}
	stopAll([]*Queue{q})
}
