package main

// Scenarios zap-error and zap-nostack-then-crash: zap output that is not a
// recovered panic's stack.
//
//   zap-error: zap.NewProduction() logs an ordinary error, no panic
//     anywhere: logger.Error("charge failed", zap.Error(err)) in
//     main.(*Billing).charge. Production loggers add "stacktrace" to every
//     Error-level record, so the line carries a stack (FUNC / TAB FILE:LINE,
//     the logging function first) with no runtime.gopanic in it. Exit 0.
//   zap-nostack-then-crash: a production config with the console encoder
//     and DisableStacktrace logs a recovered panic at Error level with no
//     stack ("EPOCH\terror\tCALLER\tpanic recovered\t{"panic": "..."}");
//     then main.(*Histogram).bucket indexes past the end of a slice,
//     nothing recovers it, and the runtime prints its fatal panic, exit 2.

import (
	"errors"
	"fmt"

	"go.uber.org/zap"
)

type Billing struct {
	logger *zap.Logger
}

var errCardDeclined = errors.New("card declined: insufficient funds")

func (b *Billing) charge(account string, cents int) error {
	err := fmt.Errorf("charge %s %d: %w", account, cents, errCardDeclined)
	b.logger.Error("charge failed", zap.String("account", account), zap.Error(err))
	return err
}

func scenarioZapError([]string) {
	logger, err := zap.NewProduction()
	if err != nil {
		fail("zap: %v", err)
	}
	defer logger.Sync()
	b := &Billing{logger: logger}
	_ = b.charge("acct-17", 4200)
}

type Histogram struct {
	counts []int
}

func (h *Histogram) bucket(v int) *int {
	return &h.counts[v/10] // bug: no upper bound
}

func (h *Histogram) observe(v int) {
	*h.bucket(v)++
}

func recoverQuietly(logger *zap.Logger) {
	defer func() {
		if r := recover(); r != nil {
			logger.Error("panic recovered", zap.Any("panic", r))
		}
	}()
	var m map[string]int
	m["warmup"] = 1
}

func scenarioZapNoStackThenCrash([]string) {
	cfg := zap.NewProductionConfig()
	cfg.Encoding = "console"
	cfg.DisableStacktrace = true
	logger, err := cfg.Build()
	if err != nil {
		fail("zap: %v", err)
	}
	recoverQuietly(logger)
	logger.Sync()
	h := &Histogram{counts: make([]int, 5)}
	for _, v := range []int{3, 17, 42, 55} {
		h.observe(v)
	}
}

func init() {
	register("zap-error", scenarioZapError)
	register("zap-nostack-then-crash", scenarioZapNoStackThenCrash)
}
