package main

// Scenarios chi, chi-color: chi v5's middleware.Recoverer; the handler
// panics with a string built by fmt.Sprintf.
//
// Expected output (stderr): middleware.PrintPrettyStack reformats
// debug.Stack():
//   (blank line)
//    panic: ledger: invoice 42 total 1999 != sum of lines 1899
//   (" " line)
//    -> main.(*Ledger).post
//    ->   /path/ledger-file.go:LINE
//   (blank line)
//       main.(*Ledger).postAll
//         /path/file.go:LINE
//   ...
// only the frames below panic(): the culprit main.(*Ledger).post comes
// first, then main.(*Ledger).postAll, main.ledgerHandler, chi's and
// net/http's frames; no arguments, no +0x offsets, and nothing above the
// panic, so the recovering frame
// (github.com/go-chi/chi/v5/middleware.Recoverer.func1.1) is not shown.
//   chi:       not a terminal (the default when piped): no colours.
//   chi-color: middleware.IsTTY = true (the exported variable chi sets from
//              os.Stdout at init): ANSI SGR colours as on a terminal.

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

type Ledger struct {
	lines map[int][]int
	total map[int]int
}

func (l *Ledger) post(invoice int) {
	sum := 0
	for _, v := range l.lines[invoice] {
		sum += v
	}
	if sum != l.total[invoice] {
		panic(fmt.Sprintf("ledger: invoice %d total %d != sum of lines %d", invoice, l.total[invoice], sum))
	}
}

func (l *Ledger) postAll(invoices ...int) {
	for _, inv := range invoices {
		l.post(inv)
	}
}

func ledgerHandler(w http.ResponseWriter, r *http.Request) {
	l := &Ledger{
		lines: map[int][]int{41: {500}, 42: {1000, 899}},
		total: map[int]int{41: 500, 42: 1999},
	}
	l.postAll(41, 42)
	w.Write([]byte("posted"))
}

func runChi() {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Post("/invoices/{id}/post", ledgerHandler)
	base := serveHTTP(r)
	doRequest("POST", base+"/invoices/42/post", nil)
}

func scenarioChi([]string) {
	middleware.IsTTY = false
	runChi()
}

func scenarioChiColor([]string) {
	middleware.IsTTY = true
	runChi()
}

func init() {
	register("chi", scenarioChi)
	register("chi-color", scenarioChiColor)
}
