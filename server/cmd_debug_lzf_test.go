package server

import (
	"bytes"
	"strings"
	"testing"
)

// TestLZFCompressedLen checks lengths liblzf gives (through redis-server's
// DEBUG OBJECT serializedlength) and the give-up cases.
func TestLZFCompressedLen(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want int
	}{
		// Redis's serializedlength minus marker and length prefixes.
		{strings.Repeat("a", 25), 21, 9},
		{strings.Repeat("ab", 30), 56, 10},
		{strings.Repeat("x", 10000), 9996, 120},
		{"abcdefghijklmnopqrstuvwxyz", 22, 0}, // nothing repeats: does not fit
		{"", 10, 0},
	}
	for _, tt := range tests {
		if got := lzfCompressedLen([]byte(tt.in), tt.max, nil); got != tt.want {
			t.Errorf("%.20q (%d bytes) max %d: got %d, want %d", tt.in, len(tt.in), tt.max, got, tt.want)
		}
	}
}

// FuzzLZFCompressedLen checks that any input gives a length within the
// limit (or 0) without reading outside it.
func FuzzLZFCompressedLen(f *testing.F) {
	for _, s := range []string{"", "a", "abc", strings.Repeat("a", 300), strings.Repeat("hello world ", 50),
		"abcabcabcabd", string(bytes.Repeat([]byte{0, 1, 2}, 100))} {
		f.Add([]byte(s), len(s))
	}
	tab := new(lzfTable) // reused, as DEBUG OBJECT does
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max < 0 || max > 1<<20 {
			return
		}
		got := lzfCompressedLen(in, max, tab)
		if fresh := lzfCompressedLen(in, max, nil); fresh != got {
			t.Fatalf("reused table: %d, fresh table: %d", got, fresh)
		}
		if got < 0 || got > max {
			t.Fatalf("length %d outside [0, %d]", got, max)
		}
		if got == 0 {
			return
		}
		// Compressed data never takes more than the input plus one
		// control byte per 32 literals.
		if got > len(in)+len(in)/32+1 {
			t.Fatalf("length %d for %d bytes", got, len(in))
		}
	})
}

func BenchmarkLZFCompressedLen(b *testing.B) {
	in := []byte(strings.Repeat("the quick brown fox jumps over the lazy dog ", 100))
	tab := new(lzfTable)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		lzfCompressedLen(in, len(in)-4, tab)
	}
}
