package hll

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// registersOf decodes any valid HyperLogLog into one byte per register.
func registersOf(t testing.TB, b []byte) *Registers {
	t.Helper()
	r := new(Registers)
	if !r.Merge(b) {
		t.Fatalf("cannot decode %q", b)
	}
	return r
}

func TestNew(t *testing.T) {
	want := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff")
	got := New()
	if !bytes.Equal(got, want) {
		t.Fatalf("New() = %q, want %q", got, want)
	}
	if !Valid(got) || IsDense(got) {
		t.Fatal("New() is not a valid sparse HyperLogLog")
	}
	if card, ok := CachedCount(got); !ok || card != 0 {
		t.Fatalf("CachedCount(New()) = %d, %v", card, ok)
	}
	if card, ok := Count(got); !ok || card != 0 {
		t.Fatalf("Count(New()) = %d, %v", card, ok)
	}
}

// TestPosition checks hashing against registers redis-server 7.0.15 set:
// each element added alone to an empty HyperLogLog, its sparse encoding
// decoded.
func TestPosition(t *testing.T) {
	tests := []struct {
		elem  string
		index int
		count uint8
	}{
		{"", 5938, 2},
		{"a", 12711, 2},
		{"hello", 9216, 1},
		{"12345678", 10579, 3},
		{"123456789", 9293, 2},
		{"\x00\xff", 3937, 1},
		{"foobarbazqux", 15858, 1},
		{string(bytes.Repeat([]byte("x"), 100)), 15288, 1},
	}
	for _, tt := range tests {
		index, count := position([]byte(tt.elem))
		if index != tt.index || count != tt.count {
			t.Errorf("position(%q) = %d, %d; want %d, %d", tt.elem, index, count, tt.index, tt.count)
		}
	}
}

// TestSingleElementBytes checks the exact string PFADD of one element makes.
func TestSingleElementBytes(t *testing.T) {
	b := New()
	if r := Add(&b, []byte("a"), DefaultSparseMaxBytes); r != 1 {
		t.Fatalf("Add = %d", r)
	}
	// 12711 zeros (XZERO), VAL 2, 3672 zeros (XZERO); cache stale.
	want := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x71\xa6\x84\x4e\x57")
	if !bytes.Equal(b, want) {
		t.Fatalf("got %q, want %q", b, want)
	}
	if r := Add(&b, []byte("a"), DefaultSparseMaxBytes); r != 0 {
		t.Fatalf("second Add = %d, want 0", r)
	}
}

func TestDenseRegisters(t *testing.T) {
	regs := make([]byte, DenseSize-HeaderSize)
	for i := 0; i < NumRegisters; i++ {
		denseSet(regs, i, uint8((i*7)%64))
	}
	for i := 0; i < NumRegisters; i++ {
		if got := denseGet(regs, i); got != uint8((i*7)%64) {
			t.Fatalf("register %d = %d, want %d", i, got, (i*7)%64)
		}
	}
	if denseSetMax(regs, 5, 1) {
		t.Fatal("denseSetMax lowered a register")
	}
	if !denseSetMax(regs, 0, 9) || denseGet(regs, 0) != 9 || denseGet(regs, 1) != 7 {
		t.Fatal("denseSetMax did not raise register 0 alone")
	}
}

