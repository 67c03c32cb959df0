package bitops

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bitAt is the reference for every helper: bit i of b, MSB first, zero
// past the end.
func bitAt(b []byte, i uint64) uint64 {
	if i>>3 >= uint64(len(b)) {
		return 0
	}
	return uint64(b[i>>3]>>(7-i&7)) & 1
}

func randBytes(r *rand.Rand, n int, density int) []byte {
	b := make([]byte, n)
	for i := range b {
		switch density {
		case 0:
			b[i] = 0
		case 1:
			b[i] = 0xff
		default:
			b[i] = byte(r.Uint32())
		}
	}
	return b
}

func TestPopcount(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 100; n++ {
		for _, density := range []int{0, 1, 2} {
			b := randBytes(r, n, density)
			var want int64
			for i := uint64(0); i < uint64(n)*8; i++ {
				want += int64(bitAt(b, i))
			}
			if got := Popcount(b); got != want {
				t.Fatalf("Popcount(%x) = %d, want %d", b, got, want)
			}
		}
	}
}

func TestBitpos(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 40; n++ {
		for trial := 0; trial < 20; trial++ {
			// Mostly uniform strings with one odd bit somewhere.
			density := trial % 2
			b := randBytes(r, n, density)
			if n > 0 && trial%4 < 2 {
				i := r.IntN(n * 8)
				b[i/8] ^= 0x80 >> (i % 8)
			}
			if trial >= 16 {
				b = randBytes(r, n, 2)
			}
			for bit := 0; bit <= 1; bit++ {
				want := int64(-1)
				for i := uint64(0); i < uint64(n)*8; i++ {
					if bitAt(b, i) == uint64(bit) {
						want = int64(i)
						break
					}
				}
				if want == -1 && bit == 0 {
					want = int64(n) * 8
				}
				if got := Bitpos(b, bit); got != want {
					t.Fatalf("Bitpos(%x, %d) = %d, want %d", b, bit, got, want)
				}
			}
		}
	}
}

func TestGetSetFields(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 5000; trial++ {
		b := randBytes(r, 1+r.IntN(12), 2)
		width := 1 + r.IntN(64)
		off := uint64(r.IntN(len(b)*8 + 16)) // may run past the end
		var want uint64
		for i := uint64(0); i < uint64(width); i++ {
			want = want<<1 | bitAt(b, off+i)
		}
		if got := GetUnsigned(b, off, width); got != want {
			t.Fatalf("GetUnsigned(%x, %d, %d) = %#x, want %#x", b, off, width, got, want)
		}
		wantSigned := int64(want)
		if width < 64 && want>>(width-1) == 1 {
			wantSigned = int64(want) - int64(1)<<width
		}
		if got := GetSigned(b, off, width); got != wantSigned {
			t.Fatalf("GetSigned(%x, %d, %d) = %d, want %d", b, off, width, got, wantSigned)
		}

		// Write a random value inside the string; bits around it must stay.
		if off+uint64(width) > uint64(len(b))*8 {
			continue
		}
		before := append([]byte(nil), b...)
		v := r.Uint64()
		SetUnsigned(b, off, width, v)
		for i := uint64(0); i < uint64(len(b))*8; i++ {
			exp := bitAt(before, i)
			if i >= off && i < off+uint64(width) {
				exp = v >> (uint64(width) - 1 - (i - off)) & 1
			}
			if bitAt(b, i) != exp {
				t.Fatalf("SetUnsigned(%x, %d, %d, %#x) = %x: bit %d wrong", before, off, width, v, b, i)
			}
		}
	}
}

