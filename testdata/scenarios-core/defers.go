package main

import (
	"errors"
	"fmt"
	"runtime"
)

// Scenarios about pending defers in parked goroutines, recover in the wrong
// place, Goexit and nested panics.

func init() {
	register("open-coded-defers", scenarioOpenCodedDefers)
	register("linked-defers", scenarioLinkedDefers)
	register("indirect-recover", scenarioIndirectRecover)
	register("goexit-pending", scenarioGoexitPending)
	register("nested-panic", scenarioNestedPanic)
	register("deadlock-pending-defers", scenarioDeadlockPendingDefers)
}

// ---- open-coded-defers ------------------------------------------------------
//
// Crashing goroutine: 1, class nil-pointer-dereference, culprit
// main.(*Inventory).reserve (called from main.placeOrder), panic value
// "runtime error: invalid memory address or nil pointer dereference" (a
// runtime.errorString for the SIGSEGV; the runtime prints it followed by
// "[signal SIGSEGV: segmentation violation code=... addr=0x... pc=...]").
//
// Defers:
//   - goroutine 1, main.placeOrder: main.logExit (open-coded, no recover)
//     has RUN during the panic (deferBits 0 when the core is written).
//   - goroutine of main.serveSession (parked on chan receive), pending:
//     main.logExit, main.serveSession.func1 (calls recover: "recover in the
//     wrong goroutine", it cannot stop goroutine 1's panic), (*main.Conn).Close
//     via a compiler wrapper; all open-coded.
//   - goroutine of main.pollUpstream -> main.fetchBatch (parked on chan
//     receive), pending: in fetchBatch main.releaseBuffer (open-coded, no
//     recover); in pollUpstream main.guard (open-coded, calls recover: wrong
//     goroutine again) then main.logExit (open-coded, no recover).

type Conn struct {
	id     int
	closed bool
}

//go:noinline
func (c *Conn) Close() { c.closed = true }

//go:noinline
func releaseBuffer() { println("releaseBuffer") }

// serveSession has three top-level defers and no loops: open-coded.
//
//go:noinline
func serveSession(c *Conn) {
	defer c.Close() // open-coded, calls_recover=false (runs last)
	defer func() {  // open-coded, calls_recover=true
		if r := recover(); r != nil {
			println("serveSession: recovered")
		}
	}()
	defer logExit("serveSession") // open-coded, calls_recover=false (runs first)
	<-never
}

//go:noinline
func fetchBatch() {
	defer releaseBuffer() // open-coded, calls_recover=false
	<-never
}

//go:noinline
func pollUpstream() {
	defer logExit("pollUpstream") // open-coded, calls_recover=false
	defer guard()                 // open-coded, calls_recover=true
	fetchBatch()
}

type Inventory struct {
	items    map[string]int
	reserved int
}

//go:noinline
func (inv *Inventory) reserve(sku string, n int) {
	inv.reserved += n // inv is nil: SIGSEGV -> runtime error panic
}

//go:noinline
func placeOrder(inv *Inventory) {
	defer logExit("placeOrder") // open-coded; runs during the panic
	inv.reserve("sku-1042", 2)
}

var inventory *Inventory // never initialised

func scenarioOpenCodedDefers() {
	go serveSession(&Conn{id: 7})
	go pollUpstream()
	waitParked(2)
	placeOrder(inventory)
}

// ---- linked-defers ----------------------------------------------------------
//
// Crashing goroutine: 1, class explicit-panic, culprit main.superviseShutdown,
// panic value the string "shutdown: workers did not stop within 30s".
//
// Defers (no goroutine's defers here are open-coded):
//   - goroutine of main.drainQueues (parked): main.drainQueues.func1 or a
//     deferwrap closure for releaseSlot(2), releaseSlot(1), releaseSlot(0)
//     (three HEAP _defer records: the defer is in a loop), then
//     main.closeQueues (STACK _defer: top-level defer of a function whose
//     open-coding is disallowed by the loop defer). None calls recover.
//   - goroutine of main.shutdownAll (parked): ten defers, so not open-coded;
//     all top-level, so ten STACK _defer records: main.guard (calls recover)
//     runs first, then closeStep(9) ... closeStep(1) (wrapper closures around
//     main.closeStep, no recover).
//   - goroutine 1, main.superviseShutdown: main.logExit (open-coded) has run.

