package store

import (
	"hash/maphash"
	"math/rand/v2"

	"github.com/tidwall/btree"
)

// The keyspace is a B-tree map (tidwall/btree's Map, whose search compares
// plain uint64s without a callback) from the 64-bit hash of each key to the
// key's entry. Ordering keys by hash makes SCAN cursors simple and stable:
// a cursor is the hash of the next key to visit, so it survives any change
// between calls, and a full iteration visits every key that was present
// throughout. Two keys with the same 64-bit hash are astronomically rare;
// when it happens the second one lives in a small side map (collide) and
// the slot's entry carries metaCollided.

// keyspace is a DB's key → entry index.
type keyspace struct {
	slots   *btree.Map[uint64, entry]
	collide map[string]entry // keys whose hash slot holds another key
	seed    maphash.Seed
	// hash, if set, replaces the seeded hash (tests force collisions with it).
	hash func(key []byte) uint64
}

func newKeyspace(seed maphash.Seed) keyspace {
	return keyspace{slots: btree.NewMap[uint64, entry](32), seed: seed}
}

func (ks *keyspace) hashOf(key []byte) uint64 {
	if ks.hash != nil {
		return ks.hash(key)
	}
	return maphash.Bytes(ks.seed, key)
}

// len returns the number of keys.
func (ks *keyspace) len() int { return ks.slots.Len() + len(ks.collide) }

// get returns key's entry.
func (ks *keyspace) get(key []byte) (entry, bool) {
	e, ok := ks.slots.Get(ks.hashOf(key))
	if !ok {
		return e, false
	}
	if e.key() == string(key) {
		return e, true
	}
	if e.meta&metaCollided != 0 {
		if c, ok := ks.collide[string(key)]; ok {
			return c, true
		}
	}
	return entry{}, false
}

// put stores e under its key, replacing the key's entry if it has one.
func (ks *keyspace) put(e entry) {
	e.meta &^= metaCollided
	h := ks.hashOf(e.keyBytes())
	prev, replaced := ks.slots.Set(h, e)
	if !replaced {
		return
	}
	if prev.key() == e.key() {
		if prev.meta&metaCollided != 0 {
			e.meta |= metaCollided
			ks.slots.Set(h, e)
		}
		return
	}
	// Another key owns this hash: it keeps the slot, e goes aside.
	prev.meta |= metaCollided
	ks.slots.Set(h, prev)
	if ks.collide == nil {
		ks.collide = make(map[string]entry)
	}
	ks.collide[e.key()] = e
}

// del removes e's key, which must be present.
func (ks *keyspace) del(e entry) {
	key := e.key()
	h := ks.hashOf(e.keyBytes())
	slot, ok := ks.slots.Get(h)
	if !ok {
		return
	}
	if slot.key() != key {
		delete(ks.collide, key)
		if !ks.hasCollided(h) {
			slot.meta &^= metaCollided
			ks.slots.Set(h, slot)
		}
		return
	}
	if slot.meta&metaCollided == 0 {
		ks.slots.Delete(h)
		return
	}
	// Promote a key that shares the hash into the slot.
	for k, c := range ks.collide {
		if ks.hashOf([]byte(k)) == h {
			delete(ks.collide, k)
			if ks.hasCollided(h) {
				c.meta |= metaCollided
			}
			ks.slots.Set(h, c)
			return
		}
	}
	ks.slots.Delete(h)
}

func (ks *keyspace) hasCollided(h uint64) bool {
	for k := range ks.collide {
		if ks.hashOf([]byte(k)) == h {
			return true
		}
	}
	return false
}

// withCollided calls fn for e and, if it has any, the keys sharing its hash h.
func (ks *keyspace) withCollided(h uint64, e entry, fn func(entry) bool) bool {
	if !fn(e) {
		return false
	}
	if e.meta&metaCollided != 0 {
		for k, c := range ks.collide {
			if ks.hashOf([]byte(k)) == h && !fn(c) {
				return false
			}
		}
	}
	return true
}

// each calls fn for every key until fn returns false.
func (ks *keyspace) each(fn func(entry) bool) {
	ks.slots.Scan(func(h uint64, e entry) bool {
		return ks.withCollided(h, e, fn)
	})
}

// scan visits about count keys in hash order from cursor and returns the
// cursor to continue from (0 once every key has been visited). Keys that
// share a hash are visited together.
func (ks *keyspace) scan(cursor uint64, count int, fn func(entry)) uint64 {
	count = max(count, 1)
	visited := 0
	next := uint64(0)
	ks.slots.Ascend(cursor, func(h uint64, e entry) bool {
		if visited >= count {
			next = h
			return false
		}
		ks.withCollided(h, e, func(x entry) bool {
			visited++
			fn(x)
			return true
		})
		return true
	})
	return next
}

// random returns a random key's entry.
func (ks *keyspace) random() (entry, bool) {
	n := ks.slots.Len()
	if n == 0 {
		return entry{}, false
	}
	_, e, ok := ks.slots.GetAt(rand.IntN(n))
	return e, ok
}
