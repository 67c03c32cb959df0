package store

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
	"time"
)

// checkTable verifies the ordered hash table's invariants: the slots are
// in hash order, every key sits at or past its home slot with no free slot
// in between (or a probe would stop short), and n counts the keys. While
// resizing, the new table holds only hashes below the boundary, the old one
// only hashes at or above it past its moved slots, which are all marked.
func checkTable(t *testing.T, ks *keyspace) {
	t.Helper()
	if !ks.resizing {
		checkSlots(t, ks, &ks.t, 0, 0, emptyHash)
		if ks.old.inv != nil || ks.old.n != 0 || ks.mig != 0 {
			t.Fatalf("not resizing, but an old table of %d keys, mig %d", ks.old.n, ks.mig)
		}
	} else {
		checkSlots(t, ks, &ks.t, 0, 0, ks.lo)
		for i := range ks.mig {
			if ^ks.old.inv[i] != movedHash || ks.old.ents[i].kv != nil {
				t.Fatalf("moved slot %d of the old table holds hash %x", i, ^ks.old.inv[i])
			}
		}
		checkSlots(t, ks, &ks.old, ks.mig, ks.lo, emptyHash)
	}
	// While resizing, moved keys may take the new table past 7/8 (the next
	// new key then finishes the resize); otherwise it never is.
	if !ks.resizing && ks.t.n > 0 && ks.t.n > ks.t.size-ks.t.size/8 {
		t.Fatalf("%d keys in %d home slots", ks.t.n, ks.t.size)
	}
}

// checkSlots checks tb's slots from from on, whose hashes must lie in [lo, hi).
func checkSlots(t *testing.T, ks *keyspace, tb *table, from int, lo, hi uint64) {
	t.Helper()
	if len(tb.inv) != len(tb.ents) {
		t.Fatalf("%d hashes, %d entries", len(tb.inv), len(tb.ents))
	}
	n, prev, lastFree := 0, uint64(0), -1
	for i := from; i < len(tb.inv); i++ {
		h := ^tb.inv[i]
		if h == emptyHash {
			lastFree = i
			if tb.ents[i].kv != nil {
				t.Fatalf("free slot %d holds an entry", i)
			}
			continue
		}
		n++
		if n > 1 && h <= prev {
			t.Fatalf("slot %d: hash %x after %x", i, h, prev)
		}
		prev = h
		if h < lo || h >= hi {
			t.Fatalf("slot %d: hash %x outside [%x, %x)", i, h, lo, hi)
		}
		if hm := home(h, tb.size); hm > i || lastFree >= hm {
			t.Fatalf("slot %d: home %d, free slot %d between", i, hm, lastFree)
		}
		if got := ks.hashOf(tb.ents[i].keyBytes()); got != h {
			t.Fatalf("slot %d holds %q (hash %x) under hash %x", i, tb.ents[i].key(), got, h)
		}
	}
	if n != tb.n {
		t.Fatalf("%d keys in slots, n = %d", n, tb.n)
	}
}

// resizeModes are the keyspace tunings the model tests run under: the
// default (tables this small resize in one pass) and incremental resizing
// of every table, one or a few slots per write, so that most steps find a
// resize under way.
var resizeModes = []struct {
	name                string
	syncBelow, moveStep int
}{
	{"sync", syncResizeKeys, resizeStep},
	{"incremental", 0, 3},
}

// TestKeyspaceModel drives the table with random puts and deletes, through
// growth and shrinking, and checks it against a map and its invariants.
func TestKeyspaceModel(t *testing.T) {
	hashes := []struct {
		name string
		fn   func([]byte) uint64
		few  bool // so few distinct hashes that the table never resizes
	}{
		{"seeded", nil, false},
		// Few distinct small hashes: every key's home is slot 0, so runs
		// reach the end of the table and collisions are constant.
		{"small", func(k []byte) uint64 { return uint64(len(k)) }, true},
		// Hashes at the top of the range, emptyHash included.
		{"top", func(k []byte) uint64 { return emptyHash - uint64(len(k)%3) }, true},
		// Clustered hashes: long runs of displaced keys.
		{"clustered", func(k []byte) uint64 { return maphash.Bytes(seedFor, k) >> 6 }, false},
	}
	for _, mode := range resizeModes {
		for _, hc := range hashes {
			t.Run(mode.name+"/"+hc.name, func(t *testing.T) {
				testKeyspaceModel(t, hc.fn, mode.syncBelow, mode.moveStep, mode.syncBelow == 0 && !hc.few)
			})
		}
	}
}

