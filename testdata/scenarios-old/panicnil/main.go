// panicnil: main.(*Task).abort calls panic(nil). Expected: explicit-panic;
// printed "panic: nil" up to go1.20; from go1.21 (unless GODEBUG
// panicnil=1) the runtime raises a *runtime.PanicNilError instead: "panic
// called with nil argument", with a "runtime error: " prefix from go1.27.
// Culprit main.(*Task).abort.
package main

type Task struct {
	steps []string
	err   error
}

//go:noinline
func (t *Task) abort() {
	for _, s := range t.steps {
		println("undo", s)
	}
	var v interface{}
	if t.err != nil {
		v = t.err
	}
	panic(v)
}

func main() {
	t := &Task{steps: []string{"mkdir"}}
	t.abort()
}
