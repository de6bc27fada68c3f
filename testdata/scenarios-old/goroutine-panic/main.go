// goroutine-panic: a worker goroutine started by main.main runs
// main.(*Worker).run, which calls main.(*Worker).process, which panics on an
// empty job. Expected: explicit-panic ("job 3: empty payload"), the panicking
// goroutine printed first with "created by main.main", culprit
// main.(*Worker).process.
package main

import (
	"fmt"
	"sync"
)

type Worker struct {
	id   int
	done int
}

//go:noinline
func (w *Worker) process(job int, payload string) {
	for i := 0; i < len(payload); i++ {
		w.done++
	}
	if payload == "" {
		panic(fmt.Sprintf("job %d: empty payload", job))
	}
}

// run calls wg.Done only after the last job (not deferred): a deferred Done
// would let main go on and print while the panic is being printed.
//
//go:noinline
func (w *Worker) run(jobs []string, wg *sync.WaitGroup) {
	for i, p := range jobs {
		w.process(i+1, p)
	}
	wg.Done()
}

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	w := &Worker{id: 1}
	go w.run([]string{"a", "bb", ""}, &wg)
	wg.Wait()
	println("done", w.done)
}
