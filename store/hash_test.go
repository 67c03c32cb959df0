package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// defaultHashLimits are Redis's defaults.
var defaultHashLimits = HashLimits{MaxListpackEntries: 512, MaxListpackValue: 64}

// refHash is the reference model: a map plus the insertion order a
// listpack keeps.
type refHash struct {
	m     map[string]string
	order []string
}

func newRefHash() *refHash { return &refHash{m: map[string]string{}} }

func (r *refHash) set(f, v string) bool {
	_, ok := r.m[f]
	if !ok {
		r.order = append(r.order, f)
	}
	r.m[f] = v
	return !ok
}

func (r *refHash) del(f string) bool {
	if _, ok := r.m[f]; !ok {
		return false
	}
	delete(r.m, f)
	r.order = slices.DeleteFunc(r.order, func(x string) bool { return x == f })
	return true
}

// checkHash compares h with the reference: size, every lookup, and the
// whole contents through Range (in insertion order while a listpack).
func checkHash(t *testing.T, step int, h *Hash, ref *refHash, lim HashLimits) {
	t.Helper()
	if h.Len() != len(ref.m) {
		t.Fatalf("step %d: Len %d, want %d", step, h.Len(), len(ref.m))
	}
	for f, v := range ref.m {
		got, ok := h.Get([]byte(f))
		if !ok || string(got) != v {
			t.Fatalf("step %d: Get(%q) = %q, %v; want %q", step, f, got, ok, v)
		}
	}
	var fields []string
	h.Range(func(f, v []byte) bool {
		if ref.m[string(f)] != string(v) {
			t.Fatalf("step %d: Range gave %q=%q, want %q", step, f, v, ref.m[string(f)])
		}
		fields = append(fields, string(f))
		return true
	})
	if h.Encoding() == "listpack" {
		if !slices.Equal(fields, ref.order) {
			t.Fatalf("step %d: listpack order %q, want %q", step, fields, ref.order)
		}
		if int64(len(ref.m)) > lim.MaxListpackEntries {
			t.Fatalf("step %d: listpack with %d fields", step, len(ref.m))
		}
	} else {
		slices.Sort(fields)
		want := make([]string, 0, len(ref.m))
		for f := range ref.m {
			want = append(want, f)
		}
		slices.Sort(want)
		if !slices.Equal(fields, want) {
			t.Fatalf("step %d: Range fields %q, want %q", step, fields, want)
		}
	}
}

// TestHashRandomOps runs random sets and deletes against the reference, in
// both encodings and across conversions.
func TestHashRandomOps(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lim     HashLimits
		fields  int
		longPct int
	}{
		{"default limits", defaultHashLimits, 100, 0},
		{"converts by count", HashLimits{MaxListpackEntries: 16, MaxListpackValue: 64}, 40, 0},
		{"converts by length", defaultHashLimits, 50, 2},
		{"zero limits", HashLimits{}, 30, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
			h, ref := NewHash(), newRefHash()
			wasTable := false
			for step := 0; step < 4000; step++ {
				f := "f" + strconv.Itoa(rng.IntN(tc.fields))
				switch op := rng.IntN(10); {
				case op < 6:
					v := strings.Repeat("v", rng.IntN(20))
					if rng.IntN(100) < tc.longPct {
						v = strings.Repeat("L", 65+rng.IntN(200))
					}
					if got, want := h.Set([]byte(f), []byte(v), tc.lim), ref.set(f, v); got != want {
						t.Fatalf("step %d: Set(%q) added %v, want %v", step, f, got, want)
					}
				case op < 9:
					if got, want := h.Delete([]byte(f)), ref.del(f); got != want {
						t.Fatalf("step %d: Delete(%q) = %v, want %v", step, f, got, want)
					}
				default:
					_, want := ref.m[f]
					if _, ok := h.Get([]byte(f)); ok != want {
						t.Fatalf("step %d: Get(%q) found %v", step, f, ok)
					}
				}
				if wasTable && h.Encoding() != "hashtable" {
					t.Fatalf("step %d: hashtable went back to listpack", step)
				}
				wasTable = h.Encoding() == "hashtable"
				if step%50 == 0 {
					checkHash(t, step, h, ref, tc.lim)
				}
			}
			checkHash(t, -1, h, ref, tc.lim)
		})
	}
}

func TestHashConversion(t *testing.T) {
	lim := HashLimits{MaxListpackEntries: 3, MaxListpackValue: 4}
	tests := []struct {
		name  string
		pairs [][2]string
		want  string
	}{
		{"at the entry limit", [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}}, "listpack"},
		{"past the entry limit", [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}, "hashtable"},
		{"updates do not count", [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"a", "5"}, {"c", "6"}}, "listpack"},
		{"value at the length limit", [][2]string{{"a", "1234"}}, "listpack"},
		{"value past the length limit", [][2]string{{"a", "12345"}}, "hashtable"},
		{"field past the length limit", [][2]string{{"abcde", "1"}}, "hashtable"},
		{"update past the length limit", [][2]string{{"a", "1"}, {"a", "12345"}}, "hashtable"},
		{"stays after shrinking", [][2]string{{"a", "12345"}, {"a", "1"}}, "hashtable"},
	}
	for _, tt := range tests {
		h, ref := NewHash(), newRefHash()
		for _, p := range tt.pairs {
			h.Set([]byte(p[0]), []byte(p[1]), lim)
			ref.set(p[0], p[1])
		}
		if h.Encoding() != tt.want {
			t.Errorf("%s: encoding %s, want %s", tt.name, h.Encoding(), tt.want)
		}
		checkHash(t, 0, h, ref, lim)
	}
}

