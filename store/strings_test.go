package store

import (
	"bytes"
	"strings"
	"testing"
)

func TestSetRange(t *testing.T) {
	tests := []struct {
		name   string
		start  string // initial value; "-" for a missing key
		offset int
		val    string
		want   string
	}{
		{"missing", "-", 0, "abc", "abc"},
		{"missing padded", "-", 3, "x", "\x00\x00\x00x"},
		{"inside", "hello", 1, "EL", "hELlo"},
		{"extends", "hello", 3, "LOOO", "helLOOO"},
		{"padded", "ab", 5, "z", "ab\x00\x00\x00z"},
		{"int value", "12345", 0, "9", "92345"},
		{"long value", strings.Repeat("a", 100), 98, "bcd", strings.Repeat("a", 98) + "bcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := NewDB()
			key := []byte("k")
			if tt.start != "-" {
				db.SetString(key, []byte(tt.start), ClassifyString([]byte(tt.start)), SetOptions{Deadline: 1e15}, 0)
			}
			if n := db.SetRange(key, tt.offset, []byte(tt.val), 0); n != len(tt.want) {
				t.Errorf("SetRange returned %d, want %d", n, len(tt.want))
			}
			e, ok := db.Lookup(key, 0)
			if !ok {
				t.Fatal("key missing")
			}
			if got := e.Str(); !bytes.Equal(got, []byte(tt.want)) {
				t.Errorf("value %q, want %q", got, tt.want)
			}
			if e.Encoding() != EncRaw {
				t.Errorf("encoding %s, want raw", e.Encoding())
			}
			wantDeadline := int64(-1)
			if tt.start != "-" {
				wantDeadline = 1e15
			}
			if e.Deadline() != wantDeadline {
				t.Errorf("deadline %d, want %d", e.Deadline(), wantDeadline)
			}
		})
	}
}

// TestSetRangeReusesCapacity checks that growing within spare capacity
// zero-fills the gap rather than exposing old bytes.
func TestSetRangeReusesCapacity(t *testing.T) {
	db := NewDB()
	key := []byte("k")
	db.AppendString(key, []byte("abcdefgh"), 0) // growable, with spare room
	p := db.MutableString(key, 0)
	*p = (*p)[:2] // shrink the visible value, leaving stale bytes in capacity
	if n := db.SetRange(key, 5, []byte("z"), 0); n != 6 {
		t.Fatalf("SetRange returned %d, want 6", n)
	}
	e, _ := db.Lookup(key, 0)
	if got := string(e.Str()); got != "ab\x00\x00\x00z" {
		t.Errorf("value %q", got)
	}
}

// TestEmptyStringValue reads an empty embedded value; under -race the
// checkptr instrumentation rejects a pointer one past the key allocation.
func TestEmptyStringValue(t *testing.T) {
	db := NewDB()
	for _, key := range []string{"k", ""} {
		db.SetString([]byte(key), nil, EncEmbstr, SetOptions{Deadline: -1}, 0)
		e, ok := db.Lookup([]byte(key), 0)
		if !ok {
			t.Fatalf("key %q missing", key)
		}
		if v := e.Str(); v == nil || len(v) != 0 {
			t.Errorf("key %q: value %q (nil %v), want empty", key, v, v == nil)
		}
	}
}
