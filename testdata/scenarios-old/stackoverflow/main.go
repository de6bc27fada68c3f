// stackoverflow: main.resolveAlias and main.expandMacro call each other
// forever. debug.SetMaxStack (go1.2+) lowers the limit to 1 MB so the crash
// is quick. Expected: stack-overflow ("stack overflow" after "goroutine stack
// exceeds 1048576-byte limit"), culprit main.resolveAlias or
// main.expandMacro (whichever is on top when the limit is hit).
package main

import "runtime/debug"

//go:noinline
func resolveAlias(name string, depth int) int {
	for i := 0; i < 1; i++ {
		depth++
	}
	return expandMacro(name, depth) + 1
}

//go:noinline
func expandMacro(name string, depth int) int {
	for i := 0; i < 1; i++ {
		depth++
	}
	return resolveAlias(name, depth) + 1
}

func main() {
	debug.SetMaxStack(1 << 20)
	println(resolveAlias("HOME", 0))
}
