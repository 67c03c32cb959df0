package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// refList is the reference the List is checked against: a plain slice.
type refList [][]byte

func (r *refList) remove(v []byte, count int, fromBack bool) int {
	removed := 0
	if !fromBack {
		out := (*r)[:0:0]
		for _, e := range *r {
			if bytes.Equal(e, v) && (count == 0 || removed < count) {
				removed++
				continue
			}
			out = append(out, e)
		}
		*r = out
		return removed
	}
	keep := make([]bool, len(*r))
	for i := len(*r) - 1; i >= 0; i-- {
		if bytes.Equal((*r)[i], v) && (count == 0 || removed < count) {
			removed++
			continue
		}
		keep[i] = true
	}
	out := (*r)[:0:0]
	for i, e := range *r {
		if keep[i] {
			out = append(out, e)
		}
	}
	*r = out
	return removed
}

// checkList compares l with want element by element, in both directions
// and by index, and checks the chunk invariants.
func checkList(t *testing.T, l *List, want refList) {
	t.Helper()
	if l.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", l.Len(), len(want))
	}
	total := 0
	for i := range int(l.nch) {
		c := l.at(i)
		if c.n <= 0 {
			t.Fatalf("chunk %d of %d is empty", i, l.nch)
		}
		if c.lo < 0 || c.lo > c.hi || int(c.hi) > len(c.buf) {
			t.Fatalf("chunk %d: lo %d hi %d len %d", i, c.lo, c.hi, len(c.buf))
		}
		if c.hi-c.lo > listChunkMax && c.n > 1 {
			t.Fatalf("chunk %d holds %d bytes in %d elements", i, c.hi-c.lo, c.n)
		}
		// The chunk's count matches its bytes, forwards and backwards.
		n, off := int32(0), c.lo
		for off < c.hi {
			_, off = readFwd(c.buf, off)
			n++
		}
		if n != c.n || off != c.hi {
			t.Fatalf("chunk %d: count %d, walked %d elements to %d (hi %d)", i, c.n, n, off, c.hi)
		}
		n, off = 0, c.hi
		for off > c.lo {
			_, off = readBwd(c.buf, off)
			n++
		}
		if n != c.n || off != c.lo {
			t.Fatalf("chunk %d: count %d, walked back %d elements to %d (lo %d)", i, c.n, n, off, c.lo)
		}
		total += int(c.n)
	}
	if total != l.n {
		t.Fatalf("chunks hold %d elements, Len %d", total, l.n)
	}
	if len(l.ring)&(len(l.ring)-1) != 0 || int(l.nch) > len(l.ring) {
		t.Fatalf("ring of %d for %d chunks", len(l.ring), l.nch)
	}
	it := l.Iter(0, false)
	for i, w := range want {
		v, ok := it.Next()
		if !ok || !bytes.Equal(v, w) {
			t.Fatalf("forward element %d = %q, %v; want %q", i, v, ok, w)
		}
	}
	if v, ok := it.Next(); ok {
		t.Fatalf("forward iteration goes past the end: %q", v)
	}
	it = l.Iter(len(want)-1, true)
	for i := len(want) - 1; i >= 0; i-- {
		v, ok := it.Next()
		if !ok || !bytes.Equal(v, want[i]) {
			t.Fatalf("backward element %d = %q, %v; want %q", i, v, ok, want[i])
		}
	}
	if v, ok := it.Next(); ok {
		t.Fatalf("backward iteration goes past the start: %q", v)
	}
	for _, i := range []int{0, len(want) / 3, len(want) / 2, len(want) - 1, -1, len(want)} {
		v, ok := l.Index(i)
		if i < 0 || i >= len(want) {
			if ok {
				t.Fatalf("Index(%d) of %d = %q", i, len(want), v)
			}
			continue
		}
		if !ok || !bytes.Equal(v, want[i]) {
			t.Fatalf("Index(%d) = %q, %v; want %q", i, v, ok, want[i])
		}
	}
}

// elemGen makes random elements of one size profile.
type elemGen struct {
	name     string
	alphabet int     // distinct short elements, so that removals find matches
	medium   float64 // share of 100-300 byte elements (two-byte lengths)
	large    float64 // share of 3-20 KB elements (chunks of their own)
}

