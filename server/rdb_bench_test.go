package server

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"testing"

	"github.com/kvdserver/kvd/store"
)

// Benchmarks of SAVE's serialisation and of loading, in process (no disk):
// scripts/rdb-bench.sh compares whole SAVEs and start-ups with
// redis-server.

func rdbBenchServer(b *testing.B, large bool) *Server {
	s := testClient(b, nil).srv
	db := s.dbs[0]
	if !large {
		val := []byte("value:0000000000")
		for i := 0; i < 100000; i++ {
			db.SetString([]byte(fmt.Sprintf("key:%d", i)), val, store.EncEmbstr, store.SetOptions{Deadline: -1}, 0)
		}
		return s
	}
	hl := store.HashLimits{MaxListpackEntries: 128, MaxListpackValue: 64}
	zl := store.ZLimits{MaxEntries: 128, MaxValue: 64}
	for c := 0; c < 25; c++ {
		h, l, st, z := store.NewHash(), store.NewList(), store.NewSet(), store.NewZSet()
		for i := 0; i < 2000; i++ {
			m := []byte("member:" + strconv.Itoa(i))
			h.Set(m, m, hl)
			l.PushBack(m)
			st.Add(m, 512)
			z.Add(m, float64(i*7919%2000), 0, zl)
		}
		db.AddHash([]byte(fmt.Sprint("hash:", c)), h, 0)
		db.AddList([]byte(fmt.Sprint("list:", c)), l, 0)
		db.StoreSet([]byte(fmt.Sprint("set:", c)), st, 0)
		db.SetZSet([]byte(fmt.Sprint("zset:", c)), z, 0)
	}
	return s
}

func benchSave(b *testing.B, large bool) {
	s := rdbBenchServer(b, large)
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		cw := &countWriter{}
		if err := s.writeRDB(cw); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	b.SetBytes(n)
}

func benchLoad(b *testing.B, large bool) {
	s := rdbBenchServer(b, large)
	var file bytes.Buffer
	if err := s.writeRDB(&file); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	b.ReportAllocs()
	for b.Loop() {
		for _, db := range s.dbs {
			db.FlushAndReseed()
		}
		if err := s.loadRDB(bytes.NewReader(file.Bytes()), int64(file.Len()), 0, false); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

func BenchmarkSaveSmallKeys(b *testing.B)        { benchSave(b, false) }
func BenchmarkLoadSmallKeys(b *testing.B)        { benchLoad(b, false) }
func BenchmarkSaveLargeCollections(b *testing.B) { benchSave(b, true) }
func BenchmarkLoadLargeCollections(b *testing.B) { benchLoad(b, true) }
