package store

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// describe renders a key's value and deadline as a string that two equal
// values share and two different ones never do.
func describe(x Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s ttl=%d ", x.Type(), x.Deadline())
	switch x.Type() {
	case TypeString:
		fmt.Fprintf(&b, "%q", x.Str())
	case TypeHash:
		var kv []string
		x.Hash().Range(func(f, v []byte) bool {
			kv = append(kv, fmt.Sprintf("%q=%q", f, v))
			return true
		})
		slices.Sort(kv)
		b.WriteString(strings.Join(kv, ","))
	case TypeList:
		it := x.List().Iter(0, false)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			fmt.Fprintf(&b, "%q,", v)
		}
	case TypeSet:
		var ms []string
		x.Set().Range(func(m []byte) bool {
			ms = append(ms, string(m))
			return true
		})
		slices.Sort(ms)
		fmt.Fprintf(&b, "%q", ms)
	case TypeZSet:
		x.ZSet().Ascend(0, func(m []byte, s float64) bool {
			fmt.Fprintf(&b, "%q:%g,", m, s)
			return true
		})
	}
	return b.String()
}

// dumpDBs renders every live key of dbs, per database.
func dumpDBs(dbs []*DB, now int64) []map[string]string {
	out := make([]map[string]string, len(dbs))
	for i, db := range dbs {
		out[i] = make(map[string]string)
		db.Ascend(now, func(x Entry) bool {
			out[i][string(x.Key())] = describe(x)
			return true
		})
	}
	return out
}

// snapshotWorkload applies random writes of every kind to dbs: strings set
// in place and replaced, appends, SETRANGE-style edits, collections changed
// in place through write lookups, deadlines set, removed and passing (lazy
// and active expiry), deletes, renames and copies within and across
// databases, and now and then FLUSHDB and SWAPDB.
type snapshotWorkload struct {
	r    *rand.Rand
	dbs  []*DB
	now  int64
	keys int
}

func (w *snapshotWorkload) key() []byte {
	return []byte("k" + strconv.Itoa(w.r.IntN(w.keys)))
}

func (w *snapshotWorkload) db() *DB { return w.dbs[w.r.IntN(len(w.dbs))] }

func (w *snapshotWorkload) val() []byte {
	n := w.r.IntN(8)
	if w.r.IntN(8) == 0 {
		n = embedMax + w.r.IntN(200)
	}
	return bytes.Repeat([]byte{byte('a' + w.r.IntN(26))}, n)
}

var (
	snapHashLim = HashLimits{MaxListpackEntries: 8, MaxListpackValue: 16}
	snapZLim    = ZLimits{MaxEntries: 8, MaxValue: 16}
)