// TestHashEmptyAndBinary covers empty fields and values and binary bytes in
// both encodings, and value lengths that need a two-byte length prefix.
func TestHashEmptyAndBinary(t *testing.T) {
	for _, lim := range []HashLimits{defaultHashLimits, {}} {
		h, ref := NewHash(), newRefHash()
		for _, p := range [][2]string{
			{"", ""}, {"a\x00b", "\x00"}, {"\xff", ""}, {"", "x"}, {"big", strings.Repeat("z", 300)},
			{"mid", strings.Repeat("m", 128)}, {"big", ""}, {"\r\n", "\r\n"},
		} {
			h.Set([]byte(p[0]), []byte(p[1]), HashLimits{MaxListpackEntries: lim.MaxListpackEntries, MaxListpackValue: 1000})
			ref.set(p[0], p[1])
		}
		checkHash(t, 0, h, ref, HashLimits{MaxListpackEntries: lim.MaxListpackEntries, MaxListpackValue: 1000})
		h.Delete([]byte(""))
		ref.del("")
		checkHash(t, 1, h, ref, HashLimits{MaxListpackEntries: lim.MaxListpackEntries, MaxListpackValue: 1000})
	}
}

// TestHashScanGuarantee checks the hashtable scan: a complete iteration
// visits every field exactly once with any count, and fields present for
// the whole iteration are visited whatever changes between calls.
func TestHashScanGuarantee(t *testing.T) {
	lim := HashLimits{MaxListpackEntries: 8, MaxListpackValue: 64}
	h := NewHash()
	for i := 0; i < 5000; i++ {
		h.Set([]byte("s"+strconv.Itoa(i)), []byte("v"), lim)
	}
	for _, count := range []int{1, 7, 100, 10000} {
		seen := map[string]int{}
		cursor, calls := uint64(0), 0
		for {
			cursor = h.Scan(cursor, count, func(f, _ []byte) { seen[string(f)]++ })
			calls++
			if cursor == 0 {
				break
			}
		}
		if len(seen) != 5000 {
			t.Errorf("count %d: %d fields seen, want 5000", count, len(seen))
		}
		for f, n := range seen {
			if n != 1 {
				t.Errorf("count %d: %s seen %d times", count, f, n)
			}
		}
		if count == 1 && calls < 4000 {
			t.Errorf("count 1 took only %d calls", calls)
		}
	}
	// Mutate between calls.
	seen := map[string]int{}
	cursor, added := uint64(0), 0
	for {
		cursor = h.Scan(cursor, 5, func(f, _ []byte) { seen[string(f)]++ })
		if cursor == 0 {
			break
		}
		for j := 0; j < 3; j++ {
			h.Set([]byte("n"+strconv.Itoa(added)), []byte("v"), lim)
			added++
		}
		h.Set([]byte("s"+strconv.Itoa(added%5000)), []byte("longer value"), lim)
		h.Delete([]byte("n" + strconv.Itoa(added/2)))
	}
	for i := 0; i < 5000; i++ {
		if f := "s" + strconv.Itoa(i); seen[f] != 1 {
			t.Errorf("%s seen %d times", f, seen[f])
		}
	}
	// A listpack is scanned whole, whatever the cursor.
	small := NewHash()
	small.Set([]byte("a"), []byte("1"), lim)
	small.Set([]byte("b"), []byte("2"), lim)
	var got []string
	if next := small.Scan(12345, 1, func(f, v []byte) { got = append(got, string(f)+"="+string(v)) }); next != 0 || strings.Join(got, ",") != "a=1,b=2" {
		t.Errorf("listpack scan: %q, cursor %d", got, next)
	}
}

