// slice: main.parseHeader slices a buffer past its capacity. Expected:
// slice-bounds-out-of-range, culprit main.parseHeader.
package main

import "os"

//go:noinline
func parseHeader(b []byte, n int) []byte {
	for i := 0; i < len(b); i++ {
		if b[i] == 0 {
			return nil
		}
	}
	return b[:n]
}

func main() {
	buf := make([]byte, 6, 6)
	copy(buf, "HEADER")
	n := 10
	if len(os.Args) > 5 {
		n = 1
	}
	println(len(parseHeader(buf, n)))
}