func (w *snapshotWorkload) step() {
	db, key := w.db(), w.key()
	now := w.now
	switch op := w.r.IntN(100); {
	case op < 15:
		db.SetString(key, w.val(), EncRaw, SetOptions{Deadline: -1, KeepTTL: w.r.IntN(2) == 0}, now)
	case op < 18:
		db.SetString(key, []byte(strconv.Itoa(w.r.IntN(100))), EncInt, SetOptions{Deadline: now + int64(w.r.IntN(50))}, now)
	case op < 22:
		if e, ok := db.LookupWith(key, now, NoStats); !ok || e.Type() == TypeString {
			db.AppendString(key, w.val(), now)
		}
	case op < 25:
		if e, ok := db.LookupWith(key, now, NoStats); ok && e.Type() == TypeString {
			db.SetRange(key, w.r.IntN(10), []byte("xyz"), now)
		}
	case op < 27:
		if e, ok := db.LookupWith(key, now, NoStats); !ok || e.Type() == TypeString {
			p := db.GrowString(key, 4, now)
			(*p)[w.r.IntN(4)] ^= 0xff
		}
	case op < 35: // hash
		e, ok := db.LookupWith(key, now, NoStats)
		if !ok {
			h := NewHash()
			h.Set([]byte("f"), w.val(), snapHashLim)
			db.AddHash(key, h, now)
		} else if e.Type() == TypeHash {
			f := []byte("f" + strconv.Itoa(w.r.IntN(12)))
			if w.r.IntN(3) == 0 && e.Hash().Len() > 1 {
				e.Hash().Delete(f)
			} else {
				e.Hash().Set(f, w.val(), snapHashLim)
			}
		}
	case op < 42: // list
		e, ok := db.LookupWith(key, now, NoStats)
		if !ok {
			l := NewList()
			l.PushBack(w.val())
			db.AddList(key, l, now)
		} else if e.Type() == TypeList {
			if w.r.IntN(3) == 0 && e.List().Len() > 1 {
				e.List().PopFront()
			} else {
				e.List().PushBack(w.val())
			}
		}
	case op < 48: // set
		e, ok := db.LookupWith(key, now, NoStats)
		m := []byte(strconv.Itoa(w.r.IntN(20)))
		if w.r.IntN(4) == 0 {
			m = append(m, 'm')
		}
		if !ok {
			s := NewSet()
			s.Add(m, 4)
			db.StoreSet(key, s, now)
		} else if e.Type() == TypeSet {
			if w.r.IntN(3) == 0 && e.Set().Len() > 1 {
				e.Set().Remove(m)
			} else {
				e.Set().Add(m, 4)
			}
		}
	case op < 54: // sorted set
		e, ok := db.LookupWith(key, now, NoStats)
		m := []byte("m" + strconv.Itoa(w.r.IntN(12)))
		if !ok {
			z := NewZSet()
			z.Add(m, float64(w.r.IntN(10)), 0, snapZLim)
			db.SetZSet(key, z, now)
		} else if e.Type() == TypeZSet {
			e.ZSet().Add(m, float64(w.r.IntN(10)), 0, snapZLim)
		}
	case op < 62:
		db.Delete(key, now)
	case op < 70:
		db.SetDeadline(key, now+int64(w.r.IntN(40))-5, now)
	case op < 73:
		db.Persist(key, now)
	case op < 79:
		db.Rename(key, w.db(), w.key(), now)
	case op < 82:
		db.Copy(key, w.db(), w.key(), now)
	case op < 90:
		db.Lookup(key, now) // may expire the key lazily
	case op < 93:
		db.ExpireCycle(now, time.Millisecond)
	case op < 94:
		if w.r.IntN(10) == 0 {
			db.Flush()
		}
	case op < 95:
		if w.r.IntN(5) == 0 {
			db.Swap(w.db())
		}
	default:
		w.now += int64(w.r.IntN(3))
	}
}

// TestSnapshotModel takes snapshots while a random workload runs at full
// speed between the walk's steps, and checks that each holds exactly the
// dataset of the moment it began, every key once.
//
// The colliding variant gives keys so few distinct hashes that many share
// one, before and during the snapshot.
func TestSnapshotModel(t *testing.T) {
	colliding := func(k []byte) uint64 { return maphash.Bytes(seedFor, k) % 97 }
	for _, mode := range resizeModes {
		for seed := uint64(1); seed <= 6; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", mode.name, seed), func(t *testing.T) {
				testSnapshotModel(t, seed, mode.syncBelow, mode.moveStep, nil)
			})
		}
		for seed := uint64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprintf("%s/colliding/seed%d", mode.name, seed), func(t *testing.T) {
				testSnapshotModel(t, seed, mode.syncBelow, mode.moveStep, colliding)
			})
		}
	}
}

