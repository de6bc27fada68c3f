package ledger

import "testing"

func TestTransfer(t *testing.T) {
	var l Ledger
	l.Transfer("alice", "bob", 250)
	if l.balances["bob"] != 250 {
		t.Fatalf("bob has %d", l.balances["bob"])
	}
}
