package store

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// memberTable is the hashtable encoding of a set: open addressing with
// linear probing over a power-of-two array of 16-byte slots, each holding a
// pointer to the member's bytes (one allocation of exactly its length,
// never modified, so copies of a set share them), its length and its
// 32-bit hash. Lookups compare stored hashes before bytes, so a miss
// rarely touches a member.
//
// It grows past 80% load and shrinks below 10%, like Redis's dict moving
// its members to the new array a few per change (incremental rehashing)
// rather than all at once, so that no command pays for rehashing a big
// set. While rehashing, the old array is only drained: its
// members move, or are deleted, leaving tombstones so that probes still
// find the ones behind them, and new members go to the new array.
//
// SSCAN's cursor is Redis's: a reverse-binary counter over home buckets
// (hash & mask), which visits every home bucket of the current array sizes
// and stays valid when the table grows or shrinks between calls, so a
// member present for a whole iteration is returned at least once. Linear
// probing keeps every member in the run of occupied slots that starts at
// its home bucket, which is what visiting a bucket scans.
type memberTable struct {
	cur  slotArray
	old  slotArray // being drained into cur; nil slots when not rehashing
	next int       // next slot of old to move
	seed maphash.Seed
	data int // bytes of the members' allocations (mem.go)
}

// slot is one slot of a slotArray: empty (p == nil, n == 0), a tombstone
// (p == nil, n == 1; only in an array being drained), or a member (p !=
// nil; the empty member points at a one-byte allocation). A member's
// length must fit in 32 bits (kvd's default query buffer limit, 1 GiB,
// keeps arguments far below).
type slot struct {
	p    *byte
	n    uint32
	hash uint32
}

func (s slot) bytes() []byte { return unsafe.Slice(s.p, s.n) }

func (s slot) empty() bool { return s.p == nil && s.n == 0 }

type slotArray struct {
	slots []slot
	count int // members (not tombstones)
}

const (
	minSlots = 8
	// While rehashing, a change moves up to rehashMembers members of the
	// old array, looking at no more than rehashSlots of its slots. Growing
	// from load 0.8 to 0.4 leaves 0.4 of the new array to fill before it
	// must grow again, in which time this drains the old array (half its
	// size) many times over; a shrinking table's old array, under a tenth
	// full, is crossed quickly enough to drain it before it empties.
	rehashMembers = 8
	rehashSlots   = 64
)

func (a *slotArray) mask() uint32 { return uint32(len(a.slots) - 1) }

// find returns the slot holding m, whose hash is h, or -1.
func (a *slotArray) find(m []byte, h uint32) int {
	if a.count == 0 {
		return -1
	}
	mask := a.mask()
	for i := h & mask; ; i = (i + 1) & mask {
		s := &a.slots[i]
		if s.p == nil {
			if s.n == 0 {
				return -1
			}
			continue
		}
		if s.hash == h && string(s.bytes()) == string(m) {
			return int(i)
		}
	}
}

// insert puts a member known to be absent into the first free slot of its
// run. The array must have no tombstones and a free slot.
func (a *slotArray) insert(s slot) {
	mask := a.mask()
	i := s.hash & mask
	for !a.slots[i].empty() {
		i = (i + 1) & mask
	}
	a.slots[i] = s
	a.count++
}

// removeAt empties slot i and shifts later members of the run back into
// the hole where their home allows (Knuth's algorithm R), so that the array
// needs no tombstones.
func (a *slotArray) removeAt(i uint32) {
	mask := a.mask()
	j := i
	for {
		j = (j + 1) & mask
		s := a.slots[j]
		if s.empty() {
			break
		}
		// s stays if its home k lies cyclically in (i, j].
		k := s.hash & mask
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if k > i || k <= j {
			continue
		}
		a.slots[i] = s
		i = j
	}
	a.slots[i] = slot{}
	a.count--
}

// visit calls fn for the members whose home bucket is b.
func (a *slotArray) visit(b uint32, fn func([]byte)) {
	if a.count == 0 {
		return
	}
	mask := a.mask()
	for i := b; ; i = (i + 1) & mask {
		s := a.slots[i]
		if s.p == nil {
			if s.n == 0 {
				return
			}
			continue
		}
		if s.hash&mask == b {
			fn(s.bytes())
		}
	}
}

