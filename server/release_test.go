package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/kvdserver/kvd/store"
)

// TestReleaseDropped checks that the cron hands memory back to the OS once
// the keyspace has dropped enough table memory, and only then.
func TestReleaseDropped(t *testing.T) {
	c := testClient(t, nil)
	s := c.srv
	s.releaseThreshold = 256 << 10
	wait := func() {
		for s.releasing.Load() {
			time.Sleep(time.Millisecond)
		}
	}
	fill := func(n int) {
		for i := range n {
			s.dbs[0].SetString(fmt.Appendf(nil, "key:%d", i), []byte("v"), store.EncEmbstr, store.SetOptions{Deadline: -1}, 0)
		}
	}
	steps := []struct {
		name string
		do   func()
		want int64
	}{
		{"idle", func() {}, 0},
		{"few keys", func() { fill(100) }, 0},
		// 20,000 keys: the tables replaced on the way add up to more than 256 KB.
		{"growth", func() { fill(20000) }, 1},
		{"nothing new", func() {}, 1},
		{"flush", func() { s.dbs[0].Flush() }, 2},
	}
	for _, st := range steps {
		st.do()
		s.cron()
		wait()
		if got := s.releases.Load(); got != st.want {
			t.Fatalf("after %s: %d releases, want %d", st.name, got, st.want)
		}
	}
}
