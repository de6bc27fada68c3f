package ledger

import (
	"runtime/debug"
	"testing"
)

// Runs first: recovers the panic and logs the stack with t.Log, so the trace
// ends up inside the test's output (indented by the testing package).
func TestTransferRecovered(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Logf("recovered: %v", r)
			t.Log(string(debug.Stack()))
		}
	}()
	New().Transfer("alice", "bob", 10)
}

func TestFeeOK(t *testing.T) {
	if got := Fee([]int{250}, 0); got != 2 {
		t.Fatalf("Fee = %d", got)
	}
}

// Runs last: the panic is not recovered, the test binary dies with the
// runtime's traceback and `go test` reports the package as failed.
func TestFeeOutOfRange(t *testing.T) {
	t.Log("computing fee for entry 3: café ☕ 💥 \x1b[31m<unpaid>\x1b[0m & overdue")
	Fee([]int{100, 200}, 3)
}
