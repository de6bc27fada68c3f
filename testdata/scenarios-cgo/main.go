// Command scenarios-cgo crashes inside C code called through cgo.
// Build with CGO_ENABLED=1.
package main

/*
#include <stddef.h>

struct record { int id; const char *name; };

static int parse_record(struct record *r) {
	// r is NULL: SIGSEGV inside C code.
	return r->id + (r->name != NULL);
}
*/
import "C"

import (
	"fmt"
	"os"
)

//go:noinline
func decodeRecord(r *C.struct_record) int {
	return int(C.parse_record(r))
}

//go:noinline
func importBatch(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		total += decodeRecord(nil)
	}
	return total
}

func main() {
	if len(os.Args) < 2 || os.Args[1] != "cgo-segv" {
		fmt.Fprintln(os.Stderr, "usage: scenarios-cgo cgo-segv")
		os.Exit(64)
	}
	fmt.Println(importBatch(len(os.Args)))
}