// slotsFor returns the power-of-two array size that holds n members at
// most half full.
func slotsFor(n int) int {
	if n < minSlots/2 {
		return minSlots
	}
	return 1 << bits.Len(uint(2*n-1))
}

func newMemberTable(n int) *memberTable {
	return &memberTable{cur: slotArray{slots: make([]slot, slotsFor(n))}, seed: maphash.MakeSeed()}
}

func (t *memberTable) len() int { return t.cur.count + t.old.count }

func (t *memberTable) rehashing() bool { return t.old.slots != nil }

func (t *memberTable) hash(m []byte) uint32 {
	h := maphash.Bytes(t.seed, m)
	return uint32(h ^ h>>32)
}

// rehashStep moves up to rehashMembers members of the old array into the
// current one, looking at up to rehashSlots slots.
func (t *memberTable) rehashStep() {
	moved := 0
	for n := rehashSlots; n > 0 && moved < rehashMembers && t.old.count > 0; n-- {
		s := t.old.slots[t.next]
		if s.p != nil {
			t.cur.insert(s)
			t.old.slots[t.next] = slot{n: 1}
			t.old.count--
			moved++
		}
		t.next++
	}
	t.endRehashIfDrained()
}

// endRehashIfDrained drops the old array once it holds no member, and then
// checks whether the current one should shrink in turn.
func (t *memberTable) endRehashIfDrained() {
	if t.rehashing() && t.old.count == 0 {
		t.old, t.next = slotArray{}, 0
		t.maybeShrink()
	}
}

// maybeShrink starts moving the members to a smaller array if the current
// one is less than a tenth full, as Redis shrinks a dict.
func (t *memberTable) maybeShrink() {
	if !t.rehashing() && len(t.cur.slots) > minSlots && t.cur.count*10 < len(t.cur.slots) {
		t.resize(slotsFor(t.cur.count))
	}
}

// resize starts moving the members to an array of size slots. If a rehash
// is still in progress (a shrunk array filling up before the old one is
// drained, which takes many changes at once), it moves everything to the
// new array at once instead.
func (t *memberTable) resize(size int) {
	size = max(size, slotsFor(t.len()))
	na := slotArray{slots: make([]slot, size)}
	if !t.rehashing() {
		t.old, t.next, t.cur = t.cur, 0, na
		return
	}
	for _, a := range [2]*slotArray{&t.cur, &t.old} {
		for _, s := range a.slots {
			if s.p != nil {
				na.insert(s)
			}
		}
	}
	t.cur, t.old, t.next = na, slotArray{}, 0
}

// lookup returns the array and slot holding m, or a nil array.
func (t *memberTable) lookup(m []byte) (*slotArray, int) {
	h := t.hash(m)
	if i := t.cur.find(m, h); i >= 0 {
		return &t.cur, i
	}
	if i := t.old.find(m, h); i >= 0 {
		return &t.old, i
	}
	return nil, -1
}

func (t *memberTable) has(m []byte) bool {
	a, _ := t.lookup(m)
	return a != nil
}

// add adds a copy of m and reports whether it was new.
func (t *memberTable) add(m []byte) bool {
	t.rehashStep()
	h := t.hash(m)
	if t.cur.find(m, h) >= 0 || t.old.find(m, h) >= 0 {
		return false
	}
	if (t.len()+1)*5 > len(t.cur.slots)*4 {
		t.resize(2 * len(t.cur.slots))
	}
	var p *byte
	if len(m) == 0 {
		p = new(byte)
	} else {
		b := make([]byte, len(m))
		copy(b, m)
		p = &b[0]
	}
	t.cur.insert(slot{p: p, n: uint32(len(m)), hash: h})
	t.data += AllocSize(max(len(m), 1))
	return true
}

// removeSlot removes the member at slot i of a (one of t's arrays).
func (t *memberTable) removeSlot(a *slotArray, i int) {
	t.data -= AllocSize(max(int(a.slots[i].n), 1))
	if a == &t.old {
		a.slots[i] = slot{n: 1}
		a.count--
		t.endRehashIfDrained()
		return
	}
	a.removeAt(uint32(i))
	t.maybeShrink()
}

// remove removes m and reports whether it was a member.
func (t *memberTable) remove(m []byte) bool {
	t.rehashStep()
	a, i := t.lookup(m)
	if a == nil {
		return false
	}
	t.removeSlot(a, i)
	return true
}

