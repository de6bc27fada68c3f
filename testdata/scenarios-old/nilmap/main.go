// nilmap: main.(*Registry).register assigns to a nil map. Expected:
// nil-map-assignment ("assignment to entry in nil map"; "runtime error: "
// prefix up to go1.3), culprit main.(*Registry).register.
package main

type Registry struct {
	byName map[string]int
}

//go:noinline
func (r *Registry) register(names []string) {
	for i, n := range names {
		r.byName[n] = i
	}
}

func setup(r *Registry) {
	r.register([]string{"alpha", "beta"})
}

func main() {
	setup(&Registry{})
}
