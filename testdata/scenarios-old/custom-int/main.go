// custom-int: main.(*Supervisor).abort panics with a value of a named integer
// type. Expected: explicit-panic; printed "(main.ExitCode) (0x...,0x...)"
// up to go1.14 and "main.ExitCode(3)" from go1.15; culprit main.(*Supervisor).abort.
package main

type ExitCode int

type Supervisor struct {
	failures []string
}

//go:noinline
func (s *Supervisor) abort() {
	for _, f := range s.failures {
		println("failure:", f)
	}
	panic(ExitCode(len(s.failures)))
}

func main() {
	s := &Supervisor{failures: []string{"disk", "net", "dns"}}
	s.abort()
}
