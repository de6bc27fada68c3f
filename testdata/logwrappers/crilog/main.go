// Command crilog runs a command and records its stdout and stderr exactly as
// containerd 1.7's CRI plugin records a container's output in
// /var/log/pods/<pod>/<container>/0.log: it uses containerd's own
// pkg/cri/io.NewCRILogger (one logger per stream, both writing through
// pkg/ioutil.NewSerialWriteCloser to one file, as
// pkg/cri/server/container_start.go wires them).
//
//	crilog -o out.log [-max 16384] -- cmd args...
//
// -max is containerd's max_container_log_line_size (default 16 KiB; a line
// longer than that is cut into "P" chunks followed by an "F" chunk).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"

	cio "github.com/containerd/containerd/pkg/cri/io"
	cioutil "github.com/containerd/containerd/pkg/ioutil"
)

func main() {
	out := flag.String("o", "", "CRI log file to write")
	maxLen := flag.Int("max", 16*1024, "max_container_log_line_size")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: crilog -o FILE [-max N] -- cmd args...")
		os.Exit(2)
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wc := cioutil.NewSerialWriteCloser(f)
	stdout, stdoutCh := cio.NewCRILogger(*out, wc, cio.Stdout, *maxLen)
	stderr, stderrCh := cio.NewCRILogger(*out, wc, cio.Stderr, *maxLen)

	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	outPipe, _ := cmd.StdoutPipe()
	errPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// containerd copies each FIFO into its logger with io.CopyBuffer.
	done := make(chan struct{}, 2)
	go func() { io.Copy(stdout, outPipe); stdout.Close(); done <- struct{}{} }()
	go func() { io.Copy(stderr, errPipe); stderr.Close(); done <- struct{}{} }()
	<-done
	<-done
	werr := cmd.Wait()
	<-stdoutCh
	<-stderrCh
	wc.Close()
	fmt.Fprintf(os.Stderr, "crilog: %s: %v\n", flag.Arg(0), werr)
}
