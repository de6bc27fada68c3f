// nilptr: main.(*Cache).lookup dereferences its nil receiver. Expected:
// nil-pointer-dereference, culprit main.(*Cache).lookup.
package main

type Cache struct {
	items map[string]string
	hits  int
}

//go:noinline
func (c *Cache) lookup(keys []string) string {
	for _, k := range keys {
		c.hits++
		if v, ok := c.items[k]; ok {
			return v
		}
	}
	return ""
}

type Server struct {
	cache *Cache
}

func (s *Server) handle(key string) string {
	return s.cache.lookup([]string{key})
}

func main() {
	s := &Server{}
	println(s.handle("user:42"))
}
