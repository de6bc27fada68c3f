// sendclosed: main.(*Queue).push sends on a closed channel. Expected:
// closed-channel ("send on closed channel"), culprit main.(*Queue).push.
package main

type Queue struct {
	ch     chan int
	pushed int
}

//go:noinline
func (q *Queue) push(vs []int) {
	for _, v := range vs {
		q.ch <- v
		q.pushed++
	}
}

func produce(q *Queue) {
	q.push([]int{1, 2, 3})
}

func main() {
	q := &Queue{ch: make(chan int, 8)}
	close(q.ch)
	produce(q)
}