// randomSlot picks a member uniformly: an array in proportion to its
// members, then random slots of it until one holds a member. The load
// never falls below a tenth outside rehashing, so that takes few tries.
func (t *memberTable) randomSlot() (*slotArray, int) {
	a := &t.cur
	if t.old.count > 0 && rand.IntN(t.len()) < t.old.count {
		a = &t.old
	}
	mask := a.mask()
	for {
		i := rand.Uint32() & mask
		if a.slots[i].p != nil {
			return a, int(i)
		}
	}
}

func (t *memberTable) random() []byte {
	a, i := t.randomSlot()
	return a.slots[i].bytes()
}

// popRandom removes a random member and returns it. Its bytes stay valid:
// members are never modified.
func (t *memberTable) popRandom() []byte {
	t.rehashStep()
	a, i := t.randomSlot()
	m := a.slots[i].bytes()
	t.removeSlot(a, i)
	return m
}

// each calls fn for every member until fn returns false.
func (t *memberTable) each(fn func(m []byte) bool) {
	for _, a := range [2]*slotArray{&t.cur, &t.old} {
		if a.count == 0 {
			continue
		}
		for _, s := range a.slots {
			if s.p != nil && !fn(s.bytes()) {
				return
			}
		}
	}
}

// sample calls fn with count distinct random members, count < len(): from
// a list of all of them partly shuffled when count is a large part of the
// set, else by picking random members and skipping repeats (Redis's
// SRANDMEMBER cases 3 and 4).
func (t *memberTable) sample(count int, fn func(m []byte)) {
	if count*3 > t.len() {
		all := make([]slot, 0, t.len())
		for _, a := range [2]*slotArray{&t.cur, &t.old} {
			for _, s := range a.slots {
				if s.p != nil {
					all = append(all, s)
				}
			}
		}
		for i := 0; i < count; i++ {
			j := i + rand.IntN(len(all)-i)
			all[i], all[j] = all[j], all[i]
			fn(all[i].bytes())
		}
		return
	}
	type ref struct {
		a *slotArray
		i int
	}
	seen := make(map[ref]struct{}, count)
	for len(seen) < count {
		a, i := t.randomSlot()
		if _, dup := seen[ref{a, i}]; dup {
			continue
		}
		seen[ref{a, i}] = struct{}{}
		fn(a.slots[i].bytes())
	}
}

// scan visits home buckets from cursor, Redis's dictScan way, until it has
// visited count members or count*10 buckets, and returns the next cursor
// (0 when the iteration is complete).
func (t *memberTable) scan(cursor uint64, count int, fn func(m []byte)) uint64 {
	visited := 0
	emit := func(m []byte) { visited++; fn(m) }
	v := cursor
	for buckets := count * 10; ; buckets-- {
		v = t.scanBucket(v, emit)
		if v == 0 || buckets <= 0 || visited >= count {
			return v
		}
	}
}

// scanBucket visits the bucket the cursor v names in each array (and, in
// the larger array while rehashing, every bucket that expands it) and
// returns the next cursor: v's bits above the mask set, then the reversed
// value incremented, so that buckets are visited in an order that survives
// the table growing or shrinking between calls.
func (t *memberTable) scanBucket(v uint64, fn func([]byte)) uint64 {
	if !t.rehashing() {
		m0 := uint64(t.cur.mask())
		t.cur.visit(uint32(v&m0), fn)
		v |= ^m0
		return bits.Reverse64(bits.Reverse64(v) + 1)
	}
	small, large := &t.cur, &t.old
	if len(small.slots) > len(large.slots) {
		small, large = large, small
	}
	m0, m1 := uint64(small.mask()), uint64(large.mask())
	small.visit(uint32(v&m0), fn)
	for {
		large.visit(uint32(v&m1), fn)
		v |= ^m1
		v = bits.Reverse64(bits.Reverse64(v) + 1)
		if v&(m0^m1) == 0 {
			return v
		}
	}
}

// clone returns a copy that shares the members' bytes.
func (t *memberTable) clone() *memberTable {
	c := *t
	c.cur.slots = append([]slot(nil), t.cur.slots...)
	if t.old.slots != nil {
		c.old.slots = append([]slot(nil), t.old.slots...)
	}
	return &c
}
