// Package ledger is a tiny package whose tests crash, so that `go test`
// output (plain, -json, through a pty, through gotestsum) can be recorded
// with real Go tracebacks inside it. See ../../wrap-logs.sh.
package ledger

import "fmt"

type Account struct {
	ID      string
	Balance int
}

type Ledger struct{ accounts map[string]*Account }

func New() *Ledger { return &Ledger{accounts: map[string]*Account{}} }

//go:noinline
func (l *Ledger) Transfer(from, to string, amount int) error {
	src := l.accounts[from]
	dst := l.accounts[to]
	if src.Balance < amount { // nil dereference when from is unknown
		return fmt.Errorf("insufficient funds in %s", from)
	}
	src.Balance -= amount
	dst.Balance += amount
	return nil
}

//go:noinline
func Fee(amounts []int, i int) int { return amounts[i] / 100 }
