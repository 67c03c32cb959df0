package tests

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestEvictWritesTenTimesMaxmemory writes ten times maxmemory into a kvd
// process under allkeys-lru: used_memory stays within maxmemory plus a
// small margin throughout, and the resident set grows by at most twice
// maxmemory plus 32 MB (the Go heap's garbage between collections, kept
// down by the runtime's memory limit that maxmemory sets, and the I/O
// buffers of a pipelining client; measured: 49 MB for 16 MB).
func TestEvictWritesTenTimesMaxmemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 160 MB")
	}
	const maxmemory = 16 << 20
	bin := buildKvdBinary(t)
	addr, _, _ := startKvdBinary(t, bin, t.TempDir(), "--save", "", "--maxmemory", strconv.Itoa(maxmemory),
		"--maxmemory-policy", "allkeys-lru")
	c := dial(t, addr)
	rss0, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory_rss"), 10, 64)
	val := strings.Repeat("v", 2000)
	const batch = 500
	var maxUsed, maxRSS int64
	cmds := make([][]string, batch)
	for i := 0; i < 10*maxmemory/len(val); i += batch {
		for j := range cmds {
			cmds[j] = []string{"SET", fmt.Sprintf("key:%d", i+j), val}
		}
		for j, r := range c.pipeline(cmds) {
			if r != "+OK\r\n" {
				t.Fatalf("SET %d: %q", i+j, r)
			}
		}
		if i%(20*batch) == 0 {
			used, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory"), 10, 64)
			rss, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory_rss"), 10, 64)
			maxUsed, maxRSS = max(maxUsed, used), max(maxRSS, rss)
		}
	}
	evicted, _ := strconv.Atoi(infoField(t, c, "stats", "evicted_keys"))
	keys := strings.TrimSpace(c.do("DBSIZE"))
	t.Logf("maxmemory %d: used_memory at most %d, RSS at most %d (%d when empty), %d evicted, DBSIZE %s",
		maxmemory, maxUsed, maxRSS, rss0, evicted, keys)
	if maxUsed > maxmemory+maxmemory/20 {
		t.Errorf("used_memory reached %d, maxmemory %d", maxUsed, maxmemory)
	}
	if maxRSS-rss0 > 2*maxmemory+32<<20 {
		t.Errorf("RSS grew by %d, maxmemory %d", maxRSS-rss0, maxmemory)
	}
	if evicted < 50000 {
		t.Errorf("evicted_keys %d", evicted)
	}
}

// zipf draws ranks in [0, n) with probability proportional to 1/(rank+1)^s.
type zipf struct {
	cdf []float64
	r   *rand.Rand
}

func newZipf(n int, s float64, seed uint64) *zipf {
	z := &zipf{cdf: make([]float64, n), r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	sum := 0.0
	for i := range n {
		sum += 1 / math.Pow(float64(i+1), s)
		z.cdf[i] = sum
	}
	for i := range z.cdf {
		z.cdf[i] /= sum
	}
	return z
}

func (z *zipf) next() int {
	u := z.r.Float64()
	lo, hi := 0, len(z.cdf)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if z.cdf[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// TestEvictHitRatio runs the same seeded Zipf workload (a cache: GET, and
// SET on a miss) against kvd and redis-server, each with maxmemory set to
// hold about a quarter of the keys, under allkeys-lru and allkeys-lfu: the
// hit ratios must be within 5 percentage points of each other.
func TestEvictHitRatio(t *testing.T) {
	needRedis(t)
	if testing.Short() {
		t.Skip("a long workload")
	}
	s := privateServers(t, nil)
	const (
		nkeys    = 20000
		requests = 100000
		batch    = 200
	)
	val := strings.Repeat("x", 500)
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu"} {
		var ratios [2]float64
		for si, addr := range []string{s.redis, s.kvd} {
			c := dial(t, addr)
			c.do("FLUSHALL")
			c.do("CONFIG", "SET", "maxmemory", "0")
			c.do("CONFIG", "SET", "maxmemory-policy", policy)
			// Measure what a key costs on this server, to give both room
			// for the same number of keys.
			used0, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory"), 10, 64)
			cmds := make([][]string, 0, 1000)
			for i := range 2000 {
				cmds = append(cmds, []string{"SET", fmt.Sprintf("key:%d", i), val})
				if len(cmds) == cap(cmds) {
					c.pipeline(cmds)
					cmds = cmds[:0]
				}
			}
			used1, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory"), 10, 64)
			c.do("FLUSHALL")
			perKey := (used1 - used0) / 2000
			limit := used0 + perKey*nkeys/4
			c.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))

			z := newZipf(nkeys, 1.0, 42)
			hits := 0
			for done := 0; done < requests; done += batch {
				gets := make([][]string, batch)
				ranks := make([]int, batch)
				for i := range gets {
					ranks[i] = z.next()
					gets[i] = []string{"GET", fmt.Sprintf("key:%d", ranks[i])}
				}
				var sets [][]string
				for i, r := range c.pipeline(gets) {
					if r == "$-1\r\n" || r == "_\r\n" {
						sets = append(sets, []string{"SET", gets[i][1], val})
					} else {
						hits++
					}
				}
				if len(sets) > 0 {
					c.pipeline(sets)
				}
			}
			ratios[si] = float64(hits) / requests
			c.do("CONFIG", "SET", "maxmemory", "0")
			c.do("FLUSHALL")
		}
		t.Logf("%s: hit ratio redis %.2f%%, kvd %.2f%%", policy, 100*ratios[0], 100*ratios[1])
		if math.Abs(ratios[0]-ratios[1]) > 0.05 {
			t.Errorf("%s: hit ratio redis %.3f, kvd %.3f", policy, ratios[0], ratios[1])
		}
	}
}
