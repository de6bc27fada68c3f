package main

import "fmt"

// Which kind of defer the compiler emits (checked in the go1.21.13 and
// go1.22.12..go1.27.4 sources; `go build -gcflags=-d=defer` prints the
// decision per defer statement, and generate-cores.sh stores that output as
// cores/<release>/defer-kinds.txt):
//
//   - walk/stmt.go (ODEFER): a function's defers may be open-coded only if it
//     has at most 8 defer statements (maxOpenDefers, one deferBits byte) and
//     none of them is in a loop (escape analysis leaves Esc != EscNever for a
//     defer at loopDepth > 1). 1.22+ also disallows it when the defer is in a
//     range-over-func loop body (n.DeferAt != nil), and escape/call.go marks
//     a function that calls runtime.deferrangefunc as not open-coded (1.23+,
//     when range-over-func is enabled).
//   - ssagen/ssa.go (buildssa): open-coded also requires optimisation on
//     (not -N), no extra exit code (-race instrumentation), no heap-allocated
//     results, and NumReturns*NumDefers <= 15. All of a function's defers are
//     of one kind: open-coded, or none of them is.
//   - ssagen/ssa.go (ODEFER): in a function that is not open-coded, a defer
//     at the top level of the function (EscNever, and in 1.22+ DeferAt == nil)
//     is a stack _defer (runtime.deferprocStack, record in the frame); one in
//     a loop is a heap _defer (runtime.deferproc, record from the P's pool or
//     the heap). A defer in a range-over-func body is attached to the
//     enclosing function's frame through runtime.deferrangefunc/deferprocat
//     (1.23+): a _defer with rangefunc=true whose head points to a list of
//     heap records.
//
// The rules are the same in 1.21 and 1.22+; what changed in 1.22 is the
// runtime (_panic/_defer layout, how open-coded frames are found, the
// FUNCDATA_OpenCodedDeferInfo encoding) and the names of the wrapper
// closures the compiler makes for `defer f(args)` and `defer x.m()`.

// guard is a deferred function that calls recover directly: it would stop a
// panic in its own goroutine (never in another one, and never a fatal error).
//
//go:noinline
func guard() {
	if r := recover(); r != nil {
		println("guard: recovered:", fmt.Sprint(r))
	}
}

// logExit is a deferred function that does not call recover.
//
//go:noinline
func logExit(name string) {
	println("exit:", name)
}
