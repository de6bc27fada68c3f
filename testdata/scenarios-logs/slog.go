package main

// Scenarios slog-json, slog-text: log/slog logging a panic recovered in a
// queue consumer goroutine (main.(*Dispatcher).consume.func1 recovers and
// logs slog.Error("consumer panicked", "panic", r, "stack",
// string(debug.Stack()))); the consumer sends on a channel that was already
// closed, in main.(*Dispatcher).publish called from
// main.(*Dispatcher).handle.
//
// Expected output (stderr), one line:
//   slog-json: {"time":"...","level":"ERROR","msg":"consumer panicked","queue":"billing","panic":"send on closed channel","stack":"goroutine N [running]:\n..."}
//   slog-text: time=... level=ERROR msg="consumer panicked" queue=billing panic="send on closed channel" stack="goroutine N [running]:\n..."

import (
	"log/slog"
	"os"
	"runtime/debug"
)

type Dispatcher struct {
	log *slog.Logger
	out chan string
}

func (d *Dispatcher) publish(ev string) {
	d.out <- ev
}

func (d *Dispatcher) handle(msg string) {
	d.publish("billed:" + msg)
}

func (d *Dispatcher) consume(done chan<- struct{}, queue string, msgs []string) {
	defer close(done)
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("consumer panicked", "queue", queue, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	for _, m := range msgs {
		d.handle(m)
	}
}

func runSlog(h slog.Handler) {
	d := &Dispatcher{log: slog.New(h), out: make(chan string, 8)}
	close(d.out) // shut down too early
	done := make(chan struct{})
	go d.consume(done, "billing", []string{"inv-1"})
	<-done
}

func scenarioSlogJSON([]string) { runSlog(slog.NewJSONHandler(os.Stderr, nil)) }
func scenarioSlogText([]string) { runSlog(slog.NewTextHandler(os.Stderr, nil)) }

func init() {
	register("slog-json", scenarioSlogJSON)
	register("slog-text", scenarioSlogText)
}
