package main

import (
	"fmt"
)

// Unrecoverable runtime failures: stack exhaustion and out of memory.

func init() {
	register("stack-overflow", scenarioStackOverflow)
	register("oom", scenarioOOM)
}

// ---- stack-overflow -------------------------------------------------------

type Node struct {
	name  string
	alias *Node
}

//go:noinline
func resolveAlias(n *Node, depth int) int {
	return expandMacro(n.alias, depth+1) + 1
}

//go:noinline
func expandMacro(n *Node, depth int) int {
	return resolveAlias(n.alias, depth+1) + 1
}

func scenarioStackOverflow() {
	a := &Node{name: "a"}
	b := &Node{name: "b", alias: a}
	a.alias = b // cycle: a -> b -> a
	fmt.Println(resolveAlias(a, 0))
}

// ---- oom ------------------------------------------------------------------
// Run under a virtual memory limit (ulimit -v) so allocation fails quickly.

type Loader struct {
	chunks [][]byte
	total  int
}

//go:noinline
func (l *Loader) grow(n int) {
	b := make([]byte, n)
	b[0], b[n-1] = 1, 1
	l.chunks = append(l.chunks, b)
	l.total += n
}

//go:noinline
func loadDataset(l *Loader) {
	for {
		l.grow(64 << 20)
	}
}

func scenarioOOM() {
	l := &Loader{}
	loadDataset(l)
	fmt.Println(l.total)
}
