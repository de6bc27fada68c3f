package main

// Scenario fiber: fiber v2 with the recover middleware and
// EnableStackTrace: true; the handler slices a token past its length.
//
// Expected output (stderr): the default StackTraceHandler writes, in one
// write,
//   panic: runtime error: slice bounds out of range [:12] with length 5
//   (blank line)
//   goroutine N [running]:
//   runtime/debug.Stack()
//   github.com/gofiber/fiber/v2/middleware/recover.defaultStackTraceHandler(...)
//   github.com/gofiber/fiber/v2/middleware/recover.New.func1.1()   <- recovered here
//   panic(...)
//   main.parseToken(...)                                       <- raised here
//   main.(*SessionAuth).verify / main.authHandler / fiber and fasthttp frames
// It reads like a fatal crash; only the debug.Stack and recover frames say
// the program went on. The startup banner is disabled.

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// parseToken returns the 12-byte key id at the front of a token.
func parseToken(tok string) string {
	return tok[:12]
}

type SessionAuth struct {
	keys map[string]bool
}

func (a *SessionAuth) verify(tok string) bool {
	return a.keys[parseToken(tok)]
}

func authHandler(c *fiber.Ctx) error {
	a := &SessionAuth{keys: map[string]bool{"k-2026-0001": true}}
	if !a.verify(c.Get("X-Session")) {
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	return c.SendString("ok")
}

func scenarioFiber([]string) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(recover.New(recover.Config{EnableStackTrace: true}))
	app.Get("/session", authHandler)
	ln := listen()
	go app.Listener(ln)
	doRequest("GET", "http://"+ln.Addr().String()+"/session", map[string]string{"X-Session": "k-202"})
}

func init() {
	register("fiber", scenarioFiber)
}
