package main

// Scenario zerolog: github.com/rs/zerolog (JSON, stderr) logging a panic
// recovered by the application's own HTTP middleware
// (main.zerologRecover.func1.1 recovers and logs with
// .Str("panic", ...).Str("stack", string(debug.Stack()))); the handler
// panics with an error value that wraps io.ErrUnexpectedEOF, raised in
// main.decodeFrame, called from main.(*StreamReader).next and
// main.streamHandler.
//
// Expected output (stderr), one JSON line:
//   {"level":"error","method":"POST","path":"/stream","panic":"decode frame 3: unexpected EOF","stack":"goroutine N [running]:\nruntime/debug.Stack()\n\t...","time":"...","message":"panic recovered"}

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/rs/zerolog"
)

type StreamReader struct {
	frames [][]byte
	pos    int
}

func decodeFrame(n int, b []byte) int {
	if len(b) < 4 {
		panic(fmt.Errorf("decode frame %d: %w", n, io.ErrUnexpectedEOF))
	}
	return int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
}

func (s *StreamReader) next() int {
	s.pos++
	return decodeFrame(s.pos, s.frames[s.pos-1])
}

func streamHandler(w http.ResponseWriter, r *http.Request) {
	s := &StreamReader{frames: [][]byte{{0, 0, 0, 1}, {0, 0, 0, 2}, {0, 0}}}
	sum := 0
	for i := 0; i < 3; i++ {
		sum += s.next()
	}
	fmt.Fprint(w, sum)
}

func zerologRecover(logger zerolog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rec := recover(); rec != nil {
				logger.Error().
					Str("method", r.Method).
					Str("path", r.URL.Path).
					Str("panic", fmt.Sprint(rec)).
					Str("stack", string(debug.Stack())).
					Msg("panic recovered")
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func scenarioZerolog([]string) {
	logger := zerolog.New(os.Stderr).With().Timestamp().Logger()
	base := serveHTTP(zerologRecover(logger, http.HandlerFunc(streamHandler)))
	doRequest("POST", base+"/stream", nil)
}

func init() {
	register("zerolog", scenarioZerolog)
}
