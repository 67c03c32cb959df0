package server

import (
	"github.com/kvdserver/kvd/store"
	"strconv"
	"testing"
)

// TestEvictRequestPathNoAlloc checks that the maxmemory check before every
// command allocates nothing: SET of an existing key and GET with
// maxmemory set (and over it, under noeviction, for GET).
func TestEvictRequestPathNoAlloc(t *testing.T) {
	c := testClient(t, nil)
	testRun(c, "SET key 0123456789abcdef")
	testRun(c, "CONFIG SET maxmemory 1000000000")
	for _, tc := range requestPathCases {
		wire := []byte(tc.wire)
		requestPathRun(c, wire)
		if allocs := testing.AllocsPerRun(100, func() { requestPathRun(c, wire) }); allocs != 0 {
			t.Errorf("%s under maxmemory: %v allocations per run", tc.name, allocs)
		}
	}
	testRun(c, "CONFIG SET maxmemory 1")
	wire := []byte(requestPathCases[0].wire) // GET: not refused
	requestPathRun(c, wire)
	if allocs := testing.AllocsPerRun(100, func() { requestPathRun(c, wire) }); allocs != 0 {
		t.Errorf("GET over maxmemory: %v allocations per run", allocs)
	}
}

// TestEvictLRUPrefersIdle checks the pool's approximation: with keys of
// two ages, eviction under allkeys-lru takes mostly the idle ones.
func TestEvictLRUPrefersIdle(t *testing.T) {
	c := testClient(t, nil)
	s := c.srv
	testRun(c, "CONFIG SET maxmemory-policy allkeys-lru")
	now := s.nowMs()
	db := s.dbs[0]
	for i := range 2000 {
		key := []byte("old:" + strconv.Itoa(i))
		db.SetString(key, []byte("v"), store.EncEmbstr, store.SetOptions{Deadline: -1}, now-100_000)
	}
	for i := range 2000 {
		key := []byte("new:" + strconv.Itoa(i))
		db.SetString(key, []byte("v"), store.EncEmbstr, store.SetOptions{Deadline: -1}, now)
	}
	oldLeft := func() int {
		n := 0
		for i := range 2000 {
			if db.Contains([]byte("old:" + strconv.Itoa(i))) {
				n++
			}
		}
		return n
	}
	for range 1000 {
		dbIdx, key, ok := s.pickVictim()
		if !ok {
			t.Fatal("no victim")
		}
		s.evictKey(dbIdx, key)
	}
	if left := oldLeft(); left > 1200 {
		t.Errorf("evicting 1000 of 4000 keys left %d of the 2000 idle ones", left)
	}
	if s.evict.evicted != 1000 {
		t.Errorf("evicted_keys %d", s.evict.evicted)
	}
}

// BenchmarkSetEvicting is SET of new keys with maxmemory reached under
// allkeys-lru: every write evicts about one key.
func BenchmarkSetEvicting(b *testing.B) {
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction-unlimited"} {
		b.Run(policy, func(b *testing.B) {
			c := testClient(b, nil)
			if policy != "noeviction-unlimited" {
				testRun(c, "CONFIG SET maxmemory-policy "+policy)
				used := c.srv.usedMemory()
				testRun(c, "CONFIG SET maxmemory "+strconv.FormatInt(used+4<<20, 10))
			}
			val := make([]byte, 100)
			wire := make([]byte, 0, 256)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				wire = append(wire[:0], "*3\r\n$3\r\nSET\r\n$12\r\n"...)
				wire = strconv.AppendInt(wire, int64(100000000000+i), 10)
				wire = append(wire, "\r\n$100\r\n"...)
				wire = append(wire, val...)
				wire = append(wire, "\r\n"...)
				requestPathRun(c, wire)
				i++
			}
			b.ReportMetric(float64(c.srv.evict.evicted)/float64(b.N), "evicted/op")
		})
	}
}
