// div: main.average divides by a zero count. Expected: divide-by-zero,
// culprit main.average.
package main

//go:noinline
func average(xs []int) int {
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return sum / len(xs)
}

func report(xs []int) {
	println("average", average(xs))
}

func main() {
	report(nil)
}
