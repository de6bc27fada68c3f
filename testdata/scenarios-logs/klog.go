package main

// Scenarios klog, klog-crash: k8s.io/apimachinery/pkg/util/runtime
// HandleCrash (deferred in a worker goroutine) logs the panic through klog
// (stderr by default).
//
// Expected output (stderr), klog's structured error line:
//   E1206 10:00:00.123456   PID panic.go:LINE] "Observed a panic" panic=... panicGoValue=... stacktrace=<
//   	goroutine N [running]:
//   	k8s.io/apimachinery/pkg/util/runtime.logPanic(...)
//   	k8s.io/apimachinery/pkg/util/runtime.handleCrash(...)
//   	k8s.io/apimachinery/pkg/util/runtime.HandleCrash(...)     <- recovered here
//   	panic(...)
//   	...
//    >
// (every stack line indented by a tab, closed by " >"). The header names
// the caller HandleCrash asks klog to skip to (WithCallDepth(4)): a runtime
// file, not the application's.
//   klog:       runtime.ReallyCrash = false: HandleCrash logs and returns;
//               the worker divides by zero in main.(*RateCalculator).perSecond
//               (called from main.(*Reconciler).syncOne and
//               main.(*Reconciler).run); the process goes on and exits 0.
//   klog-crash: ReallyCrash = true (the default): after klog's message,
//               HandleCrash re-panics with the same value, and the process
//               dies (exit 2) with the runtime's fatal panic text: a nil map
//               assignment in main.(*Registry).register, printed as
//               "panic: assignment to entry in nil map [recovered]" (Go >=
//               1.25: "[recovered, repanicked]"), in the worker goroutine.

import (
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/klog/v2"
)

type RateCalculator struct {
	window map[string]int // seconds covered per resource
	events map[string]int
}

func (rc *RateCalculator) perSecond(resource string) int {
	return rc.events[resource] / rc.window[resource] // window is 0 for "pods"
}

type Reconciler struct {
	rates *RateCalculator
}

func (r *Reconciler) syncOne(resource string) int {
	return r.rates.perSecond(resource)
}

func (r *Reconciler) run(done chan<- struct{}, resources []string) {
	defer close(done)
	defer utilruntime.HandleCrash()
	for _, res := range resources {
		r.syncOne(res)
	}
}

type Registry struct {
	endpoints map[string][]string // never made: nil
}

func (reg *Registry) register(service, addr string) {
	reg.endpoints[service] = append(reg.endpoints[service], addr)
}

func (reg *Registry) syncEndpoints(addrs map[string]string) {
	for svc, a := range addrs {
		reg.register(svc, a)
	}
}

func watchEndpoints(reg *Registry) {
	defer utilruntime.HandleCrash()
	reg.syncEndpoints(map[string]string{"kube-dns": "10.96.0.10:53"})
}

func scenarioKlog([]string) {
	utilruntime.ReallyCrash = false
	r := &Reconciler{rates: &RateCalculator{
		window: map[string]int{"services": 60},
		events: map[string]int{"services": 120, "pods": 3000},
	}}
	done := make(chan struct{})
	go r.run(done, []string{"services", "pods"})
	<-done
	klog.Flush()
}

func scenarioKlogCrash([]string) {
	utilruntime.ReallyCrash = true
	go watchEndpoints(&Registry{})
	// Block until the re-panic in watchEndpoints kills the process.
	select {}
}

func init() {
	register("klog", scenarioKlog)
	register("klog-crash", scenarioKlogCrash)
}