func testKeyspaceModel(t *testing.T, hash func([]byte) uint64, syncBelow, moveStep int, wantResizing bool) {
	ks := newKeyspace(maphash.MakeSeed())
	ks.hash, ks.syncBelow, ks.moveStep = hash, syncBelow, moveStep
	ref := map[string]bool{}
	resizing := 0
	r := rand.New(rand.NewPCG(7, 9))
	for step := 0; step < 20000; step++ {
		// Phases of growth and of shrinking.
		grow := (step/2500)%2 == 0
		k := []byte(fmt.Sprintf("k%d", r.IntN(3000)))
		if r.IntN(4) != 0 == grow {
			var e entry
			e.alloc(k, 1, -1, 0)
			if old, ok := ks.get(k); ok {
				ks.del(old)
			}
			ks.put(e)
			ref[string(k)] = true
		} else if e, ok := ks.get(k); ok {
			ks.del(e)
			delete(ref, string(k))
		} else if ref[string(k)] {
			t.Fatalf("step %d: %q missing", step, k)
		}
		if ks.len() != len(ref) {
			t.Fatalf("step %d: len %d, want %d", step, ks.len(), len(ref))
		}
		if ks.resizing {
			resizing++
		}
		if step%50 == 0 {
			checkTable(t, &ks)
		}
		if step%500 == 0 {
			checkIteration(t, &ks, len(ref))
			for k := range ref {
				if e, ok := ks.get([]byte(k)); !ok || e.key() != k {
					t.Fatalf("step %d: %q not found", step, k)
				}
			}
		}
	}
	checkTable(t, &ks)
	if wantResizing && resizing < 200 {
		t.Fatalf("only %d of 20000 steps found a resize under way", resizing)
	}
	seen := map[string]int{}
	ks.each(func(e entry) bool { seen[e.key()]++; return true })
	if len(seen) != len(ref) {
		t.Fatalf("each visited %d keys, want %d", len(seen), len(ref))
	}
	for k, n := range seen {
		if !ref[k] || n != 1 {
			t.Fatalf("each visited %q %d times", k, n)
		}
	}
}

var seedFor = maphash.MakeSeed()

// checkIteration checks that each and a full SCAN visit n keys once each,
// each in hash order.
func checkIteration(t *testing.T, ks *keyspace, n int) {
	t.Helper()
	seen := map[string]bool{}
	prev := uint64(0)
	ks.each(func(e entry) bool {
		h := ks.hashOf(e.keyBytes())
		if h < prev {
			t.Fatalf("each: %q (hash %x) after hash %x", e.key(), h, prev)
		}
		prev = h
		if seen[e.key()] {
			t.Fatalf("each visited %q twice", e.key())
		}
		seen[e.key()] = true
		return true
	})
	if len(seen) != n {
		t.Fatalf("each visited %d keys, want %d", len(seen), n)
	}
	clear(seen)
	for cursor := uint64(0); ; {
		cursor = ks.scan(cursor, 7, func(e entry) {
			if seen[e.key()] {
				t.Fatalf("scan visited %q twice", e.key())
			}
			seen[e.key()] = true
		})
		if cursor == 0 {
			break
		}
	}
	if len(seen) != n {
		t.Fatalf("scan visited %d keys, want %d", len(seen), n)
	}
	// One call for everything: through both tables while resizing.
	visited := 0
	if ks.scan(0, n+1, func(e entry) {
		if e.kv == nil {
			t.Fatal("scan visited an empty slot")
		}
		visited++
	}) != 0 || visited != n {
		t.Fatalf("a single scan visited %d keys, want %d", visited, n)
	}
}

// TestKeyspaceScanAcrossResizes runs SCAN-style iterations while keys are
// added and removed between calls, the table growing and shrinking under
// the cursor: every key present throughout must be visited.
func TestKeyspaceScanAcrossResizes(t *testing.T) {
	for _, mode := range resizeModes {
		t.Run(mode.name, func(t *testing.T) {
			ks := newKeyspace(maphash.MakeSeed())
			ks.syncBelow, ks.moveStep = mode.syncBelow, mode.moveStep
			testScanAcrossResizes(t, &ks)
		})
	}
}

func testScanAcrossResizes(t *testing.T, ks *keyspace) {
	r := rand.New(rand.NewPCG(3, 4))
	keep := map[string]bool{}
	for i := 0; i < 500; i++ {
		k := fmt.Sprintf("keep%d", i)
		var e entry
		e.alloc([]byte(k), 0, -1, 0)
		ks.put(e)
		keep[k] = true
	}
	churn := 0
	for round := 0; round < 20; round++ {
		seen := map[string]bool{}
		cursor := uint64(0)
		for {
			cursor = ks.scan(cursor, 1+r.IntN(20), func(e entry) { seen[e.key()] = true })
			// Grow in even rounds, shrink in odd ones.
			for j := 0; j < 40; j++ {
				k := []byte(fmt.Sprintf("churn%d", churn%5000))
				churn++
				if round%2 == 0 {
					if _, ok := ks.get(k); !ok {
						var e entry
						e.alloc(k, 0, -1, 0)
						ks.put(e)
					}
				} else if e, ok := ks.get(k); ok {
					ks.del(e)
				}
			}
			if cursor == 0 {
				break
			}
		}
		for k := range keep {
			if !seen[k] {
				t.Fatalf("round %d: %q was present throughout but not visited", round, k)
			}
		}
		checkTable(t, ks)
	}
}

