// makeslice: main.allocBuffer makes a slice with a negative length computed
// at run time. Expected: runtime-error ("makeslice: len out of range"),
// culprit main.allocBuffer.
package main

//go:noinline
func allocBuffer(sizes []int) []byte {
	n := 0
	for _, s := range sizes {
		n += s
	}
	return make([]byte, n)
}

func main() {
	b := allocBuffer([]int{16, -64})
	println(len(b))
}
