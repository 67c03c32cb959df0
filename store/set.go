package store

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"github.com/kvdserver/kvd/internal/num"
)

// A set value has two encodings, as in Redis 7.0:
//
//   - intset: while every member is an integer in its canonical decimal form
//     (Redis's string2ll rules: no sign but '-', no leading zero, no "-0",
//     within int64) and there are at most set-max-intset-entries of them, a
//     sorted array of integers, each stored in 2, 4 or 8 bytes: the width
//     the widest member needs, as Redis's intset upgrades (and never
//     downgrades) its encoding. Iteration, SMEMBERS and SSCAN see the
//     members in ascending order, exactly as Redis returns them.
//   - hashtable: otherwise, an open-addressing hash table of members (see
//     memberTable): O(1) lookups, O(1) random members for SPOP and
//     SRANDMEMBER, and Redis's SSCAN cursor and guarantee.
//
// A set converts to the hashtable encoding once and for ever, like Redis's;
// only commands that build a new set (the *STORE family, SPOP rebuilding
// what it keeps) may produce an intset from a hashtable's members.

// Set is a set value. Member slices it hands out point into it (or, for an
// intset, into a buffer of the call) and stay valid only until it is next
// changed, except that members of a hashtable set are never modified in
// place, so a slice of one stays intact even after it is removed. A Set is
// not safe for concurrent use.
type Set struct {
	ints  []byte // intset encoding: len/width sorted little-endian integers
	width uint8  // bytes per integer: 2, 4 or 8 (0 in a zero Set means 2)

	table *memberTable // hashtable encoding; nil while an intset
}

// NewSet returns an empty intset-encoded set. kvd, like Redis, never keeps
// an empty set under a key.
func NewSet() *Set { return &Set{width: 2} }

// Set returns the value of a set key, or nil if the key holds another type.
func (x Entry) Set() *Set {
	if x.Type() != TypeSet {
		return nil
	}
	return (*Set)(x.object())
}

// StoreSet stores s under key with no deadline, replacing any value of any
// type (SADD of a new key, the *STORE commands). The caller must not leave
// s empty: kvd, like Redis, deletes a set's key when its last member goes.
func (db *DB) StoreSet(key []byte, s *Set, now int64) {
	db.setObject(key, TypeSet, unsafe.Pointer(s), -1, now)
}

// Len returns the number of members.
func (s *Set) Len() int {
	if s.table != nil {
		return s.table.len()
	}
	return len(s.ints) / s.w()
}

// IsIntset reports whether the set is intset-encoded: its members are then
// integers, visited in ascending order.
func (s *Set) IsIntset() bool { return s.table == nil }

// Encoding returns the name OBJECT ENCODING gives the set's encoding.
func (s *Set) Encoding() string {
	if s.table != nil {
		return "hashtable"
	}
	return "intset"
}

// ---- intset ----

func (s *Set) w() int {
	if s.width == 0 {
		return 2
	}
	return int(s.width)
}

// intAt returns the i-th integer of an intset.
func (s *Set) intAt(i int) int64 {
	switch s.w() {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(s.ints[2*i:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(s.ints[4*i:])))
	}
	return int64(binary.LittleEndian.Uint64(s.ints[8*i:]))
}

func putInt(b []byte, w int, v int64) {
	switch w {
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, uint64(v))
	}
}

