package store

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// checkTable verifies the ordered hash table's invariants: the slots are
// in hash order, every key sits at or past its home slot with no free slot
// in between (or a probe would stop short), and n counts the keys.
func checkTable(t *testing.T, ks *keyspace) {
	t.Helper()
	if len(ks.hashes) != len(ks.ents) {
		t.Fatalf("%d hashes, %d entries", len(ks.hashes), len(ks.ents))
	}
	n, prev, lastFree := 0, uint64(0), -1
	for i, h := range ks.hashes {
		if h == emptyHash {
			lastFree = i
			if ks.ents[i].kv != nil {
				t.Fatalf("free slot %d holds an entry", i)
			}
			continue
		}
		n++
		if n > 1 && h <= prev {
			t.Fatalf("slot %d: hash %x after %x", i, h, prev)
		}
		prev = h
		if hm := home(h, ks.size); hm > i || lastFree >= hm {
			t.Fatalf("slot %d: home %d, free slot %d between", i, hm, lastFree)
		}
		if got := ks.hashOf(ks.ents[i].keyBytes()); got != h {
			t.Fatalf("slot %d holds %q (hash %x) under hash %x", i, ks.ents[i].key(), got, h)
		}
	}
	if n != ks.n {
		t.Fatalf("%d keys in slots, n = %d", n, ks.n)
	}
	if ks.n > 0 && ks.n > ks.size-ks.size/8 {
		t.Fatalf("%d keys in %d home slots", ks.n, ks.size)
	}
}

// TestKeyspaceModel drives the table with random puts and deletes, through
// growth and shrinking, and checks it against a map and its invariants.
func TestKeyspaceModel(t *testing.T) {
	hashes := []struct {
		name string
		fn   func([]byte) uint64
	}{
		{"seeded", nil},
		// Few distinct small hashes: every key's home is slot 0, so runs
		// reach the end of the table and collisions are constant.
		{"small", func(k []byte) uint64 { return uint64(len(k)) }},
		// Hashes at the top of the range, emptyHash included.
		{"top", func(k []byte) uint64 { return emptyHash - uint64(len(k)%3) }},
		// Clustered hashes: long runs of displaced keys.
		{"clustered", func(k []byte) uint64 { return maphash.Bytes(seedFor, k) >> 6 }},
	}
	for _, hc := range hashes {
		t.Run(hc.name, func(t *testing.T) {
			ks := newKeyspace(maphash.MakeSeed())
			ks.hash = hc.fn
			ref := map[string]bool{}
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
				if step%500 == 0 {
					checkTable(t, &ks)
					for k := range ref {
						if e, ok := ks.get([]byte(k)); !ok || e.key() != k {
							t.Fatalf("step %d: %q not found", step, k)
						}
					}
				}
			}
			checkTable(t, &ks)
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
		})
	}
}

var seedFor = maphash.MakeSeed()

// TestKeyspaceScanAcrossResizes runs SCAN-style iterations while keys are
// added and removed between calls, the table growing and shrinking under
// the cursor: every key present throughout must be visited.
func TestKeyspaceScanAcrossResizes(t *testing.T) {
	ks := newKeyspace(maphash.MakeSeed())
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
		checkTable(t, &ks)
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
