package main

// Scenarios zap-production, zap-development: go.uber.org/zap logging a
// panic recovered by the application's own HTTP middleware
// (main.zapRecover.func1.1 recovers and logs with
// logger.Error("panic recovered", zap.Any("panic", r), ...)); the handler
// assigns to a nil map in main.(*SessionCache).put, called from
// main.(*SessionCache).touch and main.sessionHandler.
//
// Expected output (stderr):
//   zap-production:  zap.NewProduction(): one JSON line,
//                    {"level":"error","ts":1.7e9,"caller":"scenarios-logs/zap.go:N","msg":"panic recovered","panic":"assignment to entry in nil map",...,"stacktrace":"main.zapRecover.func1.1\n\t/path/zap.go:N\nruntime.gopanic\n\t...\nmain.(*SessionCache).put\n\t..."}
//                    the automatic stacktrace (Error level and above):
//                    "FUNC\n\tFILE:LINE" pairs, no goroutine header, no
//                    arguments or offsets; the logging frame comes first.
//   zap-development: zap.NewDevelopment(): console encoder, tab-separated
//                    "TIME\tERROR\tCALLER\tMSG\t{JSON fields}" then the
//                    stacktrace as plain lines (FUNC / tab FILE:LINE).

import (
	"net/http"

	"go.uber.org/zap"
)

type SessionCache struct {
	byUser map[string]string // not made: nil
}

func (c *SessionCache) put(user, token string) {
	c.byUser[user] = token
}

func (c *SessionCache) touch(user string) {
	c.put(user, "tok-"+user)
}

func sessionHandler(w http.ResponseWriter, r *http.Request) {
	cache := &SessionCache{}
	cache.touch(r.URL.Query().Get("user"))
	w.Write([]byte("ok"))
}

// zapRecover is the application's recovery middleware.
func zapRecover(logger *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rec := recover(); rec != nil {
				logger.Error("panic recovered",
					zap.Any("panic", rec),
					zap.String("method", r.Method),
					zap.String("path", r.URL.Path),
				)
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func runZap(logger *zap.Logger) {
	defer logger.Sync()
	base := serveHTTP(zapRecover(logger, http.HandlerFunc(sessionHandler)))
	doRequest("GET", base+"/session?user=alice", nil)
}

func scenarioZapProduction([]string) {
	logger, err := zap.NewProduction()
	if err != nil {
		fail("zap: %v", err)
	}
	runZap(logger)
}

func scenarioZapDevelopment([]string) {
	logger, err := zap.NewDevelopment()
	if err != nil {
		fail("zap: %v", err)
	}
	runZap(logger)
}

func init() {
	register("zap-production", scenarioZapProduction)
	register("zap-development", scenarioZapDevelopment)
}
