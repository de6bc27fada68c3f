// custom: main.checkQuota panics with a struct value that is neither an error
// nor a Stringer. Expected: explicit-panic; the runtime prints the type and
// the address(es) only, "(main.QuotaExceeded) (0x...,0x...)" up to go1.14,
// "(main.QuotaExceeded) 0x..." from go1.15; culprit main.checkQuota.
package main

type QuotaExceeded struct {
	Tenant string
	Used   int
	Limit  int
}

//go:noinline
func checkQuota(tenant string, sizes []int, limit int) int {
	used := 0
	for _, s := range sizes {
		used += s
	}
	if used > limit {
		panic(QuotaExceeded{Tenant: tenant, Used: used, Limit: limit})
	}
	return used
}

func main() {
	println(checkQuota("acme", []int{400, 700}, 1000))
}