func TestHashRandom(t *testing.T) {
	for _, lim := range []HashLimits{defaultHashLimits, {MaxListpackEntries: 4, MaxListpackValue: 64}} {
		h := NewHash()
		want := map[string]string{}
		for i := 0; i < 30; i++ {
			f, v := "f"+strconv.Itoa(i), "v"+strconv.Itoa(i)
			h.Set([]byte(f), []byte(v), lim)
			want[f] = v
		}
		name := h.Encoding()
		counts := map[string]int{}
		for i := 0; i < 3000; i++ {
			f, v := h.RandomPair()
			if want[string(f)] != string(v) {
				t.Fatalf("%s: RandomPair gave %q=%q", name, f, v)
			}
			counts[string(f)]++
		}
		if len(counts) != 30 {
			t.Errorf("%s: RandomPair reached %d of 30 fields", name, len(counts))
		}
		n := 0
		h.RandomPairs(500, func(f, v []byte) bool {
			if want[string(f)] != string(v) {
				t.Fatalf("%s: RandomPairs gave %q=%q", name, f, v)
			}
			n++
			return n < 400
		})
		if n != 400 {
			t.Errorf("%s: RandomPairs did not stop when asked: %d calls", name, n)
		}
		for _, count := range []int{1, 5, 10, 11, 29} {
			seen := map[string]bool{}
			h.RandomDistinctPairs(count, func(f, v []byte) {
				if want[string(f)] != string(v) || seen[string(f)] {
					t.Fatalf("%s: RandomDistinctPairs(%d) gave %q=%q (repeat: %v)", name, count, f, v, seen[string(f)])
				}
				seen[string(f)] = true
			})
			if len(seen) != count {
				t.Errorf("%s: RandomDistinctPairs(%d) gave %d fields", name, count, len(seen))
			}
		}
	}
}

func TestHashClone(t *testing.T) {
	for _, lim := range []HashLimits{defaultHashLimits, {MaxListpackEntries: 2, MaxListpackValue: 64}} {
		h, ref := NewHash(), newRefHash()
		for i := 0; i < 10; i++ {
			f, v := "f"+strconv.Itoa(i), "v"+strconv.Itoa(i)
			h.Set([]byte(f), []byte(v), lim)
			ref.set(f, v)
		}
		c := h.Clone()
		if c.Encoding() != h.Encoding() {
			t.Errorf("clone encoding %s, want %s", c.Encoding(), h.Encoding())
		}
		// Same-size updates write in place: the clone must not see them.
		h.Set([]byte("f1"), []byte("XX"), lim)
		h.Delete([]byte("f2"))
		c.Set([]byte("f3"), []byte("YY"), lim)
		checkHash(t, 0, c, &refHash{m: map[string]string{
			"f0": "v0", "f1": "v1", "f2": "v2", "f3": "YY", "f4": "v4", "f5": "v5", "f6": "v6", "f7": "v7", "f8": "v8", "f9": "v9",
		}, order: ref.order}, lim)
		if v, _ := h.Get([]byte("f3")); string(v) != "v3" {
			t.Errorf("original sees the clone's update: f3 = %q", v)
		}
	}
}

func TestHashInDB(t *testing.T) {
	db := NewDB()
	h := NewHash()
	h.Set([]byte("a"), []byte("1"), defaultHashLimits)
	db.AddHash([]byte("k"), h, 1000)
	e, ok := db.Lookup([]byte("k"), 1000)
	if !ok || e.Type() != TypeHash || e.Hash() != h || e.EncodingName() != "listpack" {
		t.Fatalf("lookup: %v %v %v", ok, e.Type(), e.Hash())
	}
	if !db.Copy([]byte("k"), db, []byte("k2"), 1000) {
		t.Fatal("Copy failed")
	}
	e2, _ := db.Lookup([]byte("k2"), 1000)
	if e2.Hash() == h {
		t.Fatal("Copy shares the hash")
	}
	if v, _ := e2.Hash().Get([]byte("a")); string(v) != "1" {
		t.Errorf("copied value %q", v)
	}
	db.SetString([]byte("s"), []byte("x"), EncEmbstr, SetOptions{Deadline: -1}, 1000)
	if s, _ := db.Lookup([]byte("s"), 1000); s.Hash() != nil {
		t.Error("Hash() of a string is not nil")
	}
}

// benchHash builds a hash of n fields of 16-byte values.
func benchHash(n int, lim HashLimits) (*Hash, [][]byte) {
	h := NewHash()
	fields := make([][]byte, n)
	for i := range fields {
		fields[i] = []byte(fmt.Sprintf("field:%06d", i))
		h.Set(fields[i], []byte("0123456789abcdef"), lim)
	}
	return h, fields
}

func BenchmarkHashSet(b *testing.B) {
	val := []byte("fedcba9876543210")
	for _, n := range []int{10, 500, 100000} {
		h, fields := benchHash(n, defaultHashLimits)
		b.Run(fmt.Sprintf("overwrite/%s/%d", h.Encoding(), n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				h.Set(fields[i%n], val, defaultHashLimits)
			}
		})
	}
	b.Run("new fields/hashtable", func(b *testing.B) {
		b.ReportAllocs()
		h, _ := benchHash(1000, defaultHashLimits)
		buf := make([]byte, 0, 32)
		for i := 0; i < b.N; i++ {
			buf = strconv.AppendInt(append(buf[:0], "new:"...), int64(i), 10)
			h.Set(buf, val, defaultHashLimits)
		}
	})
}

func BenchmarkHashGet(b *testing.B) {
	for _, n := range []int{10, 500, 100000} {
		h, fields := benchHash(n, defaultHashLimits)
		b.Run(fmt.Sprintf("%s/%d", h.Encoding(), n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, ok := h.Get(fields[i%n]); !ok {
					b.Fatal("missing")
				}
			}
		})
	}
}
