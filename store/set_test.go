package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// members returns the set's members in its order.
func members(s *Set) []string {
	var out []string
	s.Range(func(m []byte) bool { out = append(out, string(m)); return true })
	return out
}

// checkSet compares s with the reference map and checks its invariants.
func checkSet(t *testing.T, s *Set, ref map[string]bool) {
	t.Helper()
	if s.Len() != len(ref) {
		t.Fatalf("Len %d, want %d", s.Len(), len(ref))
	}
	got := members(s)
	if len(got) != len(ref) {
		t.Fatalf("Range gave %d members, want %d", len(got), len(ref))
	}
	for _, m := range got {
		if !ref[m] {
			t.Fatalf("member %q is not in the reference", m)
		}
	}
	for m := range ref {
		if !s.Has([]byte(m)) {
			t.Fatalf("Has(%q) is false", m)
		}
	}
	if s.IsIntset() {
		prev := int64(math.MinInt64)
		for i, m := range got {
			v, err := strconv.ParseInt(m, 10, 64)
			if err != nil || (i > 0 && v <= prev) {
				t.Fatalf("intset members not ascending integers: %q", got)
			}
			prev = v
		}
	}
	if len(ref) > 0 {
		var buf [20]byte
		if m := string(s.Random(buf[:0])); !ref[m] {
			t.Fatalf("Random gave %q, not a member", m)
		}
	}
}

// TestSetRandomOps applies random adds and removes to a set and to a
// reference map, over member spaces that keep it an intset, convert it on
// a string, and convert it on size.
func TestSetRandomOps(t *testing.T) {
	tests := []struct {
		name       string
		maxIntset  int64
		member     func(r *rand.Rand) string
		wantIntset bool
	}{
		{"small ints", 512, func(r *rand.Rand) string { return strconv.Itoa(r.IntN(300) - 150) }, true},
		{"wide ints", 512, func(r *rand.Rand) string {
			return strconv.FormatInt([]int64{1, 1 << 20, 1 << 40, -1 << 62}[r.IntN(4)]+int64(r.IntN(50)), 10)
		}, true},
		{"int limit", 64, func(r *rand.Rand) string { return strconv.Itoa(r.IntN(200)) }, false},
		{"strings", 512, func(r *rand.Rand) string {
			if r.IntN(20) == 0 {
				return "m" + strconv.Itoa(r.IntN(50))
			}
			return strconv.Itoa(r.IntN(100))
		}, false},
		{"binary", 512, func(r *rand.Rand) string {
			b := make([]byte, r.IntN(4))
			for i := range b {
				b[i] = byte(r.IntN(4))
			}
			return string(b)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := uint64(rand.Int64())
			t.Logf("seed %d", seed)
			r := rand.New(rand.NewPCG(seed, 1))
			s := NewSet()
			ref := map[string]bool{}
			for i := 0; i < 5000; i++ {
				m := tt.member(r)
				switch r.IntN(3) {
				case 0, 1:
					if got, want := s.Add([]byte(m), tt.maxIntset), !ref[m]; got != want {
						t.Fatalf("Add(%q) = %v, want %v", m, got, want)
					}
					ref[m] = true
				case 2:
					if got, want := s.Remove([]byte(m)), ref[m]; got != want {
						t.Fatalf("Remove(%q) = %v, want %v", m, got, want)
					}
					delete(ref, m)
				}
				if i%500 == 0 {
					checkSet(t, s, ref)
				}
			}
			checkSet(t, s, ref)
			if s.IsIntset() != tt.wantIntset {
				t.Errorf("encoding %s after the run", s.Encoding())
			}
		})
	}
}

func TestSetEncoding(t *testing.T) {
	tests := []struct {
		name    string
		members []string
		max     int64
		want    string
	}{
		{"ints", []string{"1", "-5", "9223372036854775807", "-9223372036854775808"}, 512, "intset"},
		{"leading zero", []string{"1", "01"}, 512, "hashtable"},
		{"minus zero", []string{"-0"}, 512, "hashtable"},
		{"plus sign", []string{"+1"}, 512, "hashtable"},
		{"space", []string{" 1"}, 512, "hashtable"},
		{"out of range", []string{"9223372036854775808"}, 512, "hashtable"},
		{"empty member", []string{""}, 512, "hashtable"},
		{"at the limit", []string{"1", "2", "3"}, 3, "intset"},
		{"over the limit", []string{"1", "2", "3", "4"}, 3, "hashtable"},
		{"duplicates at the limit", []string{"1", "2", "3", "3", "2"}, 3, "intset"},
		{"limit zero", []string{"1"}, 0, "hashtable"},
	}
	for _, tt := range tests {
		s := NewSet()
		for _, m := range tt.members {
			s.Add([]byte(m), tt.max)
		}
		if s.Encoding() != tt.want {
			t.Errorf("%s: encoding %s, want %s", tt.name, s.Encoding(), tt.want)
		}
		for _, m := range tt.members {
			if !s.Has([]byte(m)) {
				t.Errorf("%s: %q missing after conversion", tt.name, m)
			}
		}
	}
}

