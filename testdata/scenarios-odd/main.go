// Command scenarios-odd crashes through code whose file lines are not where
// its package is built from: a parser generated with //line directives
// pointing at its grammar (gen.go says it lives in grammar/expr.y), called by
// the program's own code. crashctl must blame the program's frame, not the
// generated one, unless told otherwise (formats/taxonomy.md, "Culprit").
package main

import "os"

type Evaluator struct{ vars map[string]int }

// eval is the program's own code: it hands the parser a nil table.
func (e *Evaluator) eval(src string) int {
	var table *symbolTable
	return parseExpr(src, table)
}

func main() {
	e := &Evaluator{}
	os.Exit(e.eval("a + b"))
}
