// mutex: main.(*Session).release unlocks a mutex that is not locked (the
// second release). Expected: unlock-of-unlocked-mutex: "fatal error: sync:
// unlock of unlocked mutex" in go1.8 and from go1.10; up to go1.7 and
// in go1.9 sync.(*Mutex).Unlock called panic, printed "panic: sync: unlock
// of unlocked mutex" (a recoverable panic then). Culprit main.(*Session).release.
package main

import "sync"

type Session struct {
	mu    sync.Mutex
	users []string
}

//go:noinline
func (s *Session) release(names []string) {
	for _, n := range names {
		s.users = append(s.users, n)
	}
	s.mu.Unlock()
}

func main() {
	s := &Session{}
	s.mu.Lock()
	s.release([]string{"a"})
	s.release([]string{"b"})
}