// TestSparseMatchesDense adds the same elements to a sparse HyperLogLog
// (never promoted) and a dense one: the registers and counts must agree
// at every size.
func TestSparseMatchesDense(t *testing.T) {
	sparse := New()
	dense := New()
	if !SparseToDense(&dense) || len(dense) != DenseSize || !IsDense(dense) {
		t.Fatal("SparseToDense of an empty HyperLogLog failed")
	}
	const noLimit = 1 << 30
	for i := 0; i < 20000; i++ {
		elem := []byte("elem:" + strconv.Itoa(i))
		rs := Add(&sparse, elem, noLimit)
		rd := Add(&dense, elem, noLimit)
		if rs != rd {
			t.Fatalf("element %d: sparse Add = %d, dense Add = %d", i, rs, rd)
		}
		if i%997 == 0 || i < 50 {
			if *registersOf(t, sparse) != *registersOf(t, dense) {
				t.Fatalf("after %d elements the registers differ", i+1)
			}
			cs, ok1 := Count(sparse)
			cd, ok2 := Count(dense)
			if !ok1 || !ok2 || cs != cd {
				t.Fatalf("after %d elements: sparse count %d (%v), dense %d (%v)", i+1, cs, ok1, cd, ok2)
			}
		}
	}
	if IsDense(sparse) || len(sparse) < 10000 {
		t.Fatalf("sparse HyperLogLog is %d bytes, dense %v", len(sparse), IsDense(sparse))
	}
	if c, _ := Count(dense); c < 19000 || c > 21000 {
		t.Fatalf("count of 20000 elements = %d", c)
	}
}

// TestPromotion grows a sparse HyperLogLog element by element: it must
// stay within sparseMax while sparse, turn dense exactly when an insert
// would pass it, and keep every register.
func TestPromotion(t *testing.T) {
	for _, sparseMax := range []int{0, 20, 100, 3000} {
		t.Run(fmt.Sprint(sparseMax), func(t *testing.T) {
			b := New()
			var before *Registers
			for i := 0; i < 5000 && !IsDense(b); i++ {
				before = registersOf(t, b)
				if Add(&b, []byte(strconv.Itoa(i)), sparseMax) < 0 {
					t.Fatal("Add failed")
				}
				if !IsDense(b) && len(b) > max(sparseMax, HeaderSize+2) {
					t.Fatalf("sparse length %d exceeds %d", len(b), sparseMax)
				}
				if IsDense(b) {
					if len(b) != DenseSize {
						t.Fatalf("dense length %d", len(b))
					}
					after := registersOf(t, b)
					changed := 0
					for r := range after {
						if after[r] != before[r] {
							changed++
						}
					}
					if changed != 1 {
						t.Fatalf("promotion changed %d registers, want 1", changed)
					}
				}
			}
			if !IsDense(b) {
				t.Fatal("never promoted")
			}
		})
	}
}

// TestSparseMerging checks that neighbouring VAL opcodes of one value
// merge: registers 0..3 at 1 become a single VAL opcode.
func TestSparseMerging(t *testing.T) {
	b := New()
	for _, i := range []int{0, 2, 1, 3} {
		if Set(&b, i, 1, DefaultSparseMaxBytes) != 1 {
			t.Fatalf("Set(%d) did not change", i)
		}
	}
	// VAL(1,4) then XZERO(16380).
	want := []byte{0x83, 0x7f, 0xfb}
	if got := b[HeaderSize:]; !bytes.Equal(got, want) {
		t.Fatalf("opcodes % x, want % x", got, want)
	}
	// A fifth register at the same value cannot join (VAL holds 4 at most).
	Set(&b, 4, 1, DefaultSparseMaxBytes)
	want = []byte{0x83, 0x80, 0x7f, 0xfa}
	if got := b[HeaderSize:]; !bytes.Equal(got, want) {
		t.Fatalf("opcodes % x, want % x", got, want)
	}
	// Raising a register inside a VAL run splits it; the tail then joins
	// the VAL after it.
	Set(&b, 1, 5, DefaultSparseMaxBytes)
	want = []byte{0x80, 0x90, 0x82, 0x7f, 0xfa}
	if got := b[HeaderSize:]; !bytes.Equal(got, want) {
		t.Fatalf("opcodes % x, want % x", got, want)
	}
}

func TestValueAbove32Promotes(t *testing.T) {
	b := New()
	if Set(&b, 100, 33, DefaultSparseMaxBytes) != 1 || !IsDense(b) {
		t.Fatal("a register above 32 did not promote")
	}
	if r := registersOf(t, b); r[100] != 33 {
		t.Fatalf("register 100 = %d", r[100])
	}
}

