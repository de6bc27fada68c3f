package main

// Scenarios gin-default, gin-recovery, gin-release: gin's Recovery
// middleware; the handler indexes past the end of a slice.
//
// Expected output: gin.Recovery writes to gin.DefaultErrorWriter (stderr)
// through a log.Logger whose prefix is "\n\n\x1b[31m" (red, always):
//   [Recovery] YYYY/MM/DD - HH:MM:SS panic recovered:
// then, in debug mode only, the request dump (httputil.DumpRequest, CRLF
// line ends, "Authorization: *" masked), then the value
//   runtime error: index out of range [3] with length 3
// then gin's own stack: "FILE:LINE (0xPC)" / "\tFUNC: SOURCE-LINE" pairs
// starting at the runtime's panic frames; FUNC has no package path, so the
// culprit prints as (*Cart).itemAt (called from (*Cart).subtotal and
// cartHandler); then "\x1b[0m".
//   gin-default:  gin.Default() (Logger + Recovery) in debug mode; stdout
//                 (the [GIN-debug] lines and the Logger's access line) and
//                 stderr are captured into one file, in order.
//   gin-recovery: gin.New() + gin.Recovery() in debug mode; stderr.
//   gin-release:  gin.SetMode(gin.ReleaseMode), gin.New() + gin.Recovery();
//                 stderr: no request dump.

import (
	"strconv"

	"github.com/gin-gonic/gin"
)

type Cart struct {
	prices []int
}

func (c *Cart) itemAt(i int) int {
	return c.prices[i] // i reaches 3, len is 3
}

func (c *Cart) subtotal(upTo int) int {
	sum := 0
	for i := 0; i <= upTo; i++ {
		sum += c.itemAt(i)
	}
	return sum
}

func cartHandler(c *gin.Context) {
	cart := &Cart{prices: []int{120, 80, 45}}
	n, _ := strconv.Atoi(c.Query("upto"))
	c.String(200, "%d", cart.subtotal(n))
}

func runGin(engine *gin.Engine) {
	engine.GET("/cart/:id/subtotal", cartHandler)
	base := serveHTTP(engine)
	doRequest("GET", base+"/cart/991/subtotal?upto=5", map[string]string{
		"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig",
		"User-Agent":    "crashctl-fixture/1.0",
		"X-Request-Id":  "req-5f2a",
	})
}

func scenarioGinDefault([]string) {
	runGin(gin.Default())
}

func scenarioGinRecovery([]string) {
	e := gin.New()
	e.Use(gin.Recovery())
	runGin(e)
}

func scenarioGinRelease([]string) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(gin.Recovery())
	runGin(e)
}

func init() {
	register("gin-default", scenarioGinDefault)
	register("gin-recovery", scenarioGinRecovery)
	register("gin-release", scenarioGinRelease)
}
