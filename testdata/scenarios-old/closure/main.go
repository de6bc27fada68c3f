// closure: a closure passed through a method value panics. The panicking
// frame is the closure (main.func·001 up to go1.4, main.main.func1 from
// go1.5); below it main.(*Table).each and its method-value wrapper
// (main.*Table.(main.each)·fm up to go1.4, main.(*Table).(main.each)-fm
// in go1.5-go1.10, main.(*Table).each-fm in go1.11, not printed from go1.12).
// Expected: explicit-panic, culprit main.func·001 / main.main.func1.
package main

import "fmt"

type Table struct {
	rows []string
}

//go:noinline
func (t *Table) each(fn func(int, string)) {
	for i, r := range t.rows {
		fn(i, r)
	}
}

type Job struct {
	visit func(func(int, string))
}

//go:noinline
func run(j *Job, fn func(int, string)) {
	j.visit(fn)
}

func main() {
	t := &Table{rows: []string{"alice", "", "carol"}}
	j := &Job{visit: t.each}
	total := 0
	run(j, func(i int, r string) {
		if r == "" {
			panic(fmt.Sprintf("row %d: empty name", i))
		}
		total += len(r)
	})
	println(total)
}
