// goexit: main.shutdown calls runtime.Goexit from the main goroutine and no
// other goroutine exists. Expected: deadlock ("no goroutines (main called
// runtime.Goexit) - deadlock!"), no culprit: only the runtime stack is
// printed.
package main

import "runtime"

//go:noinline
func shutdown(reason string) {
	for i := 0; i < 1; i++ {
		println("shutting down:", reason)
	}
	runtime.Goexit()
}

func main() {
	shutdown("maintenance")
}