//go:noinline
func releaseSlot(i int) { println("releaseSlot", i) }

//go:noinline
func closeQueues() { println("closeQueues") }

//go:noinline
func closeStep(i int) { println("closeStep", i) }

//go:noinline
func drainQueues(n int) {
	defer closeQueues() // stack _defer (function not open-coded: loop defer below)
	for i := 0; i < n; i++ {
		defer releaseSlot(i) // heap _defer, one record per iteration
	}
	<-never
}

//go:noinline
func shutdownAll() {
	defer closeStep(1) // stack _defer (10 defers > 8: not open-coded)
	defer closeStep(2) // stack
	defer closeStep(3) // stack
	defer closeStep(4) // stack
	defer closeStep(5) // stack
	defer closeStep(6) // stack
	defer closeStep(7) // stack
	defer closeStep(8) // stack
	defer closeStep(9) // stack
	defer guard()      // stack, calls_recover=true (runs first)
	<-never
}

//go:noinline
func superviseShutdown(timeout int) {
	defer logExit("superviseShutdown") // open-coded; runs during the panic
	panic(fmt.Sprintf("shutdown: workers did not stop within %ds", timeout))
}

func scenarioLinkedDefers() {
	go drainQueues(opaque(3))
	go shutdownAll()
	waitParked(2)
	superviseShutdown(opaque(30))
}

// ---- indirect-recover -------------------------------------------------------
//
// Crashing goroutine: 1, class explicit-panic, culprit main.runJob, panic
// value errors.New("job 9: quota exceeded") (*errors.errorString; the
// runtime prints "panic: job 9: quota exceeded").
//
// Defers: goroutine 1, main.runJob: main.cleanupJob (open-coded,
// calls_recover=false) has RUN: it called main.tryRecover, which calls
// recover() itself; recover returns nil there because it is not called
// directly by the deferred function, so the panic went on and killed the
// process. cleanupJob printed "cleanupJob: recover returned nil" to stderr
// before the panic message. The decoder should name main.cleanupJob as
// calling recover only indirectly (through main.tryRecover).
//
// Note for the decoder: by the time the core is written, the runtime's
// preprintpanics has replaced _panic.arg of error and Stringer values by
// the string it prints (all releases 1.21..1.27), so the _panic record holds
// the string "job 9: quota exceeded"; the *errors.errorString may still be
// reachable from runJob's frame.

//go:noinline
func tryRecover() any { return recover() }

//go:noinline
func cleanupJob(id int) {
	if r := tryRecover(); r != nil {
		println("cleanupJob: recovered")
		return
	}
	println("cleanupJob: recover returned nil")
}

//go:noinline
func runJob(id int) {
	defer cleanupJob(id) // open-coded, calls_recover=false (only indirectly)
	panic(errors.New(fmt.Sprintf("job %d: quota exceeded", id)))
}

func scenarioIndirectRecover() {
	runJob(opaque(9))
}

// ---- goexit-pending ---------------------------------------------------------
//
// Crashing goroutine: 1, class explicit-panic, culprit main.superviseRetire,
// panic value the string "supervisor: worker 4 did not exit".
//
// The goroutine of main.workerMain called runtime.Goexit in
// main.retireWorker. Goexit ran retireWorker's defers: main.markStopping
// (open-coded) has RUN, and main.flushAndWait (open-coded) is RUNNING: it is
// blocked forever on a chan receive, called from runtime.Goexit (1.21:
// through runtime.runOpenDeferFrame; 1.22+: through (*_panic).nextDefer /
// deferCallSave as the release has it). That goroutine's g._panic is the
// Goexit record (goexit=true, arg nil). Its outer frame main.workerMain
// still has a pending main.logExit (open-coded, no recover) that would run
// after flushAndWait returns.
//
// Stack of that goroutine: main.flushAndWait, runtime.Goexit,
// main.retireWorker, main.workerMain, created by main.scenarioGoexitPending.

