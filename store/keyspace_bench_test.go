package store

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// BenchmarkKeyspaceGet looks up random keys among n, the keyspace's share
// of a GET or SET; past the CPU caches its cost is a few cache misses.
func BenchmarkKeyspaceGet(b *testing.B) {
	for _, n := range []int{1000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ks := newKeyspace(maphash.MakeSeed())
			keys := make([][]byte, n)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("key:%012d", i))
				var e entry
				e.alloc(keys[i], 16, -1, 0)
				ks.put(e)
			}
			r := rand.New(rand.NewPCG(1, 2))
			order := make([]int32, 1<<16)
			for i := range order {
				order[i] = int32(r.IntN(n))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok := ks.get(keys[order[i&(len(order)-1)]]); !ok {
					b.Fatal("missing key")
				}
			}
		})
	}
}

// BenchmarkKeyspaceResize copies a table of 1,000,000 keys into a new one,
// the pause a growing keyspace takes (Redis rehashes incrementally instead).
func BenchmarkKeyspaceResize(b *testing.B) {
	ks := newKeyspace(maphash.MakeSeed())
	for i := range 1_000_000 {
		var e entry
		e.alloc(fmt.Appendf(nil, "key:%012d", i), 16, -1, 0)
		ks.put(e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ks.resize(ks.size+i%2, minSpill)
	}
}
