// Command parse times DataDog/gostackparse's Parse alone, in process, on a
// goroutine dump: the parse-only reference of bench/text_decoder.sh. It reads
// the file into memory first, so only parsing is timed, and prints the best
// of -runs as "<seconds> <goroutines> <frames> <errors>".
//
// gostackparse v0.7.0 does not read Go 1.22+ headers ("goroutine 1 gp=0x..
// m=nil [running]:"); -strip-gp removes " gp=.. m=.. mp=.." from headers
// before timing, and the benchmark says so.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/DataDog/gostackparse"
)

func main() {
	runs := flag.Int("runs", 3, "timed runs; the best is printed")
	strip := flag.Bool("strip-gp", false, "remove Go 1.22+ gp=/m=/mp= header fields first")
	flag.Parse()
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *strip {
		re := regexp.MustCompile(`(?m)^(goroutine \d+)(?: gp=0x[0-9a-f]+)?(?: m=(?:\d+|nil))?(?: mp=0x[0-9a-f]+)?( \[)`)
		data = re.ReplaceAll(data, []byte("$1$2"))
	}
	best := time.Duration(1<<63 - 1)
	var gs []*gostackparse.Goroutine
	var errs []error
	for i := 0; i < *runs; i++ {
		t0 := time.Now()
		gs, errs = gostackparse.Parse(bytes.NewReader(data))
		if d := time.Since(t0); d < best {
			best = d
		}
	}
	frames := 0
	for _, g := range gs {
		frames += len(g.Stack)
	}
	fmt.Printf("%.6f %d %d %d\n", best.Seconds(), len(gs), frames, len(errs))
}