func TestCheckUnsigned(t *testing.T) {
	tests := []struct {
		name      string
		value     uint64
		incr      int64
		bits      int
		ow        Overflow
		wantLimit uint64
		wantOflow int
	}{
		{"fits", 10, 5, 8, Wrap, 0, 0},
		{"max exactly", 250, 5, 8, Sat, 0, 0},
		{"over wraps", 250, 6, 8, Wrap, 0, 1},
		{"over saturates", 250, 6, 8, Sat, 255, 1},
		{"over fails", 250, 6, 8, Fail, 255, 1},
		{"under wraps", 3, -4, 8, Wrap, 255, -1},
		{"under saturates", 3, -4, 8, Sat, 0, -1},
		{"zero exactly", 3, -3, 8, Sat, 0, 0},
		{"u1 wrap", 1, 1, 1, Wrap, 0, 1},
		{"u1 sat", 1, 1, 1, Sat, 1, 1},
		{"u63 max", math.MaxInt64 - 1, 1, 63, Sat, 0, 0},
		{"u63 over", math.MaxInt64, 1, 63, Sat, math.MaxInt64, 1},
		{"u63 over wraps", math.MaxInt64, 1, 63, Wrap, 0, 1},
		{"set -1 wraps", math.MaxUint64, 0, 8, Wrap, 255, 1},
		{"set -1 saturates high", math.MaxUint64, 0, 8, Sat, 255, 1},
		{"set 256 wraps", 256, 0, 8, Wrap, 0, 1},
		{"huge decrement", 5, math.MinInt64, 8, Wrap, 5, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit, oflow := CheckUnsigned(tt.value, tt.incr, tt.bits, tt.ow)
			if oflow != tt.wantOflow || (oflow != 0 && tt.ow != Fail && limit != tt.wantLimit) {
				t.Errorf("CheckUnsigned(%d, %d, %d) = %d, %d; want %d, %d", tt.value, tt.incr, tt.bits, limit, oflow, tt.wantLimit, tt.wantOflow)
			}
		})
	}
}

func TestCheckSigned(t *testing.T) {
	tests := []struct {
		name      string
		value     int64
		incr      int64
		bits      int
		ow        Overflow
		wantLimit int64
		wantOflow int
	}{
		{"fits", 10, 5, 8, Wrap, 0, 0},
		{"max exactly", 120, 7, 8, Sat, 0, 0},
		{"over wraps", 120, 8, 8, Wrap, -128, 1},
		{"over saturates", 120, 8, 8, Sat, 127, 1},
		{"min exactly", -120, -8, 8, Sat, 0, 0},
		{"under wraps", -120, -9, 8, Wrap, 127, -1},
		{"under saturates", -120, -9, 8, Sat, -128, -1},
		{"i1 over", 0, 1, 1, Wrap, -1, 1},
		{"i1 sat", 0, 1, 1, Sat, 0, 1},
		{"i1 under sat", -1, -1, 1, Sat, -1, -1},
		{"i64 over wraps", math.MaxInt64, 1, 64, Wrap, math.MinInt64, 1},
		{"i64 over sat", math.MaxInt64, 1, 64, Sat, math.MaxInt64, 1},
		{"i64 under sat", math.MinInt64, -1, 64, Sat, math.MinInt64, -1},
		{"i64 fits", -5, math.MaxInt64, 64, Sat, 0, 0},
		{"set 200 wraps", 200, 0, 8, Wrap, -56, 1},
		{"set -200 wraps", -200, 0, 8, Wrap, 56, -1},
		// Redis's own arithmetic wraps computing the headroom for a value
		// far below the type: it classifies this as an overflow upwards.
		{"set min int64 in i8", math.MinInt64, 0, 8, Sat, 127, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit, oflow := CheckSigned(tt.value, tt.incr, tt.bits, tt.ow)
			if oflow != tt.wantOflow || (oflow != 0 && limit != tt.wantLimit) {
				t.Errorf("CheckSigned(%d, %d, %d) = %d, %d; want %d, %d", tt.value, tt.incr, tt.bits, limit, oflow, tt.wantLimit, tt.wantOflow)
			}
		})
	}
}

func BenchmarkPopcount(b *testing.B) {
	buf := randBytes(rand.New(rand.NewPCG(7, 8)), 1<<16, 2)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Popcount(buf)
	}
}

func BenchmarkBitpos(b *testing.B) {
	buf := make([]byte, 1<<16)
	buf[len(buf)-1] = 1
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Bitpos(buf, 1)
	}
}
