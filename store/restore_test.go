package store

import (
	"bytes"
	"fmt"
	"testing"
)

func TestReserveAndReseed(t *testing.T) {
	db := NewDB()
	db.Reserve(10000)
	for i := 0; i < 10000; i++ {
		db.SetString([]byte(fmt.Sprint("k", i)), []byte("v"), EncEmbstr, SetOptions{Deadline: -1}, 0)
	}
	if db.Len() != 10000 || db.keys.resizing {
		t.Fatalf("len %d, resizing %v: Reserve did not size the table", db.Len(), db.keys.resizing)
	}
	db.Reserve(1 << 20) // not empty: nothing happens
	seed := db.seed
	db.FlushAndReseed()
	if db.Len() != 0 || db.seed == seed {
		t.Fatalf("FlushAndReseed: len %d, same seed %v", db.Len(), db.seed == seed)
	}
}

func TestSetLRUAndIntset(t *testing.T) {
	db := NewDB()
	db.SetString([]byte("k"), []byte("v"), EncEmbstr, SetOptions{Deadline: -1}, 5_000_000)
	if !db.SetLRU([]byte("k"), LRUClock(1_000_000)) || db.SetLRU([]byte("nokey"), 0) {
		t.Fatal("SetLRU")
	}
	if x, _ := db.LookupWith([]byte("k"), 5_000_000, NoTouch); IdleMillis(x.LRU(), 5_000_000) != 4_000_000 {
		t.Fatalf("idle %d", IdleMillis(x.LRU(), 5_000_000))
	}
	s := NewSet()
	for _, v := range []int64{5, -3, 70000} {
		s.AddInt(v, 512)
	}
	want := []byte{4, 0, 0, 0, 3, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0x70, 0x11, 1, 0}
	if got := s.AppendIntset(nil); !bytes.Equal(got, want) {
		t.Fatalf("intset % x, want % x", got, want)
	}
}