func testSnapshotModel(t *testing.T, seed uint64, syncBelow, moveStep int, hash func([]byte) uint64) {
	r := rand.New(rand.NewPCG(seed, 77))
	dbs := make([]*DB, 3)
	for i := range dbs {
		dbs[i] = NewDB()
		dbs[i].keys.syncBelow, dbs[i].keys.moveStep, dbs[i].keys.hash = syncBelow, moveStep, hash
	}
	w := &snapshotWorkload{r: r, dbs: dbs, now: 1_000_000, keys: 300 + r.IntN(3000)}
	if hash != nil {
		w.keys = 200 + r.IntN(200)
	}
	for range 20_000 {
		w.step()
	}
	for round := range 8 {
		want := dumpDBs(dbs, w.now)
		got := make([]map[string]string, len(dbs))
		for i := range got {
			got[i] = make(map[string]string)
		}
		snap, err := NewSnapshot(dbs, w.now, func(db int, x Entry) {
			k := string(x.Key())
			if _, dup := got[db][k]; dup {
				t.Fatalf("round %d: db %d key %q emitted twice", round, db, k)
			}
			got[db][k] = describe(x)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewSnapshot(dbs, w.now, func(int, Entry) {}); err == nil && dbs[0].Len() > 0 {
			t.Fatal("a second snapshot of the same databases began")
		}
		stepEvery := 1 + r.IntN(20)
		abortAt := -1
		if r.IntN(3) == 0 {
			abortAt = r.IntN(2000) // a snapshot closed half-way must leave no trace
		}
		for i := 0; !snap.Done(); i++ {
			w.step()
			if i%stepEvery == 0 {
				snap.Step(1 + r.IntN(40))
			}
			if i == abortAt {
				snap.Close()
			}
		}
		if abortAt >= 0 {
			for i := range dbs {
				if dbs[i].keys.snap != nil {
					t.Fatalf("db %d still refers to a closed snapshot", i)
				}
			}
			continue
		}
		for i := range dbs {
			for k, v := range want[i] {
				if got[i][k] != v {
					t.Fatalf("round %d db %d key %q: snapshot has %q, want %q", round, i, k, got[i][k], v)
				}
			}
			for k, v := range got[i] {
				if _, ok := want[i][k]; !ok {
					t.Fatalf("round %d db %d: snapshot has %q = %q, which did not exist", round, i, k, v)
				}
			}
			if dbs[i].keys.snap != nil {
				t.Fatalf("db %d still refers to a finished snapshot", i)
			}
		}
		t.Logf("round %d: %d keys, %d handed over early", round, snap.Emitted, snap.Early)
		for range r.IntN(5000) {
			w.step()
		}
	}
}

// TestSnapshotClose checks that a snapshot closed half-way detaches from
// its databases, and that a new one can then begin.
func TestSnapshotClose(t *testing.T) {
	db := NewDB()
	for i := range 1000 {
		db.SetString([]byte(strconv.Itoa(i)), []byte("v"), EncEmbstr, SetOptions{Deadline: -1}, 0)
	}
	n := 0
	s, err := NewSnapshot([]*DB{db}, 0, func(int, Entry) { n++ })
	if err != nil {
		t.Fatal(err)
	}
	s.Step(100)
	s.Close()
	if db.keys.snap != nil || !s.Done() {
		t.Fatal("closed snapshot still attached")
	}
	db.SetString([]byte("1"), []byte("w"), EncEmbstr, SetOptions{Deadline: -1}, 0)
	s2, err := NewSnapshot([]*DB{db}, 0, func(int, Entry) { n++ })
	if err != nil {
		t.Fatal(err)
	}
	for !s2.Step(64) {
	}
	if n < 1000 {
		t.Fatalf("%d keys emitted", n)
	}
}

// BenchmarkSnapshotWrite measures a SET-like overwrite of random keys
// among 1M, with no snapshot, and with one whose walk advances 64 keys
// every 16 writes (so most writes land ahead of the walk at first).
func BenchmarkSnapshotWrite(b *testing.B) {
	const n = 1_000_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", i))
	}
	val := []byte("0123456789abcdef")
	for _, active := range []bool{false, true} {
		name := "idle"
		if active {
			name = "snapshot"
		}
		b.Run(name, func(b *testing.B) {
			db := NewDB()
			for _, k := range keys {
				db.SetString(k, val, EncEmbstr, SetOptions{Deadline: -1}, 0)
			}
			r := rand.New(rand.NewPCG(1, 2))
			var snap *Snapshot
			emitted := 0
			newSnap := func() {
				var err error
				snap, err = NewSnapshot([]*DB{db}, 0, func(_ int, x Entry) { emitted += len(x.Str()) })
				if err != nil {
					b.Fatal(err)
				}
			}
			if active {
				newSnap()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				db.SetString(keys[r.IntN(n)], val, EncEmbstr, SetOptions{Deadline: -1}, 0)
				if active && i%16 == 0 {
					if snap.Step(64) {
						newSnap()
					}
				}
			}
		})
	}
}

// BenchmarkSnapshotWalk measures the walk itself: ns per key of a snapshot
// of 1M string keys stepped 256 keys at a time, with no writes (the emit
// function only reads the value).
func BenchmarkSnapshotWalk(b *testing.B) {
	const n = 1_000_000
	db := NewDB()
	val := []byte("0123456789abcdef")
	for i := range n {
		db.SetString([]byte(fmt.Sprintf("key:%012d", i)), val, EncEmbstr, SetOptions{Deadline: -1}, 0)
	}
	sum := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		snap, err := NewSnapshot([]*DB{db}, 0, func(_ int, x Entry) { sum += len(x.Str()) })
		if err != nil {
			b.Fatal(err)
		}
		for !snap.Step(256) {
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/key")
}
