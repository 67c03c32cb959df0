package crc64

import (
	"bytes"
	"testing"
)

// bitwise is the textbook bit-at-a-time definition, the reference the
// tables are checked against.
func bitwise(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc ^= uint64(b)
		for j := 0; j < 8; j++ {
			if crc&1 == 1 {
				crc = crc>>1 ^ reflectedPoly
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestVectors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{
		{"", 0},
		{"123456789", 0xe9c6d914c4b8d9ca}, // Redis's crc64.c self-test
	} {
		if got := Checksum([]byte(tc.in)); got != tc.want {
			t.Errorf("Checksum(%q) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
}

func TestMatchesBitwise(t *testing.T) {
	buf := make([]byte, 1000)
	for i := range buf {
		buf[i] = byte(i*7 + i>>3)
	}
	for n := 0; n <= len(buf); n += 37 {
		if got, want := Checksum(buf[:n]), bitwise(0, buf[:n]); got != want {
			t.Fatalf("len %d: %#x != %#x", n, got, want)
		}
		// Incremental updates agree with one call.
		if got := Update(Update(0, buf[:n/3]), buf[n/3:n]); got != bitwise(0, buf[:n]) {
			t.Fatalf("incremental len %d", n)
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	buf := bytes.Repeat([]byte("kvd crc"), 64<<10/7)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Checksum(buf)
	}
}
