package server

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestBacklog writes random chunks into backlogs of several sizes and
// checks every readable offset against a plain copy of the stream.
func TestBacklog(t *testing.T) {
	for _, size := range []int64{1, 7, 64, 1000} {
		r := rand.New(rand.NewPCG(uint64(size), 1))
		b := newBacklog(size, 100)
		var all []byte
		for i := 0; i < 300; i++ {
			chunk := make([]byte, r.IntN(int(size)*2+3))
			for j := range chunk {
				chunk[j] = byte(r.IntN(256))
			}
			b.write(chunk)
			all = append(all, chunk...)
			if i%50 == 0 {
				b.resize(size) // a no-op at the same size
			}
			if b.histlen != min(int64(len(all)), size) || b.first+b.histlen != 101+int64(len(all)) {
				t.Fatalf("size %d: histlen %d first %d after %d bytes", size, b.histlen, b.first, len(all))
			}
			for off := b.first; off <= b.first+b.histlen; off++ {
				got, ok := b.from(off)
				want := all[off-101:]
				if !ok || !bytes.Equal(got, want) {
					t.Fatalf("size %d: from(%d) = %q, %v; want %q", size, off, got, ok, want)
				}
			}
			if _, ok := b.from(b.first - 1); ok && b.first > 101 {
				t.Fatalf("size %d: from(%d) below the backlog succeeded", size, b.first-1)
			}
			if _, ok := b.from(b.first + b.histlen + 1); ok {
				t.Fatalf("size %d: from past the end succeeded", size)
			}
		}
		// Resizing keeps the latest bytes.
		b.resize(size * 2)
		got, _ := b.from(b.first)
		if !bytes.Equal(got, all[len(all)-int(b.histlen):]) {
			t.Fatalf("size %d: resize lost bytes", size)
		}
	}
}

// BenchmarkReplFeed measures the replication side of a write: the
// command turned into RESP, appended to the backlog and to one online
// replica's output (which the benchmark drains, as the loop would).
func BenchmarkReplFeed(b *testing.B) {
	s := testClient(b, nil).srv
	s.replInit()
	rc := s.newFakeClient()
	rc.repl = &replicaLink{state: replOnline}
	s.repl.replicas = append(s.repl.replicas, rc)
	argv := [][]byte{[]byte("SET"), []byte("key:000000012345"), []byte("value-value-value")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.replFeedCommand(0, argv)
		if i%64 == 0 {
			rc.out = rc.out[:0]
		}
	}
}