func (g elemGen) elem(rng *rand.Rand) []byte {
	switch p := rng.Float64(); {
	case p < g.large:
		return bytes.Repeat([]byte{byte('A' + rng.IntN(3))}, 3000+rng.IntN(17000))
	case p < g.large+g.medium:
		return bytes.Repeat([]byte{byte('a' + rng.IntN(3))}, 100+rng.IntN(200))
	}
	return fmt.Appendf(nil, "element-%d", rng.IntN(g.alphabet))
}

func TestListRandomOps(t *testing.T) {
	gens := []elemGen{
		{name: "small", alphabet: 50},
		{name: "few distinct", alphabet: 3},
		{name: "mixed", alphabet: 20, medium: 0.2, large: 0.02},
		{name: "large", alphabet: 5, medium: 0.3, large: 0.3},
	}
	for gi, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			seed := uint64(gi+1) * 7919
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 1))
			l, other := NewList(), NewList()
			var ref, otherRef refList
			maxLen, maxChunks := 0, 0
			defer func() { t.Logf("longest list %d elements, most chunks %d", maxLen, maxChunks) }()
			steps := 6000
			if g.large > 0.1 {
				steps = 1500
			}
			for step := range steps {
				n := len(ref)
				op := rng.IntN(15)
				// Bias towards growth until the list spans many chunks.
				if step < steps/3 && op >= 9 {
					op = rng.IntN(2)
				}
				switch op {
				case 0:
					for range 1 + rng.IntN(200) {
						v := g.elem(rng)
						l.PushBack(v)
						ref = append(ref, v)
					}
				case 1:
					for range 1 + rng.IntN(200) {
						v := g.elem(rng)
						l.PushFront(v)
						ref = slices.Insert(ref, 0, v)
					}
				case 2:
					v, ok := l.PopFront()
					if ok != (n > 0) || ok && !bytes.Equal(v, ref[0]) {
						t.Fatalf("step %d: PopFront = %q, %v", step, v, ok)
					}
					if ok {
						ref = ref[1:]
					}
				case 3:
					v, ok := l.PopBack()
					if ok != (n > 0) || ok && !bytes.Equal(v, ref[n-1]) {
						t.Fatalf("step %d: PopBack = %q, %v", step, v, ok)
					}
					if ok {
						ref = ref[:n-1]
					}
				case 4:
					i, v := rng.IntN(n+2)-1, g.elem(rng)
					if ok := l.Set(i, v); ok != (i >= 0 && i < n) {
						t.Fatalf("step %d: Set(%d) of %d = %v", step, i, n, ok)
					} else if ok {
						ref[i] = v
					}
				case 5:
					i, v := rng.IntN(n+1), g.elem(rng)
					l.Insert(i, v)
					ref = slices.Insert(ref, i, v)
				case 6:
					k := rng.IntN(n/4 + 2)
					if rng.IntN(2) == 0 {
						l.DeleteFront(k)
						ref = ref[min(k, n):]
					} else {
						l.DeleteBack(k)
						ref = ref[:n-min(k, n)]
					}
				case 7:
					if n > 0 {
						// Mostly trim a little off each end; sometimes cut deep.
						start := rng.IntN(n)
						count := rng.IntN(n - start + 1)
						if rng.IntN(4) != 0 {
							start = rng.IntN(min(n, 30))
							count = max(0, n-start-rng.IntN(30))
						}
						l.Trim(start, count)
						ref = ref[start : start+count]
					}
				case 8:
					v := g.elem(rng)
					if n > 0 && rng.IntN(2) == 0 {
						v = ref[rng.IntN(n)]
					}
					v = bytes.Clone(v)
					count, back := rng.IntN(4), rng.IntN(2) == 0
					got, want := l.Remove(v, count, back), ref.remove(v, count, back)
					if got != want {
						t.Fatalf("step %d: Remove(%q, %d, %v) = %d, want %d", step, v, count, back, got, want)
					}
				case 9, 10:
					// Move to the same list (rotation) or to the other one.
					fromBack, toBack := rng.IntN(2) == 0, rng.IntN(2) == 0
					dst, dstRef := l, &ref
					if op == 10 {
						dst, dstRef = other, &otherRef
					}
					v, ok := l.Move(dst, fromBack, toBack)
					if ok != (n > 0) {
						t.Fatalf("step %d: Move of %d = %v", step, n, ok)
					}
					if ok {
						var e []byte
						if fromBack {
							e, ref = ref[n-1], ref[:n-1]
						} else {
							e, ref = ref[0], ref[1:]
						}
						if toBack {
							*dstRef = append(*dstRef, e)
						} else {
							*dstRef = slices.Insert(*dstRef, 0, e)
						}
						if !bytes.Equal(v, e) {
							t.Fatalf("step %d: Move = %q, want %q", step, v, e)
						}
					}
				case 11:
					// A clone is equal and independent.
					cl := l.Clone()
					checkList(t, cl, ref)
					cl.PushBack([]byte("clone only"))
					cl.PopFront()
				case 12:
					if n > 0 {
						i := rng.IntN(n)
						it := l.Iter(i, rng.IntN(2) == 0)
						for k := 0; k < 30; k++ {
							if _, ok := it.Next(); !ok {
								break
							}
						}
					}
				case 13:
					// Drain the other list from one end.
					for range rng.IntN(otherRef.len() + 1) {
						v, _ := other.PopFront()
						if !bytes.Equal(v, otherRef[0]) {
							t.Fatalf("step %d: other PopFront = %q, want %q", step, v, otherRef[0])
						}
						otherRef = otherRef[1:]
					}
				case 14:
					// Alternate ends, as a deque used from both sides.
					for range rng.IntN(60) {
						v := g.elem(rng)
						if rng.IntN(2) == 0 {
							l.PushFront(v)
							ref = slices.Insert(ref, 0, v)
						} else if len(ref) > 0 {
							l.PopBack()
							ref = ref[:len(ref)-1]
						}
					}
				}
				checkList(t, l, ref)
				maxLen, maxChunks = max(maxLen, len(ref)), max(maxChunks, int(l.nch))
				if op >= 9 {
					checkList(t, other, otherRef)
				}
			}
		})
	}
}

