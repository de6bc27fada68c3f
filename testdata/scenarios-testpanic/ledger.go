// Package ledger is the scenario for test-panic: a unit test whose code
// under test assigns to a nil map. `go test` prints the runtime's panic
// text with testing.tRunner.func1.2 re-panicking the test's value on top,
// then FAIL lines (see ../generate-odd.sh).
package ledger

type Ledger struct {
	balances map[string]int // not made: nil
}

func (l *Ledger) credit(account string, cents int) {
	l.balances[account] += cents
}

func (l *Ledger) Transfer(from, to string, cents int) {
	l.credit(from, -cents)
	l.credit(to, cents)
}
