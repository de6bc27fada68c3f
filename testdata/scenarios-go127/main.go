// Command scenarios-go127 is built only by go1.27+ toolchains. Its go.mod
// says `go 1.27`, so GODEBUG defaults follow go1.27: goroutine labels are
// printed in tracebacks without setting GODEBUG=tracebacklabels=1.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
)

//go:noinline
func chargeCard(ctx context.Context, cents int) {
	if cents < 0 {
		panic(fmt.Sprintf("chargeCard: negative amount %d", cents))
	}
}

// checkout sets labels on the current goroutine with SetGoroutineLabels
// (pprof.Do would reset them in a deferred call before the traceback prints).
//
//go:noinline
func checkout(ctx context.Context, cents int) {
	ctx = pprof.WithLabels(ctx, pprof.Labels("tenant", "acme", "route", "/checkout"))
	pprof.SetGoroutineLabels(ctx)
	chargeCard(ctx, cents)
}

func main() {
	if len(os.Args) < 2 || os.Args[1] != "labels-default" {
		fmt.Fprintln(os.Stderr, "usage: scenarios-go127 labels-default")
		os.Exit(64)
	}
	checkout(context.Background(), -len(os.Args))
}
