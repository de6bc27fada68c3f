// unhashable: main.(*Index).add uses a slice as a key of a map with
// interface{} keys. Expected: runtime-error ("hash of unhashable type
// []string"), culprit main.(*Index).add.
package main

type Index struct {
	byKey map[interface{}]int
}

//go:noinline
func (x *Index) add(keys []interface{}) {
	for i, k := range keys {
		x.byKey[k] = i
	}
}

func main() {
	x := &Index{byKey: make(map[interface{}]int)}
	x.add([]interface{}{"a", []string{"b", "c"}})
}