var stopping int

//go:noinline
func markStopping(id int) { stopping = id }

//go:noinline
func flushAndWait(id int) {
	<-never // blocks inside a deferred call run by runtime.Goexit
}

//go:noinline
func retireWorker(id int) {
	defer flushAndWait(id) // open-coded; running (blocked) when the core is written
	defer markStopping(id) // open-coded; already run by Goexit
	runtime.Goexit()
}

//go:noinline
func workerMain(id int) {
	defer logExit("workerMain") // open-coded; pending
	retireWorker(id)
}

//go:noinline
func superviseRetire(id int) {
	panic(fmt.Sprintf("supervisor: worker %d did not exit", id))
}

func scenarioGoexitPending() {
	go workerMain(opaque(4))
	waitParked(1)
	superviseRetire(opaque(4))
}

// ---- nested-panic -----------------------------------------------------------
//
// Crashing goroutine: 1, class explicit-panic, culprit main.rollbackPatch
// (the newest panic; its caller main.applyPatch started the first one).
// Panic chain, newest first:
//   1. string "rollback of patch 12: journal corrupt", raised in the deferred
//      call main.rollbackPatch;
//   2. *main.PatchError{Patch: 12, Op: "apply"}, raised in main.applyPatch,
//      printed through its Error method as "patch 12: apply failed"
//      (in the core, preprintpanics has replaced it by that string).
// The runtime prints "panic: patch 12: apply failed" then
// "\tpanic: rollback of patch 12: journal corrupt" (older releases may add
// " [recovered]"-style annotations; see the stored stderr).
// Defers: main.applyPatch's main.rollbackPatch (open-coded, no recover) was
// running when the second panic started.

type PatchError struct {
	Patch int
	Op    string
}

func (e *PatchError) Error() string { return fmt.Sprintf("patch %d: %s failed", e.Patch, e.Op) }

//go:noinline
func rollbackPatch(id int) {
	panic(fmt.Sprintf("rollback of patch %d: journal corrupt", id))
}

//go:noinline
func applyPatch(id int) {
	defer rollbackPatch(id) // open-coded; panics while the first panic runs it
	panic(&PatchError{Patch: id, Op: "apply"})
}

func scenarioNestedPanic() {
	applyPatch(opaque(12))
}

// ---- deadlock-pending-defers ------------------------------------------------
//
// Fatal error "all goroutines are asleep - deadlock!", class deadlock, no
// crashing goroutine (the runtime detects it on an idle M; the SIGABRT of
// GOTRACEBACK=crash is raised on that thread), culprit main.awaitLeaseRelease
// (where goroutine 1 waits). recover never runs for a fatal error.
//
// Defers:
//   - goroutine 1, main.awaitLeaseRelease (parked on chan receive), pending:
//     main.logExit (open-coded, no recover).
//   - goroutine of main.holdLease (parked on chan receive forever), pending:
//     main.guard (open-coded, calls recover: cannot help, fatal error) then
//     main.releaseLease (open-coded, no recover).

//go:noinline
func releaseLease() { println("releaseLease") }

//go:noinline
func holdLease() {
	defer releaseLease() // open-coded
	defer guard()        // open-coded, calls_recover=true
	<-never
}

//go:noinline
func awaitLeaseRelease(done <-chan struct{}) {
	defer logExit("awaitLeaseRelease") // open-coded; pending forever
	<-done
}

func scenarioDeadlockPendingDefers() {
	go holdLease()
	waitParked(1)
	awaitLeaseRelease(make(chan struct{}))
}
