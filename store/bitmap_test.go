package store

import (
	"bytes"
	"testing"
)

func TestGrowString(t *testing.T) {
	tests := []struct {
		name  string
		start string // initial value; "-" for a missing key
		size  int
		want  string
	}{
		{"missing", "-", 3, "\x00\x00\x00"},
		{"missing empty", "-", 0, ""},
		{"shorter", "ab", 4, "ab\x00\x00"},
		{"long enough", "abcdef", 2, "abcdef"},
		{"int", "123", 5, "123\x00\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := NewDB()
			key := []byte("k")
			if tt.start != "-" {
				db.SetString(key, []byte(tt.start), ClassifyString([]byte(tt.start)), SetOptions{Deadline: 1e15}, 0)
			}
			p := db.GrowString(key, tt.size, 0)
			if !bytes.Equal(*p, []byte(tt.want)) {
				t.Fatalf("buffer %q, want %q", *p, tt.want)
			}
			e, ok := db.Lookup(key, 0)
			if !ok || !bytes.Equal(e.Str(), []byte(tt.want)) || e.Encoding() != EncRaw {
				t.Fatalf("stored %q (%v, %s)", e.Str(), ok, e.Encoding())
			}
			if wantTTL := tt.start != "-"; (e.Deadline() >= 0) != wantTTL {
				t.Fatalf("deadline %d", e.Deadline())
			}
			// Changes through the buffer are the stored value.
			if len(*p) > 0 {
				(*p)[0] = 'Z'
				if e, _ := db.Lookup(key, 0); e.Str()[0] != 'Z' {
					t.Fatal("buffer does not alias the value")
				}
			}
		})
	}
}

// TestGrowStringZeroesSpareCapacity checks that regrowing within capacity
// left by a shrink exposes zeros, not old bytes.
func TestGrowStringZeroesSpareCapacity(t *testing.T) {
	db := NewDB()
	key := []byte("k")
	p := db.GrowString(key, 10, 0)
	copy(*p, "0123456789")
	p = db.GrowString(key, 100, 0)
	copy((*p)[10:], bytes.Repeat([]byte("x"), 90))
	*p = (*p)[:5]
	p = db.GrowString(key, 50, 0)
	if want := append([]byte("01234"), make([]byte, 45)...); !bytes.Equal(*p, want) {
		t.Fatalf("got %q", *p)
	}
}

func TestSetStringOwned(t *testing.T) {
	db := NewDB()
	key := []byte("k")
	db.SetString(key, []byte("old"), EncEmbstr, SetOptions{Deadline: 1e15}, 0)
	b := []byte("new value")
	p := db.SetStringOwned(key, b, 0)
	e, ok := db.Lookup(key, 0)
	if !ok || string(e.Str()) != "new value" || e.Deadline() != -1 || e.Encoding() != EncRaw {
		t.Fatalf("stored %q deadline %d encoding %s", e.Str(), e.Deadline(), e.Encoding())
	}
	*p = append(*p, '!')
	if e, _ := db.Lookup(key, 0); string(e.Str()) != "new value!" {
		t.Fatalf("after append %q", e.Str())
	}
}
