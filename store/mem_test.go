package store

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// walkMem sums the size of every key, the figure DB.Mem keeps incrementally.
func walkMem(db *DB) int {
	n := 0
	db.EachRaw(func(x Entry) bool { n += x.MemUsage(); return true })
	return n
}

// memOp applies one random write of type typ to db, the way the server
// does: collections are changed through a lookup for writing.
func memOp(db *DB, r *rand.Rand, typ Type, nkeys int, now int64) {
	key := []byte(fmt.Sprintf("%s:%d", typ, r.IntN(nkeys)))
	val := make([]byte, 1+r.IntN(200))
	for i := range val {
		val[i] = byte('a' + r.IntN(26))
	}
	member := []byte(fmt.Sprintf("m%d", r.IntN(300)))
	if r.IntN(10) == 0 {
		db.Delete(key, now)
		return
	}
	if r.IntN(20) == 0 {
		db.SetDeadline(key, now+1000000+int64(r.IntN(1000)), now)
		return
	}
	e, found := db.LookupWith(key, now, NoStats)
	if found && e.Type() != typ {
		return
	}
	add := r.IntN(3) != 0
	switch typ {
	case TypeString:
		switch r.IntN(3) {
		case 0:
			db.SetString(key, val, ClassifyString(val), SetOptions{Deadline: -1}, now)
		case 1:
			db.AppendString(key, val, now)
		default:
			db.SetRange(key, r.IntN(300), val, now)
		}
	case TypeHash:
		lim := HashLimits{MaxListpackEntries: 128, MaxListpackValue: 64}
		if !found {
			db.AddHash(key, NewHash(), now)
			e, _ = db.LookupWith(key, now, NoStats)
		}
		h := e.Hash()
		if add || h.Len() == 0 {
			h.Set(member, val, lim)
		} else {
			h.Delete(member)
		}
		if h.Len() == 0 {
			db.Delete(key, now)
		}
	case TypeList:
		if !found {
			l := &List{}
			l.PushBack(val)
			db.AddList(key, l, now)
			return
		}
		l := e.List()
		if add {
			for range 1 + r.IntN(20) {
				l.PushBack(val)
			}
		} else {
			l.DeleteFront(1 + r.IntN(20))
		}
		if l.Len() == 0 {
			db.Delete(key, now)
		}
	case TypeSet:
		if !found {
			s := NewSet()
			s.Add(member, 128)
			db.StoreSet(key, s, now)
			return
		}
		s := e.Set()
		if add {
			s.Add(val[:min(len(val), 40)], 128)
			s.Add(member, 128)
		} else {
			s.Remove(member)
		}
		if s.Len() == 0 {
			db.Delete(key, now)
		}
	case TypeZSet:
		lim := ZLimits{MaxEntries: 128, MaxValue: 64}
		if !found {
			z := NewZSet()
			z.Add(member, 1, 0, lim)
			db.SetZSet(key, z, now)
			return
		}
		z := e.ZSet()
		if add {
			z.Add(member, r.Float64(), 0, lim)
			z.Add(val[:min(len(val), 90)], r.Float64(), 0, lim)
		} else {
			z.Remove(member)
		}
		if z.Len() == 0 {
			db.Delete(key, now)
		}
	}
}

// TestMemMatchesWalk checks that the incremental total equals the sum of
// the keys' sizes after random writes of every type, keys added, changed
// in place, given deadlines and removed.
func TestMemMatchesWalk(t *testing.T) {
	for _, typ := range []Type{TypeString, TypeHash, TypeList, TypeSet, TypeZSet} {
		t.Run(typ.String(), func(t *testing.T) {
			db := NewDB()
			r := rand.New(rand.NewPCG(1, uint64(typ)))
			const now = 1_000_000
			for i := range 20000 {
				memOp(db, r, typ, 50, now)
				if i%997 == 0 {
					if got, want := db.Mem(), walkMem(db); got != want {
						t.Fatalf("op %d: Mem %d, walk %d", i, got, want)
					}
				}
			}
			if got, want := db.Mem(), walkMem(db); got != want {
				t.Fatalf("Mem %d, walk %d", got, want)
			}
			other := NewDB()
			db.Swap(other)
			if db.Mem() != 0 || other.Mem() != walkMem(other) {
				t.Fatalf("after SWAPDB: %d and %d", db.Mem(), other.Mem())
			}
			other.Flush()
			if other.Mem() != 0 {
				t.Fatalf("after FLUSHDB: %d", other.Mem())
			}
		})
	}
}

// TestMemEstimateHonest compares the accounted bytes with the Go heap the
// values really take: within 25% for each type (35% over for strings, whose mix of appends and SETRANGEs the heap measures below the size classes) (the keyspace table is not
// part of either figure).
func TestMemEstimateHonest(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	for _, typ := range []Type{TypeString, TypeHash, TypeList, TypeSet, TypeZSet} {
		t.Run(typ.String(), func(t *testing.T) {
			db := NewDB()
			db.Reserve(5000)
			r := rand.New(rand.NewPCG(2, uint64(typ)))
			const now = 1_000_000
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range 40000 {
				memOp(db, r, typ, 2000, now)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			got := float64(db.Mem())
			t.Logf("%s: accounted %.0f, heap %.0f (%.2f)", typ, got, heap, got/heap)
			hi := 1.25
			if typ == TypeString {
				hi = 1.35
			}
			if got < heap*0.75 || got > heap*hi {
				t.Errorf("accounted %.0f bytes, heap grew by %.0f", got, heap)
			}
			runtime.KeepAlive(db)
		})
	}
}
