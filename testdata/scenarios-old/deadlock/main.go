// deadlock: main.(*Pool).collect waits for a result that the only worker,
// blocked in main.(*Pool).work on a job that is never sent, never produces.
// Expected: deadlock ("all goroutines are asleep - deadlock!"), culprit
// main.(*Pool).collect (goroutine 1).
package main

type Pool struct {
	jobs    chan int
	results chan int
}

//go:noinline
func (p *Pool) work() {
	for j := range p.jobs {
		p.results <- j * 2
	}
}

//go:noinline
func (p *Pool) collect(n int) int {
	sum := 0
	for i := 0; i < n; i++ {
		sum += <-p.results
	}
	return sum
}

func main() {
	p := &Pool{jobs: make(chan int), results: make(chan int)}
	go p.work()
	println(p.collect(3))
}
