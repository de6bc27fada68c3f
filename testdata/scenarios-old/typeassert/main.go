// typeassert: main.asString asserts an int held in an interface{} to string.
// Expected: type-assertion ("interface conversion: interface is int, not
// string"; "interface {}" from go1.8), culprit main.asString.
package main

//go:noinline
func asString(vs []interface{}) string {
	s := ""
	for _, v := range vs {
		s += v.(string)
	}
	return s
}

func main() {
	println(asString([]interface{}{"a", 42}))
}
