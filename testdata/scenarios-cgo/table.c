// C code for the cgo scenarios: a fault two C frames below the cgo call
// (cgo-segv-deep), a fault inside libc (cgo-libc-segv), and C code calling
// back into Go (cgo-callback-panic).
// noipa (no inlining, cloning or interprocedural changes) and the work after
// each call keep every frame at cgo's default -O2 (no sibling calls).
#include "table.h"

#include <stddef.h>
#include <string.h>

#include "_cgo_export.h"

__attribute__((noipa)) static int field_width(const struct field *f) {
	// f is NULL: SIGSEGV inside C, with layout_row and render_table below.
	return f->width * 2 + 1;
}

__attribute__((noipa)) static int layout_row(const struct field *fields, int n) {
	int total = 0;
	for (int i = 0; i < n; i++) total += field_width(fields ? &fields[i] : NULL);
	return total + n;
}

int render_table(int rows) {
	int total = 0;
	for (int r = 0; r < rows; r++) total += layout_row(NULL, r + 1);
	return total - rows;
}

// A fault inside libc: strlen(NULL), called by C code in the executable.
__attribute__((noipa)) static size_t name_length(const char *name) {
	return strlen(name) + 1;
}

int label_width(int labels) {
	size_t total = 0;
	for (int i = 0; i < labels; i++) total += name_length(NULL);
	return (int)total - labels;
}

__attribute__((noipa)) static int visit_node(int i) {
	int v = goVisit(i);
	return v + i;
}

int walk_nodes(int n) {
	int total = 0;
	for (int i = 0; i < n; i++) total += visit_node(i);
	return total * 3;
}
