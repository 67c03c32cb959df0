package lzf

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func roundTrip(t testing.TB, src []byte) int {
	var c Compressor
	dst := make([]byte, len(src)+len(src)/32+4)
	n := c.Compress(dst, src)
	if n == 0 && len(src) > 0 {
		t.Fatalf("Compress of %d bytes into %d failed", len(src), len(dst))
	}
	out := make([]byte, len(src))
	if err := Decompress(out, dst[:n]); err != nil {
		t.Fatalf("Decompress: %v", err)
	}
	if !bytes.Equal(out, src) {
		t.Fatalf("round trip of %d bytes differs", len(src))
	}
	return n
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := [][]byte{
		nil, []byte("a"), []byte("abc"), bytes.Repeat([]byte("a"), 1000),
		bytes.Repeat([]byte("hello world "), 500),
	}
	rnd := make([]byte, 5000)
	for i := range rnd {
		rnd[i] = byte(r.IntN(256))
	}
	cases = append(cases, rnd)
	low := make([]byte, 20000)
	for i := range low {
		low[i] = "abcd"[r.IntN(4)]
	}
	cases = append(cases, low)
	for _, c := range cases {
		roundTrip(t, c)
	}
	if n := roundTrip(t, bytes.Repeat([]byte("a"), 1000)); n > 20 {
		t.Errorf("1000 a's compressed to %d bytes", n)
	}
}

// TestDecompressKnown decodes liblzf output (as Redis stores it).
func TestDecompressKnown(t *testing.T) {
	// "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" (50 a's): one
	// literal 'a', then a reference of 49 bytes at offset 0.
	src := []byte{0x00, 'a', 0xe0, 49 - 2 - 7, 0x00}
	out := make([]byte, 50)
	if err := Decompress(out, src); err != nil || !bytes.Equal(out, bytes.Repeat([]byte("a"), 50)) {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestDecompressCorrupt(t *testing.T) {
	for _, src := range [][]byte{
		{0x05, 'a'},       // literal past the end of input
		{0x20, 0x00},      // reference before the start of output
		{0x00, 'a', 0xe0}, // truncated long reference
		{0x00, 'a', 0x20}, // truncated offset
		{0x01, 'a', 'b'},  // too short for dst
	} {
		if err := Decompress(make([]byte, 3), src); err == nil {
			t.Errorf("Decompress(%x) succeeded", src)
		}
	}
}

func FuzzDecompress(f *testing.F) {
	f.Add([]byte{0x00, 'a', 0xe0, 40, 0x00}, 50)
	f.Add([]byte{0x02, 'a', 'b', 'c', 0x20, 0x02}, 6)
	f.Fuzz(func(t *testing.T, src []byte, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		_ = Decompress(make([]byte, n), src)
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello hello hello hello"))
	f.Fuzz(func(t *testing.T, src []byte) { roundTrip(t, src) })
}

func BenchmarkCompress(b *testing.B) {
	src := bytes.Repeat([]byte("kvd is a Redis-compatible server; "), 3000)
	dst := make([]byte, len(src))
	var c Compressor
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		c.Compress(dst, src)
	}
}

func BenchmarkDecompress(b *testing.B) {
	src := bytes.Repeat([]byte("kvd is a Redis-compatible server; "), 3000)
	dst := make([]byte, len(src))
	var c Compressor
	n := c.Compress(dst, src)
	comp := append([]byte(nil), dst[:n]...)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		_ = Decompress(dst, comp)
	}
}