// TestKeyspaceRandom checks that random picks reach every key.
func TestKeyspaceRandom(t *testing.T) {
	ks := newKeyspace(maphash.MakeSeed())
	if _, ok := ks.random(); ok {
		t.Fatal("random found a key in an empty keyspace")
	}
	for i := 0; i < 50; i++ {
		var e entry
		e.alloc([]byte(fmt.Sprint(i)), 0, -1, 0)
		ks.put(e)
	}
	seen := map[string]bool{}
	for i := 0; i < 5000 && len(seen) < 50; i++ {
		e, ok := ks.random()
		if !ok {
			t.Fatal("random found nothing")
		}
		seen[e.key()] = true
	}
	if len(seen) != 50 {
		t.Fatalf("5000 random picks reached %d of 50 keys", len(seen))
	}
}

// TestTakeDropped checks the accounting of table memory let go by resizes
// and flushes.
func TestTakeDropped(t *testing.T) {
	db := NewDB()
	if n := db.TakeDropped(); n != 0 {
		t.Fatalf("new DB dropped %d bytes", n)
	}
	for i := range 1000 {
		set(db, fmt.Sprint(i), "v", -1, 0)
	}
	grown := db.TakeDropped()
	// Every table but the last one was dropped; the last holds 1000 keys at
	// most 7/8 full, and each is half as large again as the one before.
	table := db.keys.tableBytes()
	if grown <= table/2 || grown >= 3*table {
		t.Fatalf("growing to 1000 keys dropped %d bytes, table now %d", grown, table)
	}
	if n := db.TakeDropped(); n != 0 {
		t.Fatalf("second TakeDropped: %d", n)
	}
	db.Flush()
	if n := db.TakeDropped(); n != table {
		t.Fatalf("Flush dropped %d bytes, want the table's %d", n, table)
	}
}

// TestKeyspaceIncrementalResize grows a database past the size where
// resizes become incremental and checks a resize under way: each write
// moves a bounded number of slots, every key stays reachable, random picks
// come from both tables, and Rehash finishes the move and reports the old
// table as dropped.
func TestKeyspaceIncrementalResize(t *testing.T) {
	db := NewDB()
	ks := &db.keys
	n := 0
	for !ks.resizing || ks.old.n < syncResizeKeys {
		set(db, fmt.Sprint("key:", n), "v", -1, 0)
		n++
		if ks.resizing && ks.mig > resizeStep {
			t.Fatalf("the write that started a resize moved %d slots, want at most %d", ks.mig, resizeStep)
		}
	}
	db.TakeDropped()
	oldBytes := ks.old.bytes()
	mig := ks.mig
	set(db, fmt.Sprint("key:", n), "v", -1, 0)
	n++
	if !ks.resizing || ks.mig-mig != resizeStep {
		t.Fatalf("a write during a resize moved %d slots (resizing %v), want %d", ks.mig-mig, ks.resizing, resizeStep)
	}
	checkTable(t, ks)
	if db.Len() != n {
		t.Fatalf("Len %d, want %d", db.Len(), n)
	}
	for i := range n {
		if _, ok := db.keys.get([]byte(fmt.Sprint("key:", i))); !ok {
			t.Fatalf("key:%d not found during the resize", i)
		}
	}
	inNew, inOld := 0, 0
	for range 2000 {
		e, ok := ks.random()
		if !ok {
			t.Fatal("random found nothing")
		}
		if ks.hashOf(e.keyBytes()) < ks.lo {
			inNew++
		} else {
			inOld++
		}
	}
	if inNew == 0 || inOld == 0 {
		t.Fatalf("random picks: %d from the new table, %d from the old", inNew, inOld)
	}
	if db.Rehash(time.Hour) || ks.resizing {
		t.Fatal("Rehash did not finish the resize")
	}
	checkTable(t, ks)
	if got := db.TakeDropped(); got != oldBytes {
		t.Fatalf("the finished resize dropped %d bytes, want the old table's %d", got, oldBytes)
	}
	for i := range n {
		if _, ok := db.keys.get([]byte(fmt.Sprint("key:", i))); !ok {
			t.Fatalf("key:%d not found after the resize", i)
		}
	}
	if db.Rehash(time.Hour) {
		t.Fatal("Rehash reports a resize under way with none")
	}
}
