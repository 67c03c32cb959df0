package store

import (
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// The keyspace is an ordered hash table: an open-addressing table with
// linear probing whose slots stay sorted by the 64-bit hash of their keys.
// A hash h's home slot is h*size/2^64, which grows with h, so inserting at
// the first slot past the home whose hash is not smaller (shifting the rest
// of the run up by one) keeps the whole table in hash order, and deleting
// shifts the displaced keys that follow back down (no tombstones).
//
// Ordering by hash is what the B-tree this replaced offered, and what SCAN
// needs: a cursor is the hash of the next key to visit, so it survives any
// change between calls (resizes included), and a full iteration visits
// every key that was present throughout. A lookup reads the hash array from
// the home slot (one cache line, usually), then the entry and the key: a
// few cache misses where a B-tree descent takes dozens.
//
// Two keys with the same 64-bit hash are astronomically rare; when it
// happens the second one lives in a small side map (collide) and the
// slot's entry carries metaCollided.
type keyspace struct {
	hashes  []uint64 // slot i's key hash; emptyHash marks a free slot
	ents    []entry  // slot i's entry
	size    int      // home slots; the slots past them take keys that run off the end
	n       int      // occupied slots
	dropped int      // bytes of tables replaced by resizes, not yet reported
	collide map[string]entry
	seed    maphash.Seed
	// hash, if set, replaces the seeded hash (tests force collisions with it).
	hash func(key []byte) uint64
}

// emptyHash marks a free slot. No key hashes to it (hashOf maps it one
// down), and it sorts after every hash, so a probe stops at a free slot
// the way it stops at a larger hash.
const emptyHash = math.MaxUint64

// Table sizing: grow by half when more than 7/8 of the home slots are
// taken; shrink to twice the keys when fewer than 1/8 are.
const (
	minHomeSlots = 8
	minSpill     = 16
)

func newKeyspace(seed maphash.Seed) keyspace {
	return keyspace{seed: seed}
}

func (ks *keyspace) hashOf(key []byte) uint64 {
	var h uint64
	if ks.hash != nil {
		h = ks.hash(key)
	} else {
		h = maphash.Bytes(ks.seed, key)
	}
	if h == emptyHash {
		h--
	}
	return h
}

// home returns h's home slot in a table of size home slots.
func home(h uint64, size int) int {
	hi, _ := bits.Mul64(h, uint64(size))
	return int(hi)
}

// seek returns the first slot at or past h's home whose hash is h or
// larger (free slots included), or len(ks.hashes).
func (ks *keyspace) seek(h uint64) int {
	hs := ks.hashes
	i := home(h, ks.size)
	for i < len(hs) && hs[i] < h {
		i++
	}
	return i
}

// slot returns the slot holding hash h, or -1.
func (ks *keyspace) slot(h uint64) int {
	if i := ks.seek(h); i < len(ks.hashes) && ks.hashes[i] == h {
		return i
	}
	return -1
}

// len returns the number of keys.
func (ks *keyspace) len() int { return ks.n + len(ks.collide) }

// get returns key's entry.
func (ks *keyspace) get(key []byte) (entry, bool) {
	i := ks.slot(ks.hashOf(key))
	if i < 0 {
		return entry{}, false
	}
	e := ks.ents[i]
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
	i := ks.seek(h)
	if i < len(ks.hashes) && ks.hashes[i] == h {
		prev := &ks.ents[i]
		if prev.key() == e.key() {
			e.meta |= prev.meta & metaCollided
			*prev = e
			return
		}
		// Another key owns this hash: it keeps the slot, e goes aside.
		prev.meta |= metaCollided
		if ks.collide == nil {
			ks.collide = make(map[string]entry)
		}
		ks.collide[e.key()] = e
		return
	}
	if ks.n+1 > ks.size-ks.size/8 {
		ks.resize(max(minHomeSlots, ks.size+ks.size/2), minSpill)
		i = ks.seek(h)
	}
	ks.insertAt(i, h, e)
}

// insertAt puts h and e in slot i, moving the run that starts there up by one.
func (ks *keyspace) insertAt(i int, h uint64, e entry) {
	free := i
	for free < len(ks.hashes) && ks.hashes[free] != emptyHash {
		free++
	}
	if free == len(ks.hashes) {
		// The run reaches the end of the table: make more room past the
		// home slots and look again.
		ks.resize(ks.size, 2*(len(ks.hashes)-ks.size))
		ks.insertAt(ks.seek(h), h, e)
		return
	}
	copy(ks.hashes[i+1:free+1], ks.hashes[i:free])
	copy(ks.ents[i+1:free+1], ks.ents[i:free])
	ks.hashes[i] = h
	ks.ents[i] = e
	ks.n++
}

// removeAt empties slot i and moves the displaced keys after it down by one.
func (ks *keyspace) removeAt(i int) {
	j := i + 1
	for j < len(ks.hashes) && ks.hashes[j] != emptyHash && home(ks.hashes[j], ks.size) < j {
		j++
	}
	copy(ks.hashes[i:j-1], ks.hashes[i+1:j])
	copy(ks.ents[i:j-1], ks.ents[i+1:j])
	ks.hashes[j-1] = emptyHash
	ks.ents[j-1] = entry{}
	ks.n--
	if ks.size > minHomeSlots && ks.n < ks.size/8 {
		ks.resize(max(minHomeSlots, 2*ks.n), minSpill)
	}
}

// resize rebuilds the table with size home slots and at least spill slots
// past them. The keys are already in hash order, so each goes to the first
// free slot at or past its new home: one sequential pass.
func (ks *keyspace) resize(size, spill int) {
	last := -1
	for _, h := range ks.hashes {
		if h != emptyHash {
			last = max(home(h, size), last+1)
		}
	}
	if ks.n == 0 && ks.size > 0 && size <= minHomeSlots {
		// Empty again: drop the table altogether.
		ks.dropped += ks.tableBytes()
		ks.hashes, ks.ents, ks.size = nil, nil, 0
		return
	}
	ks.dropped += ks.tableBytes()
	hashes := make([]uint64, max(size, last+1)+spill)
	for i := range hashes {
		hashes[i] = emptyHash
	}
	ents := make([]entry, len(hashes))
	last = -1
	for i, h := range ks.hashes {
		if h != emptyHash {
			last = max(home(h, size), last+1)
			hashes[last] = h
			ents[last] = ks.ents[i]
		}
	}
	ks.hashes, ks.ents, ks.size = hashes, ents, size
}

// tableBytes returns the size of the table's arrays.
func (ks *keyspace) tableBytes() int {
	return cap(ks.hashes)*8 + cap(ks.ents)*int(unsafe.Sizeof(entry{}))
}

// del removes e's key, which must be present.
func (ks *keyspace) del(e entry) {
	key := e.key()
	h := ks.hashOf(e.keyBytes())
	i := ks.slot(h)
	if i < 0 {
		return
	}
	slot := &ks.ents[i]
	if slot.key() != key {
		delete(ks.collide, key)
		if !ks.hasCollided(h) {
			slot.meta &^= metaCollided
		}
		return
	}
	if slot.meta&metaCollided == 0 {
		ks.removeAt(i)
		return
	}
	// Promote a key that shares the hash into the slot.
	for k, c := range ks.collide {
		if ks.hashOf([]byte(k)) == h {
			delete(ks.collide, k)
			if ks.hasCollided(h) {
				c.meta |= metaCollided
			}
			*slot = c
			return
		}
	}
	ks.removeAt(i)
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

// each calls fn for every key, in hash order, until fn returns false.
func (ks *keyspace) each(fn func(entry) bool) {
	for i, h := range ks.hashes {
		if h != emptyHash && !ks.withCollided(h, ks.ents[i], fn) {
			return
		}
	}
}

// scan visits about count keys in hash order from cursor and returns the
// cursor to continue from (0 once every key has been visited). Keys that
// share a hash are visited together.
func (ks *keyspace) scan(cursor uint64, count int, fn func(entry)) uint64 {
	count = max(count, 1)
	visited := 0
	for i := ks.seek(cursor); i < len(ks.hashes); i++ {
		h := ks.hashes[i]
		if h == emptyHash {
			continue
		}
		if visited >= count {
			return h
		}
		ks.withCollided(h, ks.ents[i], func(x entry) bool {
			visited++
			fn(x)
			return true
		})
	}
	return 0
}

// random returns a random key's entry.
func (ks *keyspace) random() (entry, bool) {
	if ks.n == 0 {
		return entry{}, false
	}
	// The first key at or after a random slot: cheap, and, with the table
	// at least 1/8 full, not far from uniform (Redis's pick is no fairer).
	i := rand.IntN(len(ks.hashes))
	for ks.hashes[i] == emptyHash {
		i++
		if i == len(ks.hashes) {
			i = 0
		}
	}
	return ks.ents[i], true
}
