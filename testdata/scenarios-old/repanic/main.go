// repanic: main.decodeRecord panics; the deferred closure in main.safeDecode
// recovers, logs and panics again with the same value. Expected:
// explicit-panic ("decode: short record [recovered]" then "\tpanic: ..."
// up to go1.22, "[recovered, repanicked]" after), culprit the first frame of
// package main printed: the recovering closure (main.func·001 up to go1.4,
// main.safeDecode.func1 from go1.5); the value was raised in main.decodeRecord.
package main

import (
	"errors"
	"fmt"
	"os"
)

//go:noinline
func decodeRecord(b []byte) int {
	n := 0
	for _, c := range b {
		n += int(c)
	}
	if len(b) < 4 {
		panic(errors.New("decode: short record"))
	}
	return n
}

func safeDecode(b []byte) int {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, "safeDecode: cleaning up after", r)
			panic(r)
		}
	}()
	return decodeRecord(b)
}

func main() {
	println(safeDecode([]byte{1, 2}))
}
