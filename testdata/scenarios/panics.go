package main

import (
	"errors"
	"fmt"
	"os"
)

// Explicit calls to panic with various kinds of values, panics in other
// goroutines, panics during panicking, re-panics and deep recursion.

func init() {
	register("panic-string", scenarioPanicString)
	register("panic-error", scenarioPanicError)
	register("panic-custom", scenarioPanicCustom)
	register("panic-custom-int", scenarioPanicCustomInt)
	register("panic-in-goroutine", scenarioPanicInGoroutine)
	register("panic-in-defer", scenarioPanicInDefer)
	register("repanic", scenarioRepanic)
	register("deep-recursion-panic", scenarioDeepRecursionPanic)
}

// ---- panic-string ---------------------------------------------------------

type Config struct {
	ListenAddr string
	Workers    int
}

//go:noinline
func validateConfig(c *Config) {
	if c.ListenAddr == "" {
		panic("config: missing required field \"listen_addr\"")
	}
}

//go:noinline
func loadConfig(path string) *Config {
	c := &Config{Workers: 4}
	validateConfig(c)
	return c
}

func scenarioPanicString() {
	fmt.Println(loadConfig("/etc/app/config.yaml"))
}

// ---- panic-error ----------------------------------------------------------

var ErrChecksum = errors.New("checksum mismatch")

//go:noinline
func verifyShard(id int, data []byte) error {
	if len(data)%2 == 1 {
		return fmt.Errorf("shard %d: %w", id, ErrChecksum)
	}
	return nil
}

//go:noinline
func openShard(id int) {
	if err := verifyShard(id, []byte{1, 2, 3}); err != nil {
		panic(fmt.Errorf("open shard: %w", err))
	}
}

func scenarioPanicError() {
	openShard(opaque(7))
}

// ---- panic-custom (struct value) / panic-custom-int (named int) ------------

type ValidationFailure struct {
	Field string
	Code  int
}

//go:noinline
func checkQuota(used, limit int) {
	if used > limit {
		panic(ValidationFailure{Field: "quota", Code: used - limit})
	}
}

//go:noinline
func admitJob(used int) {
	checkQuota(used, 100)
}

func scenarioPanicCustom() {
	admitJob(opaque(130))
}

type ExitCode int

//go:noinline
func (s *Supervisor) abort(code ExitCode) {
	s.state = "aborted"
	panic(code)
}

type Supervisor struct{ state string }

//go:noinline
func superviseChild(s *Supervisor, status int) {
	if status != 0 {
		s.abort(ExitCode(status))
	}
}

func scenarioPanicCustomInt() {
	superviseChild(&Supervisor{state: "running"}, opaque(42))
}

// ---- panic-in-goroutine ---------------------------------------------------

//go:noinline
func processJob(id int, payload []string) int {
	if len(payload) == 0 {
		panic(fmt.Sprintf("job %d: empty payload", id))
	}
	return len(payload)
}

//go:noinline
func jobWorker(id int, jobs <-chan []string, done chan<- struct{}) {
	for p := range jobs {
		processJob(id, p)
	}
	close(done) // not deferred: a panicking worker never signals
}

func scenarioPanicInGoroutine() {
	// This recover runs in goroutine 1 and cannot catch the worker's panic.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, "recovered in main:", r)
		}
	}()
	jobs := make(chan []string)
	done := make(chan struct{})
	go jobWorker(3, jobs, done)
	jobs <- []string{"a", "b"}
	jobs <- nil
	close(jobs)
	<-done
}

// ---- panic-in-defer -------------------------------------------------------

type Tx struct {
	id     int
	closed bool
}

//go:noinline
func (tx *Tx) rollback() {
	if !tx.closed {
		panic(fmt.Sprintf("tx %d: rollback failed: connection reset", tx.id))
	}
}

//go:noinline
func commitTx(tx *Tx) {
	defer tx.rollback()
	panic(fmt.Sprintf("tx %d: commit failed: deadlock detected", tx.id))
}

func scenarioPanicInDefer() {
	commitTx(&Tx{id: opaque(17)})
}

// ---- repanic --------------------------------------------------------------

//go:noinline
func decodeRecord(b []byte) int {
	if len(b) < 4 {
		panic(errors.New("decode: short record"))
	}
	return int(b[3])
}

//go:noinline
func safeDecode(b []byte) int {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, "safeDecode: cleaning up after", r)
			panic(r) // re-panic with the same value
		}
	}()
	return decodeRecord(b)
}

func scenarioRepanic() {
	fmt.Println(safeDecode([]byte{1, 2}))
}

// ---- deep-recursion-panic -------------------------------------------------

type TreeNode struct {
	depth    int
	children []*TreeNode
}

//go:noinline
func walkTree(n *TreeNode, depth int) int {
	if depth >= 300 {
		panic(fmt.Sprintf("walkTree: maximum depth %d exceeded", depth))
	}
	return walkTree(n, depth+1) + 1
}

func scenarioDeepRecursionPanic() {
	fmt.Println(walkTree(&TreeNode{}, 0))
}
