// debugstack: main.(*Handler).serve dereferences a nil pointer; the deferred
// closure in main.(*Server).handle recovers, logs the value and writes
// debug.Stack() to stderr, and the program exits 0. Not a crash: a logged,
// recovered panic. debug.Stack up to go1.5 has its own format
// ("FILE:LINE (0xPC)" / "\tFUNC: SOURCE", FUNC without the package and the
// source line read from the file at run time); from go1.6 it is
// runtime.Stack's "goroutine 1 [running]:" text.
// Expected: recovered:nil-pointer-dereference, culprit (the panic site)
// main.(*Handler).serve, printed "(*Handler).serve" up to go1.5; recovered
// by the closure main.func·001 (<=1.4) / main.(*Server).handle.func1.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

type Session struct {
	user string
}

type Handler struct {
	sessions map[string]*Session
}

//go:noinline
func (h *Handler) serve(ids []string) int {
	n := 0
	for _, id := range ids {
		s := h.sessions[id]
		n += len(s.user)
	}
	return n
}

type Server struct {
	h *Handler
}

func (srv *Server) handle(ids []string) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "recovered: %v\n", r)
			os.Stderr.Write(debug.Stack())
		}
	}()
	println(srv.h.serve(ids))
}

func main() {
	srv := &Server{h: &Handler{sessions: map[string]*Session{"a": {user: "ann"}}}}
	srv.handle([]string{"a", "b"})
}