// TestIntsetWidths checks that an intset widens for larger integers, keeps
// its order and values across widths, and stays wide after removals.
func TestIntsetWidths(t *testing.T) {
	s := NewSet()
	vals := []int64{5, -3, 32767, -32768}
	for _, v := range vals {
		s.Add([]byte(strconv.FormatInt(v, 10)), 512)
	}
	if s.w() != 2 {
		t.Fatalf("width %d for 16-bit values", s.w())
	}
	s.Add([]byte("32768"), 512)
	if s.w() != 4 {
		t.Fatalf("width %d after 32768", s.w())
	}
	s.Add([]byte("-2147483649"), 512)
	if s.w() != 8 {
		t.Fatalf("width %d after -2147483649", s.w())
	}
	want := []string{"-2147483649", "-32768", "-3", "5", "32767", "32768"}
	if got := members(s); !slices.Equal(got, want) {
		t.Fatalf("members %q, want %q", got, want)
	}
	s.Remove([]byte("-2147483649"))
	if s.w() != 8 || !s.HasInt(32768) || s.HasInt(32769) {
		t.Fatalf("after remove: width %d, members %q", s.w(), members(s))
	}
}

func TestSetPopAndRandom(t *testing.T) {
	for _, n := range []int{10, 1000} {
		s := NewSet()
		ref := map[string]bool{}
		for i := 0; i < n; i++ {
			m := strconv.Itoa(i * 7)
			if n > 100 {
				m = "k" + m
			}
			s.Add([]byte(m), 512)
			ref[m] = true
		}
		var buf [20]byte
		for i := 0; i < 50; i++ {
			if m := string(s.Random(buf[:0])); !ref[m] {
				t.Fatalf("Random gave %q, not a member", m)
			}
		}
		for s.Len() > 0 {
			m := string(s.PopRandom(buf[:0]))
			if !ref[m] {
				t.Fatalf("PopRandom gave %q twice or not a member", m)
			}
			delete(ref, m)
			if s.Has([]byte(m)) {
				t.Fatalf("%q still a member after PopRandom", m)
			}
		}
		if len(ref) != 0 {
			t.Fatalf("%d members never popped", len(ref))
		}
	}
}

// TestSetScanGuarantee checks SSCAN's guarantee on a hashtable set: every
// member present for the whole iteration is visited, whatever is added and
// removed between calls.
func TestSetScanGuarantee(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := NewSet()
	for i := 0; i < 5000; i++ {
		s.Add([]byte("m"+strconv.Itoa(i)), 512)
	}
	stable := map[string]bool{}
	for i := 0; i < 2500; i++ {
		stable["m"+strconv.Itoa(i)] = true
	}
	seen := map[string]bool{}
	cursor := uint64(0)
	calls := 0
	for {
		cursor = s.Scan(cursor, 1+r.IntN(50), func(m []byte) { seen[string(m)] = true })
		calls++
		// Churn the members that are not stable.
		for j := 0; j < 20; j++ {
			k := 2500 + r.IntN(5000)
			if r.IntN(2) == 0 {
				s.Add([]byte("m"+strconv.Itoa(k)), 512)
			} else {
				s.Remove([]byte("m" + strconv.Itoa(k)))
			}
		}
		if cursor == 0 {
			break
		}
	}
	for m := range stable {
		if !seen[m] {
			t.Fatalf("stable member %q not visited", m)
		}
	}
	if calls < 10 {
		t.Fatalf("iteration ended after %d calls", calls)
	}
}

func TestSetScanIntset(t *testing.T) {
	s := NewSet()
	for _, m := range []string{"3", "1", "2"} {
		s.Add([]byte(m), 512)
	}
	var got []string
	if next := s.Scan(12345, 1, func(m []byte) { got = append(got, string(m)) }); next != 0 {
		t.Fatalf("intset scan cursor %d", next)
	}
	if !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Fatalf("intset scan gave %q", got)
	}
}

func TestSetCloneIndependent(t *testing.T) {
	for _, enc := range []string{"intset", "hashtable"} {
		s := NewSet()
		for i := 0; i < 300; i++ {
			m := strconv.Itoa(i)
			if enc == "hashtable" {
				m = "x" + m
			}
			s.Add([]byte(m), 512)
		}
		c := s.Clone()
		if c.Encoding() != enc {
			t.Fatalf("clone encoding %s, want %s", c.Encoding(), enc)
		}
		before := members(s)
		c.Add([]byte("new"), 512)
		c.Remove([]byte(before[0]))
		if !slices.Equal(members(s), before) {
			t.Fatalf("%s: changing the clone changed the original", enc)
		}
		s.Remove([]byte(before[1]))
		if !c.Has([]byte(before[1])) {
			t.Fatalf("%s: changing the original changed the clone", enc)
		}
	}
}