// widthFor returns the bytes an intset needs to hold v.
func widthFor(v int64) int {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

// intSearch returns the position of v in an intset, or where it would go.
func (s *Set) intSearch(v int64) (int, bool) {
	lo, hi := 0, len(s.ints)/s.w()
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.intAt(mid) < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(s.ints)/s.w() && s.intAt(lo) == v
}

// intAdd inserts v into an intset, widening it if v needs it.
func (s *Set) intAdd(v int64) bool {
	if need := widthFor(v); need > s.w() {
		s.widen(need)
	}
	i, found := s.intSearch(v)
	if found {
		return false
	}
	w := s.w()
	n := len(s.ints)
	if n+w > cap(s.ints) {
		// Leave room for a quarter more (at least four members): intsets
		// grow one member at a time.
		nb := make([]byte, n, n+w+max(n/4, 4*w))
		copy(nb, s.ints)
		s.ints = nb
	}
	s.ints = s.ints[:n+w]
	copy(s.ints[(i+1)*w:], s.ints[i*w:n])
	putInt(s.ints[i*w:], w, v)
	return true
}

// widen re-encodes an intset with need bytes per integer.
func (s *Set) widen(need int) {
	old := s.w()
	n := len(s.ints) / old
	nb := make([]byte, n*need, (n+1)*need)
	for i := 0; i < n; i++ {
		putInt(nb[i*need:], need, s.intAt(i))
	}
	s.ints, s.width = nb, uint8(need)
}

// intRemoveAt removes the i-th integer of an intset.
func (s *Set) intRemoveAt(i int) {
	w := s.w()
	copy(s.ints[i*w:], s.ints[(i+1)*w:])
	s.ints = s.ints[:len(s.ints)-w]
}

// toHashtable converts an intset to the hashtable encoding.
func (s *Set) toHashtable() {
	n := s.Len()
	t := newMemberTable(n + 1)
	var buf [num.MaxInt64Len]byte
	for i := 0; i < n; i++ {
		t.add(strconv.AppendInt(buf[:0], s.intAt(i), 10))
	}
	s.ints, s.width, s.table = nil, 2, t
}

// ---- operations ----

// Add adds member m (copied) and reports whether it was new. An intset
// converts to a hashtable when m is not an integer or it would have more
// than maxIntset members.
func (s *Set) Add(m []byte, maxIntset int64) bool {
	if s.table == nil {
		if v, ok := num.ParseInt(m); ok {
			return s.AddInt(v, maxIntset)
		}
		s.toHashtable()
	}
	return s.table.add(m)
}

// AddInt adds the integer v (as its canonical decimal form) and reports
// whether it was new; see Add.
func (s *Set) AddInt(v int64, maxIntset int64) bool {
	if s.table == nil {
		if !s.intAdd(v) {
			return false
		}
		if int64(s.Len()) > maxIntset {
			s.toHashtable()
		}
		return true
	}
	var buf [num.MaxInt64Len]byte
	return s.table.add(strconv.AppendInt(buf[:0], v, 10))
}

// Remove removes member m and reports whether it was there.
func (s *Set) Remove(m []byte) bool {
	if s.table == nil {
		v, ok := num.ParseInt(m)
		if !ok {
			return false
		}
		i, found := s.intSearch(v)
		if found {
			s.intRemoveAt(i)
		}
		return found
	}
	return s.table.remove(m)
}

// Has reports whether m is a member.
func (s *Set) Has(m []byte) bool {
	if s.table == nil {
		v, ok := num.ParseInt(m)
		if !ok {
			return false
		}
		_, found := s.intSearch(v)
		return found
	}
	return s.table.has(m)
}

// HasInt reports whether the integer v (in its canonical decimal form) is
// a member, without formatting v for an intset.
func (s *Set) HasInt(v int64) bool {
	if s.table == nil {
		_, found := s.intSearch(v)
		return found
	}
	var buf [num.MaxInt64Len]byte
	return s.Has(strconv.AppendInt(buf[:0], v, 10))
}

// IntAt returns the i-th integer of an intset-encoded set.
func (s *Set) IntAt(i int) int64 { return s.intAt(i) }

// Random returns a random member, formatted into buf's spare capacity
// (which must hold 20 bytes) for an intset. The set must not be empty.
func (s *Set) Random(buf []byte) []byte {
	if s.table == nil {
		return strconv.AppendInt(buf[:0], s.intAt(rand.IntN(s.Len())), 10)
	}
	return s.table.random()
}

// PopRandom removes a random member and returns it, formatted into buf for
// an intset (see Random). The set must not be empty.
func (s *Set) PopRandom(buf []byte) []byte {
	if s.table == nil {
		i := rand.IntN(s.Len())
		m := strconv.AppendInt(buf[:0], s.intAt(i), 10)
		s.intRemoveAt(i)
		return m
	}
	return s.table.popRandom()
}

// Sample calls fn with count distinct random members in random order,
// 0 < count < Len(). An intset member is formatted into a buffer that fn
// must not keep. fn must not change the set.
func (s *Set) Sample(count int, fn func(m []byte)) {
	if s.table != nil {
		s.table.sample(count, fn)
		return
	}
	var buf [num.MaxInt64Len]byte
	sampleIndexes(s.Len(), count, func(i int) { fn(strconv.AppendInt(buf[:0], s.intAt(i), 10)) })
}

// Range calls fn for every member in the set's order until fn returns
// false. An intset member is formatted into a buffer that fn must not keep.
// fn must not change the set.
func (s *Set) Range(fn func(m []byte) bool) {
	if s.table == nil {
		var buf [num.MaxInt64Len]byte
		for i, n := 0, s.Len(); i < n; i++ {
			if !fn(strconv.AppendInt(buf[:0], s.intAt(i), 10)) {
				return
			}
		}
		return
	}
	s.table.each(fn)
}

// Replace makes s hold other's members and encoding; other must not be
// used afterwards. It lets a command rebuild a set while the key keeps its
// deadline.
func (s *Set) Replace(other *Set) { *s = *other }

// Clone returns a copy of the set with the same encoding (COPY). The two
// share a hashtable's immutable member bytes.
func (s *Set) Clone() *Set {
	c := &Set{width: s.width}
	if s.table != nil {
		c.table = s.table.clone()
		return c
	}
	c.ints = append([]byte(nil), s.ints...)
	return c
}

// Scan visits members starting at cursor and returns the cursor to
// continue from (0 when the iteration is complete). An intset is visited
// whole, whatever the cursor, and the cursor returned is 0, as in Redis. A
// hashtable is visited the way Redis's SSCAN visits its dict: buckets from
// the cursor until about count members (or count*10 buckets) are seen, so
// members present for a whole iteration are visited at least once whatever
// changes between calls. fn must not change the set or keep an intset
// member.
func (s *Set) Scan(cursor uint64, count int, fn func(m []byte)) uint64 {
	if s.table == nil {
		s.Range(func(m []byte) bool { fn(m); return true })
		return 0
	}
	return s.table.scan(cursor, max(count, 1), fn)
}
