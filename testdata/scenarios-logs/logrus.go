package main

// Scenarios logrus-text, logrus-json: github.com/sirupsen/logrus logging a
// panic recovered in a worker goroutine (main.(*Importer).run.func1
// recovers and logs with a field stack=string(debug.Stack())); the worker
// panics with a plain string in main.(*Conn).transition, called from
// main.(*Conn).close and main.(*Importer).importBatch.
//
// Expected output (stderr):
//   logrus-text: TextFormatter, not a terminal (no colours):
//                time="..." level=error msg="import worker panicked" batch=17 panic="unreachable: conn state closing -> open" stack="goroutine N [running]:\nruntime/debug.Stack()\n\t..."
//                one line; \n, \t and \" escaped (strconv.Quote).
//   logrus-json: JSONFormatter: {"batch":17,"level":"error","msg":"...","panic":"...","stack":"goroutine N [running]:\n...","time":"..."}
// The stack starts at runtime/debug.Stack, then main.(*Importer).run.func1
// (recovered here), panic(...), main.(*Conn).transition (raised here).

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/sirupsen/logrus"
)

type Conn struct {
	state string
}

func (c *Conn) transition(to string) {
	switch {
	case c.state == "open" && to == "closing", c.state == "closing" && to == "closed":
		c.state = to
	default:
		panic("unreachable: conn state " + c.state + " -> " + to)
	}
}

func (c *Conn) close() {
	c.transition("closing")
	c.transition("open") // bug: reopens while closing
}

type Importer struct {
	log *logrus.Logger
}

func (im *Importer) importBatch(batch int) {
	c := &Conn{state: "open"}
	c.close()
	fmt.Fprintln(os.Stdout, "imported batch", batch)
}

func (im *Importer) run(done chan<- struct{}, batch int) {
	defer close(done)
	defer func() {
		if r := recover(); r != nil {
			im.log.WithFields(logrus.Fields{
				"batch": batch,
				"panic": r,
				"stack": string(debug.Stack()),
			}).Error("import worker panicked")
		}
	}()
	im.importBatch(batch)
}

func runLogrus(formatter logrus.Formatter) {
	l := logrus.New() // writes to os.Stderr
	l.SetFormatter(formatter)
	done := make(chan struct{})
	go (&Importer{log: l}).run(done, 17)
	<-done
}

func scenarioLogrusText([]string) { runLogrus(&logrus.TextFormatter{}) }
func scenarioLogrusJSON([]string) { runLogrus(&logrus.JSONFormatter{}) }

func init() {
	register("logrus-text", scenarioLogrusText)
	register("logrus-json", scenarioLogrusJSON)
}
