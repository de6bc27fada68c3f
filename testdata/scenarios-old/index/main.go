// index: main.(*RingBuffer).at indexes past the end of a slice. Expected:
// index-out-of-range, culprit main.(*RingBuffer).at.
package main

type RingBuffer struct {
	items []int
}

//go:noinline
func (r *RingBuffer) at(idx []int) int {
	sum := 0
	for _, i := range idx {
		sum += r.items[i]
	}
	return sum
}

func main() {
	r := &RingBuffer{items: []int{10, 20, 30}}
	println(r.at([]int{0, 3}))
}
