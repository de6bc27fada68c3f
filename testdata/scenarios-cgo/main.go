// Command scenarios-cgo crashes inside C code called through cgo, or in Go
// called back from C. Build with CGO_ENABLED=1. argv[1] selects the scenario:
//
//	cgo-segv            SIGSEGV in parse_record (C, in the preamble) called
//	                    from decodeRecord
//	cgo-segv-deep       SIGSEGV in field_width, called by layout_row, called
//	                    by render_table (table.c): three C frames
//	cgo-libc-segv       SIGSEGV in libc's strlen(NULL), called by name_length
//	                    and label_width (table.c) through cgo by measureLabels
//	cgo-callback-panic  walkTree calls walk_nodes (C), which calls visit_node
//	                    (C), which calls back the exported goVisit, which
//	                    panics on node 3: a Go panic with C frames between
//	                    the callback and the cgo call; recover in walkTree's
//	                    deferred call does not run (the panic crosses C
//	                    frames, and the runtime aborts)
package main

/*
#include <stddef.h>
#include "table.h"

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

//go:noinline
func renderReport(rows int) int {
	return int(C.render_table(C.int(rows)))
}

//go:noinline
func measureLabels(n int) int {
	return int(C.label_width(C.int(n)))
}

var visited int

//export goVisit
func goVisit(i C.int) C.int {
	if i == 3 {
		panic(fmt.Sprintf("visit: node %d has no parent", int(i)))
	}
	visited++
	return i * 2
}

//go:noinline
func walkTree(n int) int {
	return int(C.walk_nodes(C.int(n)))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scenarios-cgo cgo-segv|cgo-segv-deep|cgo-libc-segv|cgo-callback-panic")
		os.Exit(64)
	}
	switch os.Args[1] {
	case "cgo-segv":
		fmt.Println(importBatch(len(os.Args)))
	case "cgo-segv-deep":
		fmt.Println(renderReport(len(os.Args) + 1))
	case "cgo-libc-segv":
		fmt.Println(measureLabels(len(os.Args) + 1))
	case "cgo-callback-panic":
		fmt.Println(walkTree(len(os.Args) + 5))
	default:
		fmt.Fprintln(os.Stderr, "usage: scenarios-cgo cgo-segv|cgo-segv-deep|cgo-libc-segv|cgo-callback-panic")
		os.Exit(64)
	}
}