// TestSetDB checks StoreSet, Entry.Set, OBJECT ENCODING and COPY.
func TestSetDB(t *testing.T) {
	db := NewDB()
	s := NewSet()
	s.Add([]byte("1"), 512)
	db.StoreSet([]byte("k"), s, 1000)
	e, ok := db.Lookup([]byte("k"), 1000)
	if !ok || e.Type() != TypeSet || e.Set() != s || e.EncodingName() != "intset" {
		t.Fatalf("lookup: ok %v type %v", ok, e.Type())
	}
	if !db.Copy([]byte("k"), db, []byte("k2"), 1000) {
		t.Fatal("Copy failed")
	}
	e2, _ := db.Lookup([]byte("k2"), 1000)
	e2.Set().Add([]byte("a"), 512)
	if e2.EncodingName() != "hashtable" || e.EncodingName() != "intset" || s.Len() != 1 {
		t.Fatalf("copy not independent: %s / %s", e2.EncodingName(), e.EncodingName())
	}
	set(db, "str", "x", -1, 1000)
	if e, _ := db.Lookup([]byte("str"), 1000); e.Set() != nil {
		t.Fatal("Set() of a string is not nil")
	}
}

func TestSetMemberSurvivesRemoval(t *testing.T) {
	s := NewSet()
	s.Add([]byte("hello"), 512)
	s.Add([]byte("world"), 512)
	var m []byte
	s.Range(func(b []byte) bool { m = b; return false })
	want := string(m)
	s.Remove(m)
	s.Add([]byte("again"), 512)
	if string(m) != want {
		t.Fatalf("removed member changed: %q, want %q", m, want)
	}
}

func TestSetSample(t *testing.T) {
	for _, enc := range []string{"intset", "hashtable"} {
		s := NewSet()
		all := map[string]bool{}
		for i := 0; i < 300; i++ {
			m := strconv.Itoa(i)
			if enc == "hashtable" {
				m = "m" + m
			}
			s.Add([]byte(m), 512)
			all[m] = true
		}
		// Both strategies: a large part of the set, and a small one.
		for _, count := range []int{1, 5, 99, 101, 250, 299} {
			seen := map[string]bool{}
			s.Sample(count, func(m []byte) {
				if !all[string(m)] || seen[string(m)] {
					t.Fatalf("%s Sample(%d): %q repeated or not a member", enc, count, m)
				}
				seen[string(m)] = true
			})
			if len(seen) != count {
				t.Fatalf("%s Sample(%d) gave %d members", enc, count, len(seen))
			}
		}
	}
}

// TestSetTableGrowShrink grows a hashtable set far and shrinks it back,
// checking it against a reference map while it rehashes, and that a whole
// SSCAN iteration run during the changes returns every member that stays.
func TestSetTableGrowShrink(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := NewSet()
	s.Add([]byte("stay"), 512)
	ref := map[string]bool{"stay": true}
	cursor := uint64(0)
	seen := map[string]bool{}
	rounds := 0
	for phase, n := range []int{20000, 50, 30000, 0} {
		for s.Len()-1 != n {
			if s.Len()-1 < n {
				m := "g" + strconv.Itoa(r.IntN(1<<30))
				s.Add([]byte(m), 512)
				ref[m] = true
			} else {
				var buf [20]byte
				m := string(s.PopRandom(buf[:0]))
				if m == "stay" {
					s.Add([]byte(m), 512)
					continue
				}
				if !ref[m] {
					t.Fatalf("phase %d: PopRandom gave %q, not a member", phase, m)
				}
				delete(ref, m)
			}
			// Interleave an SSCAN iteration with the changes.
			cursor = s.Scan(cursor, 5, func(m []byte) { seen[string(m)] = true })
			if cursor == 0 {
				if !seen["stay"] {
					t.Fatalf("phase %d: an SSCAN iteration missed a member present throughout", phase)
				}
				seen = map[string]bool{}
				rounds++
			}
		}
		checkSet(t, s, ref)
	}
	// Changes (even ones that change nothing) finish any rehash in progress.
	for i := 0; i < 10000 && s.table.rehashing(); i++ {
		s.Remove([]byte("nothere"))
	}
	if s.table.len() != 1 || s.table.rehashing() || len(s.table.cur.slots) > 16 {
		t.Errorf("after shrinking: %d members in %d slots, rehashing %v", s.table.len(), len(s.table.cur.slots), s.table.rehashing())
	}
	if rounds == 0 {
		t.Error("no SSCAN iteration completed")
	}
}

