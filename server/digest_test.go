package server

import (
	"testing"

	"github.com/kvdserver/kvd/store"
)

// TestDigestVectors checks digests against values redis-server 7.0.15
// printed for the same data (DEBUG DIGEST-VALUE and DEBUG DIGEST).
func TestDigestVectors(t *testing.T) {
	const now = 1_700_000_000_000
	db := store.NewDB()
	db.SetString([]byte("foo"), []byte("bar"), store.EncEmbstr, store.SetOptions{Deadline: -1}, now)
	l := store.NewList()
	for _, v := range []string{"a", "b", "c"} {
		l.PushBack([]byte(v))
	}
	db.AddList([]byte("l"), l, now)
	h := store.NewHash()
	h.Set([]byte("a"), []byte("1"), store.HashLimits{MaxListpackEntries: 128, MaxListpackValue: 64})
	db.AddHash([]byte("h"), h, now)
	z := store.NewZSet()
	z.Add([]byte("a"), 0.1, 0, store.ZLimits{MaxEntries: 128, MaxValue: 64})
	zdb := store.NewDB()
	zdb.SetZSet([]byte("z"), z, now)

	value := func(db *store.DB, key string) string {
		var d digest
		e, ok := db.Peek([]byte(key))
		if !ok {
			t.Fatalf("no key %q", key)
		}
		digestValue(&d, e)
		return d.hex()
	}
	tests := []struct{ name, got, want string }{
		{"string", value(db, "foo"), "68467c70ae30376e7ce005bcc8827f5ba7fd67dc"},
		{"list", value(db, "l"), "8bf72d812571eea9b927f3c11beb0c4165a6ff89"},
		{"zset score 0.1", value(zdb, "z"), "b07654932c32238dbd9b8626f0dc40f18d973527"},
		{"data set", func() string { d := datasetDigest([]*store.DB{db}); return d.hex() }(), "4d0908e53f30bad77b901f2d9e1e00cca0c09680"},
		{"empty", func() string { d := datasetDigest([]*store.DB{store.NewDB()}); return d.hex() }(), "0000000000000000000000000000000000000000"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

// TestAppendScore17g checks the score format against C's "%.17g".
func TestAppendScore17g(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		want string
	}{
		{0.1, "0.10000000000000001"}, {1, "1"}, {-2.5, "-2.5"}, {1e20, "1e+20"}, {1e16, "10000000000000000"},
		{1e17, "1e+17"}, {0.0001, "0.0001"}, {0.00001, "1.0000000000000001e-05"}, {123456, "123456"},
	} {
		if got := string(appendScore17g(nil, tt.f)); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.f, got, tt.want)
		}
	}
}

func BenchmarkDatasetDigest(b *testing.B) {
	const now = 1_700_000_000_000
	db := store.NewDB()
	var key []byte
	for i := 0; i < 10000; i++ {
		key = append(key[:0], "key:"...)
		key = append(key, byte('0'+i%10), byte('0'+i/10%10), byte('0'+i/100%10), byte('0'+i/1000%10))
		db.SetString(key, []byte("value"), store.EncEmbstr, store.SetOptions{Deadline: -1}, now)
	}
	dbs := []*store.DB{db}
	b.ReportAllocs()
	for b.Loop() {
		datasetDigest(dbs)
	}
}
