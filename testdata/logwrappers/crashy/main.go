// Command crashy is a small service that crashes in ways that stress log
// wrappers: a panic message with non-ASCII text (é, ☕, an emoji outside the
// BMP), ANSI colour escapes, a carriage return and an embedded newline
// ("unicode"), and a panic message of about 50 KB (longer than journald's 48 KiB LineMax and docker's and containerd's 16 KiB) on one line ("long"). It
// writes a few ordinary log lines to stdout and stderr first, as a service
// would.
//
//	crashy unicode|long
package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

type order struct {
	ID    int
	Note  string
	Items []string
}

//go:noinline
func render(o *order) string {
	// ESC[1;31m ... ESC[0m: the text a coloured logger would put in an error.
	msg := fmt.Sprintf("commande %d refusée: café ☕ 💥 \x1b[1;31mFATAL\x1b[0m progress 50%%\r100%%\nnote: %s", o.ID, o.Note)
	panic(msg)
}

// The prefix is chosen so that byte 16384 of the panic line falls inside the
// two-byte "°": docker and containerd cut their 16 KiB chunks mid-character.
//
//go:noinline
func dump(n int) string {
	var b strings.Builder
	b.WriteString(`payload rejected by schema validator for tenant acme: {"items":[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%05d","qty":%d,"label":"article n°%d"}`, i, i%7+1, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

//go:noinline
func validate(n int) {
	panic(fmt.Errorf("%s", dump(n)))
}

func main() {
	mode := "unicode"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	fmt.Println("starting myservice v1.4.2")
	fmt.Fprintln(os.Stderr, "\x1b[36mINFO\x1b[0m listening on :8080")
	fmt.Println("worker pool ready (4 workers)")
	os.Stdout.Sync()
	switch mode {
	case "unicode":
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			render(&order{ID: 42, Note: "client « Zoë » 🚀"})
		}()
		wg.Wait()
	case "long":
		validate(50000)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
}
