package main

// Scenarios echo, echo-current, echo-deep: echo v4's middleware.Recover; the
// handler panics with an error value (panic(err), err from fmt.Errorf).
//
// Expected output (stdout): echo's logger (labstack/gommon log, JSON header)
// prints one line per recovered panic,
//   {"time":"...","level":"-","prefix":"echo","file":"recover.go","line":"N","message":"[PANIC RECOVER] inventory: sku A-17 reserved twice (order 88) goroutine N [running]:\n..."}
// the goroutine header follows the error on the same (escaped) line; the
// stack comes from runtime.Stack(buf, all) into a buffer of StackSize bytes,
// whose top frame is
// github.com/labstack/echo/v4/middleware.RecoverWithConfig.func1.1.1 (the
// deferred function that recovered), then panic(...), then
// main.(*Inventory).reserve (where the value was raised), called from
// main.(*Inventory).reserveAll and main.reserveHandler.
//   echo:         middleware.Recover(): default config, DisableStackAll
//                 false (every goroutine is dumped) and StackSize 4 KiB:
//                 the text is cut at 4096 bytes, mid-line.
//   echo-current: RecoverWithConfig{DisableStackAll: true}: the panicking
//                 goroutine only, which fits in 4 KiB.
//   echo-deep:    DisableStackAll: true, but the panic happens 40 calls deep
//                 in main.(*Inventory).walkBins: the one goroutine is cut at
//                 4 KiB, before the recovering frames' callers.
// The server is a plain net/http server with the echo instance as handler
// (no banner). Echo's HTTPErrorHandler then answers 500.

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

type Inventory struct {
	reserved map[string]int
	bins     []string
}

func (inv *Inventory) reserve(sku string, order int) {
	if prev, ok := inv.reserved[sku]; ok {
		panic(fmt.Errorf("inventory: sku %s reserved twice (order %d)", sku, prev))
	}
	inv.reserved[sku] = order
}

func (inv *Inventory) reserveAll(skus []string, order int) {
	for _, s := range skus {
		inv.reserve(s, order)
	}
}

// walkBins recurses depth times before reserving, to make a deep stack.
//
//go:noinline
func (inv *Inventory) walkBins(depth int, sku string, order int) {
	if depth == 0 {
		inv.reserve(sku, order)
		return
	}
	inv.walkBins(depth-1, sku, order)
}

func reserveHandler(c echo.Context) error {
	inv := &Inventory{reserved: map[string]int{"A-17": 88}}
	inv.reserveAll([]string{"B-02", "A-17"}, 91)
	return c.String(http.StatusOK, "reserved")
}

func deepReserveHandler(c echo.Context) error {
	inv := &Inventory{reserved: map[string]int{"A-17": 88}}
	inv.walkBins(40, "A-17", 91)
	return c.String(http.StatusOK, "reserved")
}

func runEcho(mw echo.MiddlewareFunc, h echo.HandlerFunc) {
	e := echo.New()
	e.HideBanner = true
	e.Use(mw)
	e.POST("/reservations", h)
	base := serveHTTP(e)
	doRequest("POST", base+"/reservations", nil)
}

func scenarioEcho([]string) {
	runEcho(middleware.Recover(), reserveHandler)
}

func scenarioEchoCurrent([]string) {
	runEcho(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}), reserveHandler)
}

func scenarioEchoDeep([]string) {
	runEcho(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}), deepReserveHandler)
}

func init() {
	register("echo", scenarioEcho)
	register("echo-current", scenarioEchoCurrent)
	register("echo-deep", scenarioEchoDeep)
}
