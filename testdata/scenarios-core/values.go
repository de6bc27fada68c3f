package main

import (
	"errors"
	"fmt"
)

// Panic values of different types, each in its own scenario. In every one the
// crashing goroutine is 1 and it is the only goroutine the program started.
//
// In the core, _panic.arg of an error or a Stringer has already been
// replaced by the string the runtime prints (runtime.preprintpanics, all
// releases 1.21..1.27); other values (value-custom-int, value-struct) keep
// their dynamic type.

func init() {
	register("value-wrapped-error", scenarioWrappedError)
	register("value-stringer", scenarioStringer)
	register("value-struct", scenarioStruct)
	register("value-index", scenarioIndex)
	register("value-closed-chan", scenarioClosedChan)
	register("value-custom-int", scenarioCustomInt)
}

// ---- value-wrapped-error ----------------------------------------------------
// class explicit-panic, culprit main.loadProfile, value
// fmt.Errorf("load profile %q: %w", "alice", ErrNotFound): *fmt.wrapError
// wrapping *errors.errorString "record not found"; printed
// `panic: load profile "alice": record not found`.

var ErrNotFound = errors.New("record not found")

//go:noinline
func loadProfile(user string) {
	panic(fmt.Errorf("load profile %q: %w", user, ErrNotFound))
}

func scenarioWrappedError() { loadProfile("alice") }

// ---- value-stringer ---------------------------------------------------------
// class explicit-panic, culprit main.placeMarker, value main.Point{X: 3,
// Y: -1, Label: "origin"} (a struct with a String method, panicked by value);
// printed `panic: Point(3,-1 "origin")`.

type Point struct {
	X, Y  int
	Label string
}

func (p Point) String() string { return fmt.Sprintf("Point(%d,%d %q)", p.X, p.Y, p.Label) }

//go:noinline
func placeMarker(x, y int) {
	panic(Point{X: x, Y: y, Label: "origin"})
}

func scenarioStringer() { placeMarker(opaque(3), opaque(-1)) }

// ---- value-struct -----------------------------------------------------------
// class explicit-panic, culprit main.checkLimits, value main.LimitExceeded{
// Resource: "memory", Used: 1536, Limit: 1024} (no methods, panicked by
// value); the runtime prints only `panic: main.LimitExceeded{...}`-style
// text with an address (see the stored stderr), so the core is where the
// fields can be read (through DWARF).

type LimitExceeded struct {
	Resource string
	Used     int64
	Limit    int64
}

//go:noinline
func checkLimits(used, limit int64) {
	if used > limit {
		panic(LimitExceeded{Resource: "memory", Used: used, Limit: limit})
	}
}

func scenarioStruct() { checkLimits(int64(opaque(1536)), 1024) }

// ---- value-index ------------------------------------------------------------
// class index-out-of-range, culprit main.(*Ring).at, value runtime.boundsError
// {x: 5, y: 3, signed: true, code: boundsIndex}; printed
// `panic: runtime error: index out of range [5] with length 3`.

type Ring struct{ buf []int }

//go:noinline
func (r *Ring) at(i int) int { return r.buf[i] }

func scenarioIndex() {
	r := &Ring{buf: make([]int, 3)}
	println(r.at(opaque(5)))
}

// ---- value-closed-chan ------------------------------------------------------
// class closed-channel, culprit main.publish, value runtime.plainError
// "send on closed channel"; printed `panic: send on closed channel`.

//go:noinline
func publish(ch chan<- int, v int) { ch <- v }

func scenarioClosedChan() {
	ch := make(chan int, 4)
	close(ch)
	publish(ch, opaque(1))
}

// ---- value-custom-int -------------------------------------------------------
// class explicit-panic, culprit main.escalate, value main.Priority(7) (a
// named int); printed `panic: main.Priority(7)`.

type Priority int

//go:noinline
func escalate(p Priority) { panic(p) }

func scenarioCustomInt() { escalate(Priority(opaque(7))) }