func (r refList) len() int { return len(r) }

func TestListElementEncoding(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 129, 16383, 16384, 20000} {
		v := bytes.Repeat([]byte{'x'}, n)
		buf := make([]byte, elemSize(n)+3)
		size := putElem(buf[1:], v)
		if size != elemSize(n) {
			t.Errorf("len %d: wrote %d bytes, elemSize %d", n, size, elemSize(n))
		}
		got, next := readFwd(buf, 1)
		if !bytes.Equal(got, v) || int(next) != 1+size {
			t.Errorf("len %d: readFwd = %d bytes, next %d", n, len(got), next)
		}
		got, start := readBwd(buf, int32(1+size))
		if !bytes.Equal(got, v) || start != 1 {
			t.Errorf("len %d: readBwd = %d bytes, start %d", n, len(got), start)
		}
		if cap(got) != len(got) {
			t.Errorf("len %d: element slice has spare capacity %d", n, cap(got))
		}
	}
}

func TestListBinaryElements(t *testing.T) {
	l := NewList()
	vals := []string{"", "\x00", "a\r\nb", "\xff\xfe\x00", "\x80", string(make([]byte, 300))}
	for _, v := range vals {
		l.PushBack([]byte(v))
		l.PushFront([]byte(v))
	}
	want := refList{}
	for i := len(vals) - 1; i >= 0; i-- {
		want = append(want, []byte(vals[i]))
	}
	for _, v := range vals {
		want = append(want, []byte(v))
	}
	checkList(t, l, want)
}

