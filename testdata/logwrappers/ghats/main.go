// Command ghats prefixes every line of its input with a timestamp the way
// GitHub Actions' raw job logs do ("2026-12-06T10:11:12.1234567Z ", UTC, 7
// fractional digits, one space). This is NOT the runner's code: it imitates
// the documented/observed prefix only. The clock is synthetic (start time
// from -start, +137.9 µs per line) so the output is reproducible. Bytes of
// each line (ANSI escapes, CR) are passed through unchanged; a last line
// without a newline gets one.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	start := flag.String("start", "2026-12-06T10:11:12.1234567Z", "timestamp of the first line (RFC 3339)")
	flag.Parse()
	t, err := time.Parse(time.RFC3339Nano, *start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			out.WriteString(t.UTC().Format("2006-01-02T15:04:05.0000000Z "))
			out.Write(line)
			if line[len(line)-1] != '\n' {
				out.WriteByte('\n')
			}
			t = t.Add(137900 * time.Nanosecond)
		}
		if err != nil {
			break
		}
	}
}