func TestCorrupt(t *testing.T) {
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	tests := []struct {
		name string
		regs string
	}{
		{"no opcodes", ""},
		{"too few registers", "\x7f\xfe"},
		{"too many registers", "\x7f\xff\x00"},
		{"truncated xzero", "\x7f"},
		{"val past the end", "\x7f\xfe\x83"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(hdr + tt.regs)
			if !Valid(b) {
				t.Fatal("header check failed")
			}
			if _, ok := Count(b); ok {
				t.Error("Count accepted it")
			}
			if new(Registers).Merge(b) {
				t.Error("Merge accepted it")
			}
			c := bytes.Clone(b)
			if SparseToDense(&c) {
				t.Error("SparseToDense accepted it")
			}
		})
	}
	// An index past the covered registers cannot be set.
	b := []byte(hdr + "\x00")
	if r := Set(&b, 5, 1, DefaultSparseMaxBytes); r != -1 {
		t.Errorf("Set past the end = %d, want -1", r)
	}
}

func TestValid(t *testing.T) {
	dense := New()
	SparseToDense(&dense)
	tests := []struct {
		b    []byte
		want bool
	}{
		{New(), true},
		{dense, true},
		{dense[:DenseSize-1], false},
		{append(bytes.Clone(dense), 0), false},
		{[]byte("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false},
		{[]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false},
		{[]byte("HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false},
		{[]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), true},
	}
	for i, tt := range tests {
		if got := Valid(tt.b); got != tt.want {
			t.Errorf("case %d: Valid = %v, want %v", i, got, tt.want)
		}
	}
}

func TestCache(t *testing.T) {
	b := New()
	SetCachedCount(b, 0x0102)
	if c, ok := CachedCount(b); !ok || c != 0x0102 {
		t.Fatalf("CachedCount = %d, %v", c, ok)
	}
	Invalidate(b)
	if _, ok := CachedCount(b); ok {
		t.Fatal("cache still valid after Invalidate")
	}
	if !bytes.Equal(b[8:16], []byte{2, 1, 0, 0, 0, 0, 0, 0x80}) {
		t.Fatalf("card bytes % x", b[8:16])
	}
}

func TestEstimateExtremes(t *testing.T) {
	var r Registers
	if c := r.Count(); c != 0 {
		t.Fatalf("empty count %d", c)
	}
	for i := range r {
		r[i] = 63
	}
	// Every register at its maximum: the estimate is infinite, which
	// Redis's conversion turns into 1<<63.
	if c := r.Count(); c != 1<<63 {
		t.Fatalf("saturated count %d", c)
	}
	for i := range r {
		r[i] = 1
	}
	if c := r.Count(); c < 10000 || c > 30000 {
		t.Fatalf("all-ones count %d", c)
	}
}

func BenchmarkAddSparse(b *testing.B) {
	elems := make([][]byte, 1000)
	for i := range elems {
		elems[i] = []byte("member:" + strconv.Itoa(i))
	}
	for b.Loop() {
		h := New()
		for _, e := range elems {
			Add(&h, e, DefaultSparseMaxBytes)
		}
	}
}

func BenchmarkAddDense(b *testing.B) {
	h := New()
	SparseToDense(&h)
	elem := []byte("member:000000")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		elem = strconv.AppendInt(elem[:7], int64(i), 10)
		Add(&h, elem, DefaultSparseMaxBytes)
		i++
	}
}

func BenchmarkCountDense(b *testing.B) {
	h := New()
	SparseToDense(&h)
	for i := 0; i < 100000; i++ {
		Add(&h, []byte(strconv.Itoa(i)), DefaultSparseMaxBytes)
	}
	b.ReportAllocs()
	for b.Loop() {
		Count(h)
	}
}
