// Command klogdemo logs Go stack traces the ways Kubernetes components do,
// with the real k8s.io/klog/v2 and k8s.io/apimachinery:
//
//	errorf      klog.Errorf("...%s", debug.Stack()): klog's header is on the
//	            first line only, the trace lines follow unprefixed.
//	errors      klog.ErrorS(err, "msg", "stack", string(debug.Stack())):
//	            structured text, a multi-line value rendered as stack=<
//	            ... > with every line indented by a tab.
//	handlecrash apimachinery's util/runtime.HandleCrash (as used by
//	            controllers) with ReallyCrash=true: it logs "Observed a
//	            panic" with the stacktrace through klog, then re-panics and
//	            the process dies with the runtime's own traceback.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/klog/v2"
)

type podSpec struct{ Containers []string }

type reconciler struct{ cache map[string]*podSpec }

//go:noinline
func (r *reconciler) reconcile(key string) int {
	spec := r.cache[key]
	return len(spec.Containers) // nil dereference when key is missing
}

func syncErrorf(r *reconciler) {
	defer func() {
		if p := recover(); p != nil {
			klog.Errorf("sync of %q failed: %v\n%s", "default/web-0", p, debug.Stack())
		}
	}()
	r.reconcile("default/web-0")
}

func syncErrorS(r *reconciler) {
	defer func() {
		if p := recover(); p != nil {
			err := errors.New(fmt.Sprint(p))
			klog.ErrorS(err, "Reconciler panicked", "key", "default/web-0", "stack", string(debug.Stack()))
		}
	}()
	r.reconcile("default/web-0")
}

func syncHandleCrash(r *reconciler) {
	defer utilruntime.HandleCrash()
	r.reconcile("default/web-0")
}

func main() {
	klog.InitFlags(nil)
	flag.Parse()
	mode := "errorf"
	if flag.NArg() > 0 {
		mode = flag.Arg(0)
	}
	defer klog.Flush()
	r := &reconciler{cache: map[string]*podSpec{}}
	klog.InfoS("Starting controller", "controller", "web", "workers", 2)
	switch mode {
	case "errorf":
		syncErrorf(r)
	case "errors":
		syncErrorS(r)
	case "handlecrash":
		syncHandleCrash(r)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	klog.Info("controller stopped")
}