// TestSlotArrayCollisions checks linear probing and backward-shift removal
// with crafted hashes: runs that share a home, wrap around the end of the
// array, and interleave homes.
func TestSlotArrayCollisions(t *testing.T) {
	homes := []uint32{6, 6, 7, 6, 0, 7, 1, 6, 2}
	for seed := uint64(0); seed < 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 9))
		a := slotArray{slots: make([]slot, 16)}
		live := map[string]uint32{}
		names := make([]string, len(homes))
		for i, h := range homes {
			names[i] = "n" + strconv.Itoa(i)
			b := []byte(names[i])
			// Same home in a 16-slot array, different hashes above it.
			hash := h | uint32(i)<<8
			a.insert(slot{p: &b[0], n: uint32(len(b)), hash: hash})
			live[names[i]] = hash
		}
		for _, i := range r.Perm(len(names)) {
			if j := a.find([]byte(names[i]), live[names[i]]); j < 0 {
				t.Fatalf("seed %d: %s not found", seed, names[i])
			} else {
				a.removeAt(uint32(j))
			}
			delete(live, names[i])
			for name, hash := range live {
				if a.find([]byte(name), hash) < 0 {
					t.Fatalf("seed %d: %s lost after removing %s", seed, name, names[i])
				}
			}
			// Every member is in the run starting at its home bucket.
			n := 0
			for b := uint32(0); b < 16; b++ {
				a.visit(b, func([]byte) { n++ })
			}
			if n != len(live) || a.count != len(live) {
				t.Fatalf("seed %d: visit found %d, count %d, want %d", seed, n, a.count, len(live))
			}
		}
	}
}

// ---- benchmarks ----

func benchMembers(n int) [][]byte {
	ms := make([][]byte, n)
	for i := range ms {
		ms[i] = []byte(fmt.Sprintf("member:%08d", i))
	}
	return ms
}

// BenchmarkSetAdd adds new 15-byte members to a growing hashtable set: the
// allocations are each member's bytes and the slot arrays the table grows
// into (amortized; the arrays it leaves are garbage).
func BenchmarkSetAdd(b *testing.B) {
	ms := benchMembers(b.N)
	s := NewSet()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Add(ms[i], 512)
	}
}

// BenchmarkSetAddSteady adds a new member and removes an old one at a
// steady size of 2^16 members: the only allocation is the new member's
// bytes (16 B for these 15-byte members).
func BenchmarkSetAddSteady(b *testing.B) {
	const n = 1 << 16
	ms := benchMembers(n + b.N)
	s := NewSet()
	for _, m := range ms[:n] {
		s.Add(m, 512)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Add(ms[n+i], 512)
		s.Remove(ms[i])
	}
}

// BenchmarkSetAddExisting re-adds members already present: no allocation.
func BenchmarkSetAddExisting(b *testing.B) {
	ms := benchMembers(1 << 16)
	s := NewSet()
	for _, m := range ms {
		s.Add(m, 512)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Add(ms[i&(1<<16-1)], 512)
	}
}

func BenchmarkSetIsMember(b *testing.B) {
	ms := benchMembers(1 << 16)
	s := NewSet()
	for _, m := range ms {
		s.Add(m, 512)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !s.Has(ms[i&(1<<16-1)]) {
			b.Fatal("missing")
		}
	}
}

func BenchmarkSetIsMemberIntset(b *testing.B) {
	s := NewSet()
	ms := make([][]byte, 512)
	for i := range ms {
		ms[i] = []byte(strconv.Itoa(i * 3))
		s.Add(ms[i], 512)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !s.Has(ms[i&511]) {
			b.Fatal("missing")
		}
	}
}

func BenchmarkSetPopRandom(b *testing.B) {
	ms := benchMembers(b.N)
	s := NewSet()
	for _, m := range ms {
		s.Add(m, 512)
	}
	var buf [20]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.PopRandom(buf[:0])
	}
}

// BenchmarkSetMemory reports the live heap per member of a set of 2^20
// 16-byte members (hashtable) and of 512 integers (intset), the
// counterpart of Redis's used_memory per member.
func BenchmarkSetMemory(b *testing.B) {
	for _, tt := range []struct {
		name string
		n    int
		m    func(i int) string
	}{
		{"hashtable", 1 << 20, func(i int) string { return fmt.Sprintf("m:%014d", i) }},
		{"intset", 512, strconv.Itoa},
	} {
		b.Run(tt.name, func(b *testing.B) {
			ms := make([][]byte, tt.n)
			for i := range ms {
				ms[i] = []byte(tt.m(i))
			}
			var perMember float64
			for i := 0; i < b.N; i++ {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				s := NewSet()
				for _, m := range ms {
					s.Add(m, 512)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perMember = float64(after.HeapAlloc-before.HeapAlloc) / float64(tt.n)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(perMember, "heap-B/member")
		})
	}
}
