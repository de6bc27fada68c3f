package main

// Scenario nethttp: a plain net/http server whose handler dereferences a nil
// pointer.
//
// Expected output (stderr): the server's default ErrorLog (the standard log
// package: "YYYY/MM/DD HH:MM:SS ") prints
//   http: panic serving 127.0.0.1:PORT: runtime error: invalid memory address or nil pointer dereference
// followed by "goroutine N [running]:" and the trace from runtime.Stack,
// whose top frame is net/http.(*conn).serve.func1 (the deferred function
// that recovered), then panic(...) (the runtime's own panicmem/sigpanic
// frames are not printed), then main.(*OrderStore).lookup (where the
// value was raised) called from main.(*OrderService).get and
// main.handleOrder.

import (
	"net/http"
	"strconv"
)

type Order struct {
	ID    int
	Total int
}

type OrderStore struct {
	byID map[int]*Order
}

func (s *OrderStore) lookup(id int) int {
	o := s.byID[id] // order 7 does not exist: o is nil
	return o.Total  // nil pointer dereference
}

type OrderService struct {
	store *OrderStore
}

func (svc *OrderService) get(id int) int {
	return svc.store.lookup(id)
}

var orders = &OrderService{store: &OrderStore{byID: map[int]*Order{1: {ID: 1, Total: 20}}}}

func handleOrder(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.URL.Query().Get("id"))
	total := orders.get(id)
	w.Write([]byte(strconv.Itoa(total)))
}

func scenarioNetHTTP([]string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/orders", handleOrder)
	base := serveHTTP(mux)
	// The server logs, then closes the connection: the client sees EOF.
	doRequest("GET", base+"/orders?id=7", nil)
}

func init() {
	register("nethttp", scenarioNetHTTP)
}
