package main

// Scenario fatal-after-log: a log with both a recovered panic and a real
// fatal crash. First a worker recovers a panic(error) raised in
// main.(*Segment).flush and logs it with zerolog (JSON line with a "stack"
// field from debug.Stack(), recovered in main.flushWorker.func1); then an
// ingest goroutine indexes past the end of a slice in main.(*ShardMap).slot
// (called from main.(*ShardMap).put and main.ingest), nothing recovers it,
// and the runtime prints
//   panic: runtime error: index out of range [8] with length 8
//   (blank line)
//   goroutine N [running]:
//   main.(*ShardMap).slot(...)
// and exits 2. Both go to stderr, in that order.

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/rs/zerolog"
)

type Segment struct {
	id    int
	quota int
	size  int
}

func (s *Segment) flush() {
	if s.size > s.quota {
		panic(errors.New("flush segment: disk quota exceeded"))
	}
}

func flushWorker(logger zerolog.Logger, done chan<- struct{}, segs []*Segment) {
	defer close(done)
	defer func() {
		if r := recover(); r != nil {
			logger.Error().Str("panic", fmt.Sprint(r)).Str("stack", string(debug.Stack())).Msg("flush worker recovered")
		}
	}()
	for _, s := range segs {
		s.flush()
	}
}

type ShardMap struct {
	shards []map[string]int
}

func (m *ShardMap) slot(key string) map[string]int {
	h := 0
	for _, c := range key {
		h += int(c)
	}
	return m.shards[h%9] // bug: 9 instead of len(m.shards)
}

func (m *ShardMap) put(key string, v int) {
	m.slot(key)[key] = v
}

func ingest(m *ShardMap, keys []string) {
	for i, k := range keys {
		m.put(k, i)
	}
}

func scenarioFatalAfterLog([]string) {
	logger := zerolog.New(os.Stderr).With().Timestamp().Logger()
	done := make(chan struct{})
	go flushWorker(logger, done, []*Segment{{id: 1, quota: 64, size: 65}})
	<-done

	m := &ShardMap{shards: make([]map[string]int, 8)}
	for i := range m.shards {
		m.shards[i] = map[string]int{}
	}
	go ingest(m, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"})
	select {} // the process dies in ingest
}

func init() {
	register("fatal-after-log", scenarioFatalAfterLog)
}
