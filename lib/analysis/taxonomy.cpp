#include "analysis/taxonomy.h"

namespace crashctl {

namespace {

#define PANIC_RECOVER                                                                                          \
  " A panic unwinds only its own goroutine, running that goroutine's deferred calls; when none of them calls " \
  "recover, the runtime prints the panic and exits the whole process with status 2. A recover in any other "   \
  "goroutine, including main, cannot catch it."
#define FATAL_RECOVER                                                                                   \
  " It is a fatal error: the runtime throws it and exits at once with status 2, without unwinding the " \
  "stack or running deferred calls, so recover can never catch it."

const ClassInfo kClasses[] = {
    {VerdictClass::NilPointerDereference, "nil pointer dereference", true,
     "panic: runtime error: invalid memory address or nil pointer dereference",
     "The program read or wrote through a nil pointer (a field or element through a nil struct, array or "
     "slice pointer, a method that dereferences a nil receiver); the fault becomes a runtime error panic." PANIC_RECOVER
     " Look at the culprit's line for the pointer that can be nil, and where it should have been set."},
    {VerdictClass::IndexOutOfRange, "index out of range", true, "panic: runtime error: index out of range ...",
     "An index into a slice, array or string was negative or not below its length; the message gives "
     "both." PANIC_RECOVER " Check the bound, or the loop that computes the index, at the culprit's line."},
    {VerdictClass::SliceBoundsOutOfRange, "slice bounds out of range", true,
     "panic: runtime error: slice bounds out of range ...",
     "A slice expression s[lo:hi] had lo > hi or hi past the capacity; the message gives the bounds." PANIC_RECOVER
     " Check the lengths assumed at the culprit's line, often of input that was shorter than expected."},
    {VerdictClass::NilMapAssignment, "assignment to entry in nil map", true, "panic: assignment to entry in nil map",
     "A value was stored into a map that was never made (its zero value is nil, which can be read but not "
     "written)." PANIC_RECOVER " Initialise the map with make, or a composite literal, before the first write."},
    {VerdictClass::TypeAssertion, "failed type assertion", true, "panic: interface conversion: ...",
     "A type assertion x.(T) without the comma-ok form found another dynamic type (or nil) in the "
     "interface; the message names both types." PANIC_RECOVER
     " Use v, ok := x.(T), or a type switch, where the type is not certain."},
    {VerdictClass::DivideByZero, "integer divide by zero", true, "panic: runtime error: integer divide by zero",
     "An integer division or modulo had a zero divisor." PANIC_RECOVER
     " Guard the divisor at the culprit's line; floating-point division does not panic."},
    {VerdictClass::ClosedChannel, "closed channel", true,
     "panic: send on closed channel, panic: close of closed channel",
     "A goroutine sent on, or closed, a channel that was already closed: two owners of one channel." PANIC_RECOVER
     " Only the sender should close a channel, once; other senders must stop first (a sync.WaitGroup, a "
     "context)."},
    {VerdictClass::RuntimeError, "runtime error", true,
     "any other panic: runtime error: ... (makeslice: len out of range, hash of unhashable type), close of nil "
     "channel",
     "The runtime found an operation it cannot perform (a negative make length, an unhashable map key, a "
     "close of a nil channel) and panicked with a runtime.Error." PANIC_RECOVER
     " The message says which operation; the culprit's line is where it ran."},
    {VerdictClass::ExplicitPanic, "explicit panic", true, "any other panic: value: panic(...) called by code",
     "The program, or a library it calls, called panic with this value: a check it made failed, or it "
     "chose to stop." PANIC_RECOVER
     " The value and the culprit say which check; a library's panic usually means it was called wrongly."},
    {VerdictClass::ConcurrentMapAccess, "concurrent map access", false,
     "fatal error: concurrent map writes (read and map write, iteration and map write, clone and map write)",
     "A map was written by one goroutine while another read, iterated or wrote it; the runtime detects "
     "this on a best-effort basis and stops the process." FATAL_RECOVER
     " Protect the map with a mutex or use sync.Map. The goroutine shown is one side of the conflict; "
     "GOTRACEBACK=all shows the other."},
    {VerdictClass::Deadlock, "deadlock", false, "fatal error: all goroutines are asleep - deadlock!",
     "Every goroutine was blocked (channel, mutex, WaitGroup or select) and none could ever wake the "
     "others; the runtime detected that no goroutine can make progress." FATAL_RECOVER
     " Look for a missing send or close, a lock taken twice, or a WaitGroup counted too high; a deadlock "
     "among some goroutines while others run is not detected (see the leak suspects)."},
    {VerdictClass::StackOverflow, "stack overflow", false, "fatal error: stack overflow",
     "The goroutine's stack grew past the maximum (1 GB on 64-bit), almost always through unbounded "
     "recursion." FATAL_RECOVER
     " The culprit's cycle shows the functions that recurse; add the base case, or bound the depth."},
    {VerdictClass::OutOfMemory, "out of memory", false, "fatal error: out of memory",
     "The runtime could not get more memory from the operating system." FATAL_RECOVER
     " A core or heap dump read with --memory shows what holds the heap; GOMEMLIMIT does not prevent this "
     "when live data itself outgrows the machine."},
    {VerdictClass::UnlockOfUnlockedMutex, "unlock of unlocked mutex", false,
     "fatal error: sync: unlock of unlocked mutex (RUnlock, Unlock of unlocked RWMutex)",
     "A sync.Mutex or RWMutex was unlocked more times than it was locked: an Unlock on a path that did not "
     "Lock, or a copied mutex." FATAL_RECOVER
     " Pair each Lock with one deferred Unlock in the same function; go vet's copylocks finds copies."},
    {VerdictClass::CgoSignal, "signal in cgo code", false,
     "a fatal signal while C code ran: signal arrived during cgo execution",
     "A signal (SIGSEGV, SIGBUS, SIGFPE, SIGABRT) arrived while C code called through cgo was running; Go "
     "cannot turn faults in C code into panics, so the runtime treats them as fatal." FATAL_RECOVER
     " The C frames, or the cgo call below them, show which C function faulted and with what."},
    {VerdictClass::RuntimeFatal, "runtime fatal error", false,
     "any other fatal error: (thread exhaustion, fault, unexpected signal during runtime execution)",
     "The runtime stopped the process for a reason of its own: thread exhaustion, a fault inside the "
     "runtime, memory corruption (often through unsafe or a data race), an unexpected signal." FATAL_RECOVER
     " The message and the runtime stack say which; corrupted memory is worth a run with -race."},
    {VerdictClass::ExternalSignal, "goroutine dump requested from outside", false,
     "SIGQUIT: quit / SIGABRT: abort / SIGTERM header with PC= and no panic or fatal error",
     "The runtime received a signal from outside the program (kill -QUIT, Ctrl-\\, a supervisor or a hang "
     "detector) and printed every goroutine before exiting with status 2. No goroutine crashed, so there "
     "is nothing recover could catch; the goroutines' wait reasons and wait times show what the process "
     "was stuck on."},
    {VerdictClass::TestTimeout, "test timeout", false, "panic: test timed out after D",
     "The testing package's alarm panicked because the test binary ran longer than -timeout. That panic is "
     "raised in the alarm's own goroutine, so no recover in the test can catch it. The hung test's "
     "goroutine shows where it waits: look for a missing channel send, an unreleased lock or a context "
     "that is never cancelled."},
    {VerdictClass::DataRace, "data race", false, "WARNING: DATA RACE",
     "The race detector found two goroutines accessing the same memory without synchronization, at least "
     "one of them writing. This is not a panic: the race runtime reports it and, by default, the program "
     "exits with status 66 when it ends (GORACE=halt_on_error=1 stops at once). recover has nothing to "
     "catch. Fix it with a mutex, a channel or sync/atomic around both accesses."},
    {VerdictClass::Snapshot, "goroutine snapshot", false,
     "goroutines without a crash line: runtime.Stack, goroutine?debug=2, a profile, a logged traceback",
     "A picture of a live process: a goroutine dump or profile, a heap dump or a core taken without a "
     "crash. Nothing died; the groups and leak suspects show where goroutines wait, and --memory what "
     "holds the heap."},
    {VerdictClass::Unknown, "unknown", true,
     "a panic whose value the input does not show; a truncated core whose only cause is the runtime's abort",
     "The input shows that the process died, or that a panic was recovered, but not its cause: the panic "
     "line was lost, the log did not record the value, or a truncated core holds only the runtime's own "
     "abort. The frames still show where it happened; the verdict is always low confidence."},
};

#undef PANIC_RECOVER
#undef FATAL_RECOVER

}  // namespace

llvm::ArrayRef<ClassInfo> verdict_classes() {
  return kClasses;
}

const ClassInfo &class_info(VerdictClass cls) {
  for (const ClassInfo &c : kClasses)
    if (c.cls == cls) return c;
  return kClasses[std::size(kClasses) - 1];  // unknown
}

}  // namespace crashctl
