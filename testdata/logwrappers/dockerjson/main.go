// Command dockerjson runs a command and records its stdout and stderr exactly
// as dockerd records a container's output with the default json-file log
// driver: daemon/logger.NewCopier (which splits the streams into lines and
// cuts lines longer than 16 KiB into partial messages) feeding
// daemon/logger/jsonfilelog (docker v28.5.2).
//
//	dockerjson -o container-json.log -- cmd args...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/docker/docker/daemon/logger"
	"github.com/docker/docker/daemon/logger/jsonfilelog"
)

func main() {
	out := flag.String("o", "", "json-file log to write")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: dockerjson -o FILE -- cmd args...")
		os.Exit(2)
	}
	os.Remove(*out)
	l, err := jsonfilelog.New(logger.Info{
		ContainerID:   "4f1c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0d",
		ContainerName: "/myservice",
		LogPath:       *out,
		Config:        map[string]string{},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	outPipe, _ := cmd.StdoutPipe()
	errPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c := logger.NewCopier(map[string]io.Reader{"stdout": outPipe, "stderr": errPipe}, l)
	c.Run()
	c.Wait()
	werr := cmd.Wait()
	l.Close()
	fmt.Fprintf(os.Stderr, "dockerjson: %s: %v\n", flag.Arg(0), werr)
}