func TestListMoveSameList(t *testing.T) {
	tests := []struct {
		name             string
		fromBack, toBack bool
		want             string
	}{
		{"rotate right", true, false, "dabc"},
		{"rotate left", false, true, "bcda"},
		{"tail to tail", true, true, "abcd"},
		{"head to head", false, false, "abcd"},
	}
	for _, tt := range tests {
		l := NewList()
		for _, c := range "abcd" {
			l.PushBack([]byte(string(c)))
		}
		v, ok := l.Move(l, tt.fromBack, tt.toBack)
		var got []byte
		for it := l.Iter(0, false); ; {
			e, ok := it.Next()
			if !ok {
				break
			}
			got = append(got, e...)
		}
		if !ok || string(got) != tt.want {
			t.Errorf("%s: list %q, want %q", tt.name, got, tt.want)
		}
		if wantV := tt.want[0:1]; !tt.toBack && string(v) != wantV || tt.toBack && string(v) != tt.want[3:] {
			t.Errorf("%s: moved %q", tt.name, v)
		}
	}
	single := NewList()
	single.PushBack([]byte("only"))
	if v, ok := single.Move(single, true, false); !ok || string(v) != "only" || single.Len() != 1 {
		t.Errorf("single-element rotation: %q %v, Len %d", v, ok, single.Len())
	}
	big := bytes.Repeat([]byte("z"), 100) // longer than Move's stack copy
	l := NewList()
	l.PushBack([]byte("a"))
	l.PushBack(big)
	if v, ok := l.Move(l, true, false); !ok || !bytes.Equal(v, big) {
		t.Errorf("rotating a 100-byte element: %q", v)
	}
	checkList(t, l, refList{big, []byte("a")})
}

func TestListChunking(t *testing.T) {
	tests := []struct {
		name     string
		elem     int
		count    int
		maxBytes float64 // most bytes of buffer per element byte stored
	}{
		{"16-byte elements", 16, 100000, 1.15},
		{"1-byte elements", 1, 100000, 1.15},
		{"1 KB elements", 1000, 2000, 1.3},
		{"10 KB elements", 10000, 50, 1.05},
	}
	for _, tt := range tests {
		for _, front := range []bool{false, true} {
			l := NewList()
			v := bytes.Repeat([]byte{'v'}, tt.elem)
			for range tt.count {
				if front {
					l.PushFront(v)
				} else {
					l.PushBack(v)
				}
			}
			stored, alloc := 0, 0
			for i := range int(l.nch) {
				c := l.at(i)
				stored += int(c.hi - c.lo)
				alloc += len(c.buf)
			}
			if stored != tt.count*elemSize(tt.elem) {
				t.Errorf("%s: %d bytes stored, want %d", tt.name, stored, tt.count*elemSize(tt.elem))
			}
			if ratio := float64(alloc) / float64(stored); ratio > tt.maxBytes {
				t.Errorf("%s (front %v): %d bytes of buffers for %d bytes of elements (%.2f)", tt.name, front, alloc, stored, ratio)
			}
		}
	}
}

func TestListShrinksAfterRemoval(t *testing.T) {
	l := NewList()
	for i := range 100000 {
		l.PushBack(fmt.Appendf(nil, "%015d", i))
	}
	bigRing := len(l.ring)
	l.Trim(50000, 10)
	if len(l.ring) >= bigRing || l.nch > 2 {
		t.Errorf("after LTRIM to 10 elements: ring %d (was %d), %d chunks", len(l.ring), bigRing, l.nch)
	}
	alloc := 0
	for i := range int(l.nch) {
		alloc += len(l.at(i).buf)
	}
	if alloc > 1024 {
		t.Errorf("10 elements keep %d bytes of buffers", alloc)
	}
	v, _ := l.Index(0)
	if string(v) != fmt.Sprintf("%015d", 50000) {
		t.Errorf("first element after trim = %q", v)
	}
}

func TestListReplaceLargeBySmall(t *testing.T) {
	l := NewList()
	l.PushBack(bytes.Repeat([]byte{'x'}, 1<<20))
	l.Set(0, []byte("small"))
	if c := l.at(0); len(c.buf) > 64 {
		t.Errorf("a 5-byte element keeps a %d-byte buffer", len(c.buf))
	}
	checkList(t, l, refList{[]byte("small")})
}

