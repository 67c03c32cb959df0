package store

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
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

// BenchmarkKeyspaceGrow inserts 1,000,000 keys into an empty keyspace,
// through every resize, in the default (incremental) mode and with every
// resize done in one pass. ns/op is per key; max-us is the longest single
// insertion, the pause a client would see from the table itself (the
// garbage collector is off while timing: on one core its worker would
// preempt the loop and its slices would be the longest pauses).
func BenchmarkKeyspaceGrow(b *testing.B) {
	const n = 1_000_000
	ents := make([]entry, n)
	for i := range ents {
		ents[i].alloc(fmt.Appendf(nil, "key:%012d", i), 16, -1, 0)
	}
	for _, mode := range []struct {
		name      string
		syncBelow int
	}{{"incremental", syncResizeKeys}, {"one-pass", n + 1}} {
		b.Run(mode.name, func(b *testing.B) {
			var worst time.Duration
			b.ReportAllocs()
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				runtime.GC()
				b.StartTimer()
				ks := newKeyspace(maphash.MakeSeed())
				ks.syncBelow = mode.syncBelow
				for j := range ents {
					start := time.Now()
					ks.put(ents[j])
					worst = max(worst, time.Since(start))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
			b.ReportMetric(float64(worst.Microseconds()), "max-us")
		})
	}
}
