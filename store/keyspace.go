package store

import (
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"time"
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
// every key that was present throughout. Key hashes have 63 bits, so that
// a cursor is a number every client parses, signed or unsigned. A lookup
// reads the hash array from the home slot (one cache line, usually), then
// the entry and the key: a few cache misses where a B-tree descent takes
// dozens.
//
// A table that must grow or shrink is rebuilt incrementally once it holds
// more than syncResizeKeys keys, as Redis rehashes: the keyspace keeps the
// old table beside the new one and moves the old table's slots over in
// hash order, a few at each write (resizeStep) and for a millisecond at
// each cron tick (DB.Rehash). Keys hashing below the moving boundary lo are
// in the new table, the others in the old one, so every lookup still reads
// one table. Moved slots of the old table hold hash 0 (no key hashes to
// it) so that a probe there skips them, and a key added to the old table
// always lands past the boundary.
//
// Two keys with the same 64-bit hash are astronomically rare; when it
// happens the second one lives in a small side map (collide) and the
// slot's entry carries metaCollided.
type keyspace struct {
	t table // the table; while resizing, the new one
	// old is the table being moved into t while resizing: its slots from
	// mig on are still to move; keys hashing at or above lo live there.
	old      table
	mig      int
	lo       uint64
	resizing bool
	dropped  int // bytes of tables replaced by resizes, not yet reported
	collide  map[string]entry
	seed     maphash.Seed
	// hash, if set, replaces the seeded hash (tests force collisions with it).
	hash func(key []byte) uint64
	// syncBelow: tables with fewer keys are rebuilt in one pass;
	// moveStep: slots of the old table each write moves while resizing.
	syncBelow, moveStep int
	// snap is the snapshot walking this keyspace, if any (snapshot.go).
	snap *dbSnap
}

// table is one ordered open-addressing table.
type table struct {
	// inv[i] is the complement of slot i's key hash, so that the zeroes
	// of a new allocation are free slots (^emptyHash == 0): a new table
	// needs no initialising pass, and its pages are touched only as keys
	// arrive. The complement reverses the order: inv is descending.
	inv  []uint64
	ents []entry // slot i's entry
	size int     // home slots; the slots past them take keys that run off the end
	n    int     // occupied slots
}

// emptyHash marks a free slot. No key hashes to it (key hashes are below
// 2^63), and it sorts after every hash, so a probe stops at a free slot
// the way it stops at a larger hash. movedHash marks a slot of the old
// table that has been moved while resizing; no key hashes to it either
// (hashOf maps it one up), and so no key's SCAN cursor is 0, which ends
// an iteration.
const (
	emptyHash = math.MaxUint64
	movedHash = 0
	maxHash   = math.MaxInt64
)

// Table sizing: grow by half when more than 7/8 of the home slots are
// taken; shrink to twice the keys when fewer than 1/8 are. Tables of at
// least syncResizeKeys keys resize incrementally, resizeStep slots of the
// old table per write.
const (
	minHomeSlots   = 8
	minSpill       = 16
	syncResizeKeys = 1 << 12
	resizeStep     = 128
)

// spillFor returns the slots a new table of size home slots gets past
// them. The keys whose homes are the last slots run into them, and at 7/8
// full such a run is often dozens of slots long; a run that reaches the end
// costs a copy of the whole table, so large tables get 1/64 more.
func spillFor(size int) int { return max(minSpill, size/64) }

func newKeyspace(seed maphash.Seed) keyspace {
	return keyspace{seed: seed, syncBelow: syncResizeKeys, moveStep: resizeStep}
}

func (ks *keyspace) hashOf(key []byte) uint64 {
	var h uint64
	if ks.hash != nil {
		h = ks.hash(key)
	} else {
		h = maphash.Bytes(ks.seed, key)
	}
	// 63 bits: SCAN cursors are hashes, and clients parse them as signed
	// 64-bit integers as often as unsigned ones.
	h &= maxHash
	if h == movedHash {
		h++
	}
	return h
}

// home returns h's home slot in a table of size home slots: the slots
// divide the range of hashes, [0, 2^63), evenly.
func home(h uint64, size int) int {
	hi, _ := bits.Mul64(h<<1, uint64(size))
	return int(hi)
}

// newTable returns an empty table of size home slots and spill more.
func newTable(size, spill int) table {
	inv := make([]uint64, size+spill)
	return table{inv: inv, ents: make([]entry, len(inv)), size: size}
}

// seek returns the first slot at or past h's home whose hash is h or
// larger (free slots included), or len(t.inv).
func (t *table) seek(h uint64) int {
	inv, nh := t.inv, ^h
	i := home(h, t.size)
	for i < len(inv) && inv[i] > nh { // the slot's hash is below h
		i++
	}
	return i
}

// slot returns the slot holding hash h, or -1.
func (t *table) slot(h uint64) int {
	if i := t.seek(h); i < len(t.inv) && t.inv[i] == ^h {
		return i
	}
	return -1
}

// bytes returns the size of the table's arrays.
func (t *table) bytes() int {
	return cap(t.inv)*8 + cap(t.ents)*int(unsafe.Sizeof(entry{}))
}

// insertAt puts h and e in slot i, moving the run that starts there up by
// one. It reports false, changing nothing, when the run reaches the end of
// the table.
func (t *table) insertAt(i int, h uint64, e entry) bool {
	free := i
	for free < len(t.inv) && t.inv[free] != 0 {
		free++
	}
	if free == len(t.inv) {
		return false
	}
	copy(t.inv[i+1:free+1], t.inv[i:free])
	copy(t.ents[i+1:free+1], t.ents[i:free])
	t.inv[i] = ^h
	t.ents[i] = e
	t.n++
	return true
}

// removeAt empties slot i and moves the displaced keys after it down by one.
func (t *table) removeAt(i int) {
	j := i + 1
	for j < len(t.inv) && t.inv[j] != 0 && home(^t.inv[j], t.size) < j {
		j++
	}
	copy(t.inv[i:j-1], t.inv[i+1:j])
	copy(t.ents[i:j-1], t.ents[i+1:j])
	t.inv[j-1] = 0
	t.ents[j-1] = entry{}
	t.n--
}

// rebuilt returns a table with size home slots and at least spill slots
// past them holding t's keys. The keys are already in hash order, so each
// goes to the first free slot at or past its new home: one sequential pass.
func (t *table) rebuilt(size, spill int) table {
	last := -1
	for _, v := range t.inv {
		if v != 0 {
			last = max(home(^v, size), last+1)
		}
	}
	nt := newTable(size, max(size, last+1)-size+spill)
	last = -1
	for i, v := range t.inv {
		if v != 0 {
			last = max(home(^v, size), last+1)
			nt.inv[last] = v
			nt.ents[last] = t.ents[i]
		}
	}
	nt.n = t.n
	return nt
}

// random returns the entry in the first occupied slot at or after a random
// slot from from on; the table must hold a key there.
func (t *table) random(from int) entry {
	i := from + rand.IntN(len(t.inv)-from)
	for t.inv[i] == 0 {
		i++
		if i == len(t.inv) {
			i = from
		}
	}
	return t.ents[i]
}

// tableFor returns the table that holds, or would hold, hash h.
func (ks *keyspace) tableFor(h uint64) *table {
	if ks.resizing && h >= ks.lo {
		return &ks.old
	}
	return &ks.t
}

// len returns the number of keys.
func (ks *keyspace) len() int { return ks.t.n + ks.old.n + len(ks.collide) }

// tableBytes returns the size of the tables' arrays.
func (ks *keyspace) tableBytes() int { return ks.t.bytes() + ks.old.bytes() }

// get returns key's entry.
func (ks *keyspace) get(key []byte) (entry, bool) {
	h := ks.hashOf(key)
	t := ks.tableFor(h)
	i := t.slot(h)
	if i < 0 {
		return entry{}, false
	}
	e := t.ents[i]
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
	e.meta &^= metaCollided | metaSnap
	h := ks.hashOf(e.keyBytes())
	if ks.resizing {
		ks.move(ks.moveStep)
	}
	t := ks.tableFor(h)
	if i := t.seek(h); i < len(t.inv) && t.inv[i] == ^h {
		prev := &t.ents[i]
		if prev.key() == e.key() {
			if d := ks.snap; d != nil && d.ahead(h) {
				d.beforeSlot(h, prev) // the old value, unless already handed over
				e.meta |= metaSnap
			}
			e.meta |= prev.meta & metaCollided
			*prev = e
			return
		}
		// Another key owns this hash: it keeps the slot, e goes aside.
		prev.meta |= metaCollided
		if ks.collide == nil {
			ks.collide = make(map[string]entry)
		}
		if d := ks.snap; d != nil && d.ahead(h) {
			if c, ok := ks.collide[e.key()]; ok {
				d.beforeAside(h, c)
			} else {
				d.markKey(e.key())
			}
		}
		ks.collide[e.key()] = e
		return
	}
	if d := ks.snap; d != nil && d.ahead(h) {
		e.meta |= metaSnap // a new key: not in the snapshot
	}
	if ks.resizing && ks.t.n+1 > ks.t.size-ks.t.size/8 {
		// The new table filled up before the old one emptied.
		ks.finishResize()
	}
	if !ks.resizing && ks.t.n+1 > ks.t.size-ks.t.size/8 {
		ks.startResize(max(minHomeSlots, ks.t.size+ks.t.size/2))
	}
	for {
		t := ks.tableFor(h)
		if t.insertAt(t.seek(h), h, e) {
			return
		}
		// The run reaches the end of the table.
		if t == &ks.old {
			ks.finishResize()
		} else {
			ks.dropped += t.bytes()
			*t = t.rebuilt(t.size, max(minSpill, 2*(len(t.inv)-t.size)))
		}
	}
}

// startResize begins rebuilding the table with size home slots: at once
// for a small table, else incrementally.
func (ks *keyspace) startResize(size int) {
	if ks.t.n < ks.syncBelow {
		ks.dropped += ks.t.bytes()
		if ks.t.n == 0 && ks.t.size > 0 && size <= minHomeSlots {
			ks.t = table{} // empty again: drop the table altogether
			return
		}
		ks.t = ks.t.rebuilt(size, spillFor(size))
		return
	}
	ks.old = ks.t
	ks.t = newTable(size, spillFor(size))
	ks.mig, ks.lo, ks.resizing = 0, movedHash+1, true
	ks.move(ks.moveStep)
}

// move moves up to slots slots of the old table into the new one and ends
// the resize once the old table is empty.
func (ks *keyspace) move(slots int) {
	o := &ks.old
	end := min(ks.mig+slots, len(o.inv))
	for i := ks.mig; i < end; i++ {
		if v := o.inv[i]; v != 0 {
			h := ^v
			// Every key of the new table hashes below h: h goes to the
			// first free slot at or past its home.
			for !ks.t.insertAt(ks.t.seek(h), h, o.ents[i]) {
				ks.dropped += ks.t.bytes()
				ks.t = ks.t.rebuilt(ks.t.size, max(minSpill, 2*(len(ks.t.inv)-ks.t.size)))
			}
			o.ents[i] = entry{}
			o.n--
			ks.lo = h + 1
		}
		o.inv[i] = ^uint64(movedHash)
	}
	ks.mig = end
	if end == len(o.inv) {
		ks.dropped += o.bytes()
		ks.old, ks.mig, ks.resizing = table{}, 0, false
	}
}

// finishResize moves whatever the old table still holds.
func (ks *keyspace) finishResize() {
	if ks.resizing {
		ks.move(len(ks.old.inv))
	}
}

// rehash moves slots of the old table for about d, while resizing, and
// reports whether a resize is still under way.
func (ks *keyspace) rehash(d time.Duration) bool {
	start := time.Now()
	for ks.resizing && time.Since(start) < d {
		ks.move(4096)
	}
	return ks.resizing
}

// del removes e's key, which must be present.
func (ks *keyspace) del(e entry) {
	key := e.key()
	h := ks.hashOf(e.keyBytes())
	if ks.resizing {
		ks.move(ks.moveStep)
	}
	t := ks.tableFor(h)
	i := t.slot(h)
	if i < 0 {
		return
	}
	slot := &t.ents[i]
	if d := ks.snap; d != nil && d.ahead(h) {
		if c, ok := ks.collide[key]; ok && slot.key() != key {
			d.beforeAside(h, c)
		} else if slot.key() == key {
			d.beforeSlot(h, slot)
		}
	}
	if slot.key() != key {
		delete(ks.collide, key)
		if !ks.hasCollided(h) {
			slot.meta &^= metaCollided
		}
		return
	}
	if slot.meta&metaCollided != 0 {
		// Promote a key that shares the hash into the slot.
		for k, c := range ks.collide {
			if ks.hashOf([]byte(k)) == h {
				delete(ks.collide, k)
				if ks.hasCollided(h) {
					c.meta |= metaCollided
				}
				if d := ks.snap; d != nil && d.ahead(h) {
					// Its mark moves from the name to the slot.
					if _, ok := d.byKey[k]; ok {
						delete(d.byKey, k)
						c.meta |= metaSnap
					}
				}
				*slot = c
				return
			}
		}
	}
	t.removeAt(i)
	if !ks.resizing && ks.t.size > minHomeSlots && ks.t.n < ks.t.size/8 {
		ks.startResize(max(minHomeSlots, 2*ks.t.n))
	}
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
	// While resizing, every key of the new table hashes below every key
	// left in the old one.
	if !ks.t.each(0, ks, fn) {
		return
	}
	if ks.resizing {
		ks.old.each(ks.mig, ks, fn)
	}
}

// each calls fn for the keys in slots from from on, and for those sharing
// their hashes, until fn returns false; it reports whether fn never did.
func (t *table) each(from int, ks *keyspace, fn func(entry) bool) bool {
	for i := from; i < len(t.inv); i++ {
		if v := t.inv[i]; v != 0 && !ks.withCollided(^v, t.ents[i], fn) {
			return false
		}
	}
	return true
}

// scan visits about count keys in hash order from cursor and returns the
// cursor to continue from (0 once every key has been visited): the hash of
// the next key, below 2^63. Keys that share a hash are visited together. A
// cursor above every hash, which scan never returns, visits nothing.
func (ks *keyspace) scan(cursor uint64, count int, fn func(entry)) uint64 {
	if cursor > maxHash {
		return 0
	}
	count = max(count, 1)
	visited := 0
	next := uint64(0)
	visit := func(h uint64, e entry) bool {
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
	}
	if !ks.t.scanFrom(ks.t.seek(cursor), visit) {
		return next
	}
	if ks.resizing {
		// The old table's moved slots hold movedHash, below any cursor
		// but 0, which starts at mig anyway.
		ks.old.scanFrom(max(ks.mig, ks.old.seek(cursor)), visit)
	}
	return next
}

// walk is scan for a snapshot: it visits about count keys in hash order
// from cursor and returns the cursor to continue from (0 at the end),
// handing fn each key's table slot, which fn may change (metaSnap), or a
// copy of a key kept aside (aside).
func (ks *keyspace) walk(cursor uint64, count int, fn func(slot *entry, aside bool)) uint64 {
	if cursor > maxHash {
		return 0
	}
	count = max(count, 1)
	visited := 0
	next := uint64(0)
	visit := func(t *table, i int) bool {
		h := ^t.inv[i]
		if visited >= count {
			next = h
			return false
		}
		visited++
		collided := t.ents[i].meta&metaCollided != 0
		fn(&t.ents[i], false)
		if collided {
			for k, c := range ks.collide {
				if ks.hashOf([]byte(k)) == h {
					visited++
					fn(&c, true)
				}
			}
		}
		return true
	}
	for i := ks.t.seek(cursor); i < len(ks.t.inv); i++ {
		if ks.t.inv[i] != 0 && !visit(&ks.t, i) {
			return next
		}
	}
	if ks.resizing {
		for i := max(ks.mig, ks.old.seek(cursor)); i < len(ks.old.inv); i++ {
			if ks.old.inv[i] != 0 && !visit(&ks.old, i) {
				return next
			}
		}
	}
	return next
}

// scanFrom calls visit for the entry in each occupied slot from i on until
// visit returns false; it reports whether visit never did.
func (t *table) scanFrom(i int, visit func(uint64, entry) bool) bool {
	for ; i < len(t.inv); i++ {
		if v := t.inv[i]; v != 0 && !visit(^v, t.ents[i]) {
			return false
		}
	}
	return true
}

// random returns a random key's entry.
func (ks *keyspace) random() (entry, bool) {
	n := ks.t.n + ks.old.n
	if n == 0 {
		return entry{}, false
	}
	// The first key at or after a random slot: cheap, and, with the table
	// at least 1/8 full, not far from uniform (Redis's pick is no fairer).
	// While resizing, first a table in proportion to its keys.
	if rand.IntN(n) < ks.t.n {
		return ks.t.random(0), true
	}
	return ks.old.random(ks.mig), true
}