func TestListDBAndCopy(t *testing.T) {
	db := NewDB()
	l := NewList()
	l.PushBack([]byte("a"))
	l.PushBack([]byte("b"))
	db.AddList([]byte("k"), l, 0)
	e, ok := db.Lookup([]byte("k"), 0)
	if !ok || e.Type() != TypeList || e.List() != l || e.EncodingName() != "quicklist" {
		t.Fatalf("lookup: %v type %v", ok, e.Type())
	}
	if !db.Copy([]byte("k"), db, []byte("c"), 0) {
		t.Fatal("COPY failed")
	}
	ce, _ := db.Lookup([]byte("c"), 0)
	cl := ce.List()
	if cl == l || cl.Len() != 2 {
		t.Fatalf("copy shares the list or lost elements: %d", cl.Len())
	}
	cl.PushBack([]byte("c"))
	if l.Len() != 2 {
		t.Errorf("pushing to the copy changed the source: %d", l.Len())
	}
	db.SetString([]byte("s"), []byte("v"), EncEmbstr, SetOptions{Deadline: -1}, 0)
	if se, _ := db.Lookup([]byte("s"), 0); se.List() != nil {
		t.Error("List() of a string is not nil")
	}
}

// TestListMemoryPerElement measures the heap a large list of small
// elements takes: Redis 7.0 needs about 18.2 bytes (used_memory) for each
// 16-byte element of a 1,000,000-element list.
func TestListMemoryPerElement(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 20 MB")
	}
	tests := []struct {
		name  string
		front bool
	}{{"RPUSH", false}, {"LPUSH", true}}
	for _, tt := range tests {
		const n = 1000000
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := NewList()
		v := []byte("val:000000000000")
		for range n {
			if tt.front {
				l.PushFront(v)
			} else {
				l.PushBack(v)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perElem := float64(after.HeapAlloc-before.HeapAlloc) / n
		t.Logf("%s: %.2f heap bytes per 16-byte element", tt.name, perElem)
		if perElem > 18.5 {
			t.Errorf("%s: %.2f heap bytes per 16-byte element, want at most 18.5", tt.name, perElem)
		}
		runtime.KeepAlive(l)
	}
}

// ---- benchmarks ----

var benchElem = []byte("0123456789abcdef")

// benchList returns a list of n 16-byte elements.
func benchList(n int) *List {
	l := NewList()
	for range n {
		l.PushBack(benchElem)
	}
	return l
}

// BenchmarkListQueue is a steady state: push at one end, pop at the other,
// the list's length constant.
func BenchmarkListQueue(b *testing.B) {
	for _, tt := range []struct {
		name      string
		pushFront bool
	}{{"RPUSH+LPOP", false}, {"LPUSH+RPOP", true}} {
		b.Run(tt.name, func(b *testing.B) {
			l := benchList(10000)
			b.ReportAllocs()
			for b.Loop() {
				if tt.pushFront {
					l.PushFront(benchElem)
					l.PopBack()
				} else {
					l.PushBack(benchElem)
					l.PopFront()
				}
			}
		})
	}
}

// BenchmarkListStack pushes and pops at the same end.
func BenchmarkListStack(b *testing.B) {
	for _, front := range []bool{false, true} {
		b.Run(fmt.Sprintf("front=%v", front), func(b *testing.B) {
			l := benchList(1000)
			b.ReportAllocs()
			for b.Loop() {
				if front {
					l.PushFront(benchElem)
					l.PopFront()
				} else {
					l.PushBack(benchElem)
					l.PopBack()
				}
			}
		})
	}
}

// BenchmarkListPush grows a list: the bytes allocated per push are the
// stored element's share of its chunk.
func BenchmarkListPush(b *testing.B) {
	for _, front := range []bool{false, true} {
		b.Run(fmt.Sprintf("front=%v", front), func(b *testing.B) {
			l := NewList()
			b.ReportAllocs()
			for b.Loop() {
				if front {
					l.PushFront(benchElem)
				} else {
					l.PushBack(benchElem)
				}
			}
		})
	}
}

func BenchmarkListIndex(b *testing.B) {
	l := benchList(100000)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := l.Index(rng.IntN(100000)); !ok {
			b.Fatal("index out of range")
		}
	}
}

// BenchmarkListRange reads 100 elements from a random start, as LRANGE does.
func BenchmarkListRange(b *testing.B) {
	l := benchList(100000)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		it := l.Iter(rng.IntN(100000-100), false)
		for range 100 {
			v, _ := it.Next()
			n += len(v)
		}
	}
	if n == 0 {
		b.Fatal("read nothing")
	}
}
