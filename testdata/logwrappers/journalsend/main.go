// Command journalsend logs a recovered panic's stack trace to the systemd
// journal through its native protocol, with the real
// github.com/coreos/go-systemd/v22/journal package (what Go services that
// log "to journald" use). Unlike a service's stderr (one journal entry per
// line), the whole multi-line trace becomes ONE entry whose MESSAGE holds
// newlines.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/coreos/go-systemd/v22/journal"
)

type session struct{ user *string }

//go:noinline
func (s *session) greet() string { return "bonjour " + *s.user }

func handle() {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("panic serving /greet: %v\n%s", r, debug.Stack())
			err := journal.Send(msg, journal.PriErr, map[string]string{
				"SYSLOG_IDENTIFIER": "myservice",
				"CODE_FUNC":         "main.handle",
				"REQUEST_PATH":      "/greet",
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, "journal.Send:", err)
				os.Exit(1)
			}
		}
	}()
	(&session{}).greet()
}

func main() {
	if !journal.Enabled() {
		fmt.Fprintln(os.Stderr, "journald socket not available")
		os.Exit(1)
	}
	handle()
}
