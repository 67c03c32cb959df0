package store

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"unsafe"

	"github.com/tidwall/btree"
)

// A sorted set has two encodings, chosen like Redis 7.0 chooses between a
// listpack and a skiplist, so that OBJECT ENCODING and ZSCAN behave alike:
//
//   - small ("listpack"): every member in one byte slice, after a 2-byte
//     count, sorted by (score, member), each entry laid out as [uvarint:
//     member length << 1 | 1 if the score is a float][member][score: a
//     zigzag uvarint if it is a whole number, else 8 bytes of
//     little-endian IEEE 754]. Lookups are linear, as in a listpack; it is
//     the compact form for the many small sorted sets a database
//     typically holds, and like a listpack it takes about 16 bytes per
//     member of 14 bytes with a small integer score.
//   - big ("skiplist"): two B-trees over the same members. byScore, a
//     counted B+tree of kvd's own (rankTree), is ordered by (score, member)
//     and answers ranges and ranks; byMember, a tidwall/btree, is
//     ordered by (hash32(member), member) and answers lookups by member and
//     ZSCAN, whose cursor is the hash of the next member to visit, so that a
//     cursor stays valid however the set changes between calls.
//
// Each member of a big set is one allocation (see newRef) holding its score
// and bytes; both trees point at it, so a member costs its bytes, 8 bytes
// of score, a length byte and two 16-byte tree items.
//
// A set starts small and turns big once it has more than MaxEntries
// members or a member longer than MaxValue bytes, and never turns back.
// The commands that build a new set (ZUNIONSTORE, ZRANGESTORE...) start it
// in the encoding Redis would (NewZSetFor): it shows not only in OBJECT
// ENCODING but in scores, since the small encoding, like a listpack,
// stores -0 as 0.

// ZLimits are the thresholds of the small encoding
// (zset-max-listpack-entries and zset-max-listpack-value).
type ZLimits struct {
	MaxEntries int64
	MaxValue   int64
}

// maxSmallBytes is the largest small encoding, like Redis's listpack
// safety limit (lpSafeToAdd): 1 GiB.
const maxSmallBytes = 1 << 30

// ZSet is a sorted set: members (byte strings) each with a float64 score,
// ordered by score and then member. It is not safe for concurrent use.
//
// Member slices handed out by its methods point into the set and are valid
// only until the set is next changed.
type ZSet struct {
	lp  []byte // small encoding (nil when empty); unused when big != nil
	big *zbig
}

// smallHdr is the small encoding's header: the number of members as a
// little-endian uint16, or smallManyMembers for that many or more, which
// must then be counted (as in a listpack's header). Keeping the count there
// rather than in a field makes a ZSet 32 bytes rather than 48.
const (
	smallHdr         = 2
	smallManyMembers = 1<<16 - 1
)

func (z *ZSet) smallLen() int {
	if len(z.lp) < smallHdr {
		return 0
	}
	if n := int(binary.LittleEndian.Uint16(z.lp)); n != smallManyMembers {
		return n
	}
	n := 0
	for o := smallHdr; o < len(z.lp); n++ {
		_, _, o = smallEntry(z.lp, o)
	}
	return n
}

func (z *ZSet) setSmallLen(n int) {
	binary.LittleEndian.PutUint16(z.lp, uint16(min(n, smallManyMembers)))
}

// zbig is the big encoding.
type zbig struct {
	byScore  rankTree
	byMember *btree.BTreeG[zkey]
	seed     maphash.Seed
	// probe is the member being looked up in byMember: the search key is a
	// zkey whose p is nil, which lessKey reads as probe.
	probe []byte
	data  int // bytes of the members' allocations (mem.go)
}

// zitem is an entry of byScore. The score is kept in the item too so that
// comparisons only follow the pointer on a tie.
type zitem struct {
	score float64
	p     *byte
}

// zkey is an entry of byMember.
type zkey struct {
	hash uint32
	p    *byte
}

// refSize is the allocation newRef makes for a member of n bytes.
func refSize(n int) int { return AllocSize(8 + lenPrefixedSize(n)) }

// newRef allocates a member: [score: 8 bytes][length: uvarint][bytes].
func newRef(member []byte, score float64) *byte {
	buf := make([]byte, 8+lenPrefixedSize(len(member)))
	binary.LittleEndian.PutUint64(buf, math.Float64bits(score))
	putLenPrefixed(buf[8:], member)
	return &buf[0]
}

func refScore(p *byte) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(unsafe.Slice(p, 8)))
}

func setRefScore(p *byte, score float64) {
	binary.LittleEndian.PutUint64(unsafe.Slice(p, 8), math.Float64bits(score))
}

// refMember returns the bytes of a member allocation.
func refMember(p *byte) []byte { return lenPrefixedAt(unsafe.Add(unsafe.Pointer(p), 8)) }

func lessItem(a, b zitem) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	if a.p == b.p {
		return false
	}
	return bytes.Compare(refMember(a.p), refMember(b.p)) < 0
}

func (b *zbig) keyBytes(k zkey) []byte {
	if k.p == nil {
		return b.probe
	}
	return refMember(k.p)
}

func (b *zbig) lessKey(x, y zkey) bool {
	if x.hash != y.hash {
		return x.hash < y.hash
	}
	if x.p == y.p && x.p != nil {
		return false
	}
	return bytes.Compare(b.keyBytes(x), b.keyBytes(y)) < 0
}

func newBig() *zbig {
	b := &zbig{seed: maphash.MakeSeed()}
	b.byMember = btree.NewBTreeGOptions(b.lessKey, btree.Options{NoLocks: true})
	return b
}

func (b *zbig) hash(member []byte) uint32 {
	h := maphash.Bytes(b.seed, member)
	return uint32(h ^ h>>32)
}

// find looks member up in byMember.
func (b *zbig) find(member []byte, h uint32) (*byte, bool) {
	b.probe = member
	k, ok := b.byMember.Get(zkey{hash: h})
	b.probe = nil
	return k.p, ok
}

// insert adds a member known to be absent.
func (b *zbig) insert(member []byte, h uint32, score float64) {
	p := newRef(member, score)
	b.data += refSize(len(member))
	b.byMember.Set(zkey{hash: h, p: p})
	b.byScore.insert(zitem{score: score, p: p})
}

// remove deletes a stored member.
func (b *zbig) remove(p *byte) {
	b.data -= refSize(len(refMember(p)))
	b.byScore.delete(zitem{score: refScore(p), p: p})
	b.byMember.Delete(zkey{hash: b.hash(refMember(p)), p: p})
}

// ---- small encoding ----

// smallEntry decodes the entry at off and returns the offset of the next.
func smallEntry(lp []byte, off int) (member []byte, score float64, next int) {
	h, k := binary.Uvarint(lp[off:])
	start := off + k
	end := start + int(h>>1)
	member = lp[start:end:end]
	if h&1 != 0 {
		return member, math.Float64frombits(binary.LittleEndian.Uint64(lp[end:])), end + 8
	}
	u, k := binary.Uvarint(lp[end:])
	return member, float64(int64(u>>1) ^ -int64(u&1)), end + k
}

// smallIntScore reports whether score is stored as an integer: a whole
// number well inside the int64 range. -0 is stored as the integer 0, as
// Redis's listpack stores it.
func smallIntScore(score float64) (int64, bool) {
	if score != math.Trunc(score) || math.Abs(score) >= 1<<62 {
		return 0, false
	}
	return int64(score), true
}

// appendSmallEntry appends the encoding of one entry.
func appendSmallEntry(dst, member []byte, score float64) []byte {
	i, isInt := smallIntScore(score)
	h := uint64(len(member)) << 1
	if !isInt {
		h |= 1
	}
	dst = binary.AppendUvarint(dst, h)
	dst = append(dst, member...)
	if !isInt {
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(score))
	}
	return binary.AppendUvarint(dst, zigzag(i))
}

// smallEntrySize returns the size of an entry's encoding.
func smallEntrySize(member []byte, score float64) int {
	n := uvarintLen(uint64(len(member))<<1) + len(member)
	if i, ok := smallIntScore(score); ok {
		return n + uvarintLen(zigzag(i))
	}
	return n + 8
}

// zigzag maps an integer score to an unsigned one small when its absolute
// value is, for its uvarint (Protocol Buffers' zigzag encoding).
func zigzag(i int64) uint64 { return uint64(i<<1) ^ uint64(i>>63) }

// smallFind returns the offset, rank and score of member, or ok == false.
func (z *ZSet) smallFind(member []byte) (off, rank int, score float64, ok bool) {
	for i, o := 0, smallHdr; o < len(z.lp); i++ {
		m, s, next := smallEntry(z.lp, o)
		if bytes.Equal(m, member) {
			return o, i, s, true
		}
		o = next
	}
	return 0, 0, 0, false
}

// smallOffset returns the byte offset of the entry of the given rank
// (len(lp) for rank == n).
func (z *ZSet) smallOffset(rank int) int {
	o := smallHdr
	for i := 0; i < rank; i++ {
		_, _, o = smallEntry(z.lp, o)
	}
	return o
}

// smallInsert inserts a member known to be absent at its place in the order.
func (z *ZSet) smallInsert(member []byte, score float64) {
	o := smallHdr
	for o < len(z.lp) {
		m, s, next := smallEntry(z.lp, o)
		if s > score || s == score && bytes.Compare(m, member) > 0 {
			break
		}
		o = next
	}
	size := smallEntrySize(member, score)
	old := max(len(z.lp), smallHdr)
	if need := old + size; need > cap(z.lp) {
		// Grow to the allocation size class of what is needed rather than
		// append's doubling: small sets are many, and Redis reallocates a
		// listpack to size on every insert too. (append from an empty
		// slice rounds the capacity up to the size class.)
		lp := append(z.lp[:0:0], make([]byte, need)...)[:old]
		copy(lp, z.lp)
		z.lp = lp
	}
	z.lp = z.lp[:old+size]
	copy(z.lp[o+size:], z.lp[o:old])
	appendSmallEntry(z.lp[o:o], member, score)
	z.setSmallLen(z.smallLen() + 1)
}

// smallDelete removes the entries in the byte range [from, to) holding count members.
func (z *ZSet) smallDelete(from, to, count int) {
	n := z.smallLen() - count
	if n == 0 {
		z.lp = nil
		return
	}
	z.lp = append(z.lp[:from], z.lp[to:]...)
	z.setSmallLen(n)
	if cap(z.lp) > 64 && cap(z.lp) > len(z.lp)+len(z.lp)/2 {
		z.lp = slices.Clip(slices.Clone(z.lp))
	}
}

// toBig converts the set to the big encoding.
func (z *ZSet) toBig() {
	b := newBig()
	keys := make([]zkey, 0, z.smallLen())
	for o := smallHdr; o < len(z.lp); {
		m, s, next := smallEntry(z.lp, o)
		p := newRef(m, s)
		b.data += refSize(len(m))
		b.byScore.insert(zitem{score: s, p: p})
		keys = append(keys, zkey{hash: b.hash(m), p: p})
		o = next
	}
	slices.SortFunc(keys, b.cmpKey)
	for _, k := range keys {
		b.byMember.Load(k)
	}
	z.lp, z.big = nil, b
}

func (b *zbig) cmpKey(x, y zkey) int {
	if b.lessKey(x, y) {
		return -1
	}
	if b.lessKey(y, x) {
		return 1
	}
	return 0
}

// ---- construction ----

// NewZSet returns an empty sorted set in the small encoding.
func NewZSet() *ZSet { return &ZSet{} }

// NewZSetFor returns an empty sorted set in the encoding Redis picks for a
// set about to receive n members, the longest maxLen bytes long (its
// zsetTypeCreate): big if either exceeds lim. The choice shows beyond
// OBJECT ENCODING: like a listpack, the small encoding stores -0 as 0.
func NewZSetFor(n, maxLen int, lim ZLimits) *ZSet {
	if int64(n) > lim.MaxEntries || int64(maxLen) > lim.MaxValue {
		return &ZSet{big: newBig()}
	}
	return &ZSet{}
}

// ZSet returns the sorted set a zset value holds (nil for other types).
func (x Entry) ZSet() *ZSet {
	if x.Type() != TypeZSet {
		return nil
	}
	return (*ZSet)(x.object())
}

// SetZSet stores z under key, replacing any value and any deadline (like
// Redis's setKey). z must not be empty and must not be stored elsewhere.
func (db *DB) SetZSet(key []byte, z *ZSet, now int64) {
	db.setObject(key, TypeZSet, unsafe.Pointer(z), -1, now)
}

// Len returns the number of members.
func (z *ZSet) Len() int {
	if z.big != nil {
		return z.big.byScore.len()
	}
	return z.smallLen()
}

// Encoding returns the name OBJECT ENCODING gives the set's representation.
func (z *ZSet) Encoding() string {
	if z.big != nil {
		return "skiplist"
	}
	return "listpack"
}

// ToSkiplist converts a listpack-encoded set to the skiplist encoding, as
// Redis's SORT does to every sorted set it sorts; a set already in it is
// left alone.
func (z *ZSet) ToSkiplist() {
	if z.big == nil {
		z.toBig()
	}
}

// Clone returns a deep copy in the same encoding.
func (z *ZSet) Clone() *ZSet {
	if z.big == nil {
		return &ZSet{lp: slices.Clone(z.lp)}
	}
	b := newBig()
	keys := make([]zkey, 0, z.Len())
	z.big.byScore.ascend(0, func(it zitem) bool {
		m := refMember(it.p)
		p := newRef(m, it.score)
		b.data += refSize(len(m))
		b.byScore.insert(zitem{score: it.score, p: p})
		keys = append(keys, zkey{hash: b.hash(m), p: p})
		return true
	})
	slices.SortFunc(keys, b.cmpKey)
	for _, k := range keys {
		b.byMember.Load(k)
	}
	return &ZSet{big: b}
}

// ---- lookups ----

// Score returns member's score.
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.big != nil {
		p, ok := z.big.find(member, z.big.hash(member))
		if !ok {
			return 0, false
		}
		return refScore(p), true
	}
	_, _, s, ok := z.smallFind(member)
	return s, ok
}

// Rank returns member's 0-based rank in ascending order, and its score.
func (z *ZSet) Rank(member []byte) (rank int, score float64, ok bool) {
	if z.big != nil {
		p, found := z.big.find(member, z.big.hash(member))
		if !found {
			return 0, 0, false
		}
		it := zitem{score: refScore(p), p: p}
		return z.big.byScore.rank(it), it.score, true
	}
	_, rank, score, ok = z.smallFind(member)
	return rank, score, ok
}

// At returns the member of the given rank (0 <= rank < Len()).
func (z *ZSet) At(rank int) (member []byte, score float64) {
	if z.big != nil {
		it := z.big.byScore.at(rank)
		return refMember(it.p), it.score
	}
	member, score, _ = smallEntry(z.lp, z.smallOffset(rank))
	return member, score
}

// Sample calls fn with count distinct random members and their scores, in
// random order, 0 < count < Len(). fn must not change the set.
func (z *ZSet) Sample(count int, fn func(member []byte, score float64)) {
	sampleIndexes(z.Len(), count, func(rank int) { fn(z.At(rank)) })
}

// Ascend calls fn for each member from rank from upwards, until fn
// returns false. fn must not change the set.
func (z *ZSet) Ascend(from int, fn func(member []byte, score float64) bool) {
	if from < 0 || from >= z.Len() {
		return
	}
	if z.big != nil {
		z.big.byScore.ascend(from, func(it zitem) bool { return fn(refMember(it.p), it.score) })
		return
	}
	for o := z.smallOffset(from); o < len(z.lp); {
		m, s, next := smallEntry(z.lp, o)
		if !fn(m, s) {
			return
		}
		o = next
	}
}

// Descend calls fn for each member from rank from downwards, until fn
// returns false. fn must not change the set.
func (z *ZSet) Descend(from int, fn func(member []byte, score float64) bool) {
	if from < 0 || from >= z.Len() {
		return
	}
	if z.big != nil {
		z.big.byScore.descend(from, func(it zitem) bool { return fn(refMember(it.p), it.score) })
		return
	}
	var stack [128]int32
	offs := stack[:0]
	for i, o := 0, smallHdr; i <= from; i++ {
		offs = append(offs, int32(o))
		_, _, o = smallEntry(z.lp, o)
	}
	for i := len(offs) - 1; i >= 0; i-- {
		m, s, _ := smallEntry(z.lp, int(offs[i]))
		if !fn(m, s) {
			return
		}
	}
}

// ---- ranges ----

// ScoreRange is a range of scores, as ZRANGEBYSCORE takes it: Min and Max,
// each inclusive unless its Ex flag is set.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r *ScoreRange) gteMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

func (r *ScoreRange) lteMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

// ScoreRanks returns the ranks [first, end) of the members whose score is
// in r (first == end when none is).
func (z *ZSet) ScoreRanks(r ScoreRange) (first, end int) {
	if z.big != nil {
		first = z.big.byScore.countPrefix(func(x zitem) bool { return !r.gteMin(x.score) })
		end = z.big.byScore.countPrefix(func(x zitem) bool { return r.lteMax(x.score) })
		return first, max(first, end)
	}
	i, o := 0, smallHdr
	for ; o < len(z.lp); i++ {
		_, s, next := smallEntry(z.lp, o)
		if r.gteMin(s) {
			break
		}
		o = next
	}
	first, end = i, i
	for ; o < len(z.lp); end++ {
		_, s, next := smallEntry(z.lp, o)
		if !r.lteMax(s) {
			break
		}
		o = next
	}
	return first, end
}

// LexBound is one end of a lexicographic range: "-" (Inf < 0), "+" (Inf >
// 0) or Value, inclusive ("[") unless Excl ("(").
type LexBound struct {
	Value []byte
	Inf   int
	Excl  bool
}

// LexRange is a range of members, as ZRANGEBYLEX takes it.
type LexRange struct {
	Min, Max LexBound
}

// lexCmp compares a member with a bound's string ("-" is below every
// member, "+" above).
func lexCmp(v []byte, b *LexBound) int {
	switch {
	case b.Inf < 0:
		return 1
	case b.Inf > 0:
		return -1
	}
	return bytes.Compare(v, b.Value)
}

// boundCmp compares two bounds' strings, like Redis's sdscmplex.
func boundCmp(a, b *LexBound) int {
	switch {
	case a.Inf != 0 && a.Inf == b.Inf:
		return 0
	case a.Inf < 0 || b.Inf > 0:
		return -1
	case a.Inf > 0 || b.Inf < 0:
		return 1
	}
	return bytes.Compare(a.Value, b.Value)
}

func (r *LexRange) gteMin(v []byte) bool {
	c := lexCmp(v, &r.Min)
	if r.Min.Excl {
		return c > 0
	}
	return c >= 0
}

func (r *LexRange) lteMax(v []byte) bool {
	c := lexCmp(v, &r.Max)
	if r.Max.Excl {
		return c < 0
	}
	return c <= 0
}

// lexInRange is Redis's quick rejection (zslIsInLexRange): an empty range, or
// one entirely above the last member or below the first.
func (z *ZSet) lexInRange(r *LexRange) bool {
	c := boundCmp(&r.Min, &r.Max)
	if c > 0 || c == 0 && (r.Min.Excl || r.Max.Excl) {
		return false
	}
	n := z.Len()
	if n == 0 {
		return false
	}
	last, _ := z.At(n - 1)
	if !r.gteMin(last) {
		return false
	}
	first, _ := z.At(0)
	return r.lteMax(first)
}

// LexRanksForward returns the ranks [first, end) that a forward walk over
// the lexicographic range r visits, as Redis walks it: from the first
// member not below Min while members are not above Max. Lexicographic
// ranges are meant for sets whose members all have the same score; for
// others the small encoding gives exactly Redis's listpack answer, the big
// one the answer of a binary search.
func (z *ZSet) LexRanksForward(r LexRange) (first, end int) {
	if !z.lexInRange(&r) {
		return 0, 0
	}
	n := z.Len()
	if z.big != nil {
		first = z.big.byScore.countPrefix(func(x zitem) bool { return !r.gteMin(refMember(x.p)) })
		if first == n {
			return 0, 0
		}
		if m, _ := z.At(first); !r.lteMax(m) {
			return 0, 0
		}
		end = z.big.byScore.countPrefix(func(x zitem) bool { return r.lteMax(refMember(x.p)) })
		return first, max(end, first+1)
	}
	i, o := 0, smallHdr
	for ; o < len(z.lp); i++ {
		m, _, next := smallEntry(z.lp, o)
		if r.gteMin(m) {
			break
		}
		o = next
	}
	first, end = i, i
	for ; o < len(z.lp); end++ {
		m, _, next := smallEntry(z.lp, o)
		if !r.lteMax(m) {
			break
		}
		o = next
	}
	if end == first {
		return 0, 0
	}
	return first, end
}

// LexRanksReverse returns the ranks [first, end) that a backward walk over
// the lexicographic range r visits: from the last member not above Max
// (rank end-1) down while members are not below Min.
func (z *ZSet) LexRanksReverse(r LexRange) (first, end int) {
	if !z.lexInRange(&r) {
		return 0, 0
	}
	if z.big != nil {
		last := z.big.byScore.countPrefix(func(x zitem) bool { return r.lteMax(refMember(x.p)) }) - 1
		if last < 0 {
			return 0, 0
		}
		if m, _ := z.At(last); !r.gteMin(m) {
			return 0, 0
		}
		first = z.big.byScore.countPrefix(func(x zitem) bool { return !r.gteMin(refMember(x.p)) })
		return min(first, last), last + 1
	}
	last := -1
	n := z.Len()
	z.Descend(n-1, func(m []byte, _ float64) bool {
		if r.lteMax(m) {
			return false
		}
		last--
		return true
	})
	last += n
	if last < 0 {
		return 0, 0
	}
	first = last + 1
	z.Descend(last, func(m []byte, _ float64) bool {
		if !r.gteMin(m) {
			return false
		}
		first--
		return true
	})
	if first > last {
		return 0, 0
	}
	return first, last + 1
}

// LexRunForward returns how many members from rank from upwards are not
// above r's Max, stopping at the first that is: what a forward walk of
// ZRANGEBYLEX emits once it has skipped its LIMIT offset (which it does
// without looking at the members it skips).
func (z *ZSet) LexRunForward(r LexRange, from int) int {
	if from < 0 || from >= z.Len() {
		return 0
	}
	if z.big != nil {
		end := z.big.byScore.countPrefix(func(x zitem) bool { return r.lteMax(refMember(x.p)) })
		return max(end-from, 0)
	}
	n := 0
	z.Ascend(from, func(m []byte, _ float64) bool {
		if !r.lteMax(m) {
			return false
		}
		n++
		return true
	})
	return n
}

// LexRunReverse is LexRunForward for a backward walk: how many members
// from rank from downwards are not below r's Min.
func (z *ZSet) LexRunReverse(r LexRange, from int) int {
	if from < 0 || from >= z.Len() {
		return 0
	}
	if z.big != nil {
		first := z.big.byScore.countPrefix(func(x zitem) bool { return !r.gteMin(refMember(x.p)) })
		return max(from+1-first, 0)
	}
	n := 0
	z.Descend(from, func(m []byte, _ float64) bool {
		if !r.gteMin(m) {
			return false
		}
		n++
		return true
	})
	return n
}

// ---- changes ----

// ZAddFlags are ZADD's options.
type ZAddFlags uint8

// ZADD options.
const (
	ZAddIncr ZAddFlags = 1 << iota // add the score to the current one (0 if absent)
	ZAddNX                         // only add new members
	ZAddXX                         // only update existing members
	ZAddGT                         // only update if the new score is greater
	ZAddLT                         // only update if the new score is less
)

// ZAddResult says what Add did.
type ZAddResult uint8

// Add outcomes.
const (
	ZAddNaN     ZAddResult = 1 << iota // the score (or the sum) is NaN: nothing done
	ZAddAdded                          // the member was added
	ZAddUpdated                        // the member's score changed
	ZAddNop                            // nothing done because of NX, XX, GT or LT
)

// Add adds member with score, or updates its score, under ZADD's options
// (like Redis's zsetAdd). newScore is the member's score afterwards when
// the result is Added or Updated, or when the member existed and its score
// stayed the same. A small set turns big if the member does not fit lim.
func (z *ZSet) Add(member []byte, score float64, flags ZAddFlags, lim ZLimits) (res ZAddResult, newScore float64) {
	if math.IsNaN(score) {
		return ZAddNaN, 0
	}
	var h uint32
	var p *byte
	var cur float64
	var off int
	found := false
	if z.big != nil {
		h = z.big.hash(member)
		if p, found = z.big.find(member, h); found {
			cur = refScore(p)
		}
	} else {
		off, _, cur, found = z.smallFind(member)
	}
	if found {
		if flags&ZAddNX != 0 {
			return ZAddNop, 0
		}
		if flags&ZAddIncr != 0 {
			score += cur
			if math.IsNaN(score) {
				return ZAddNaN, 0
			}
		}
		if flags&ZAddLT != 0 && score >= cur || flags&ZAddGT != 0 && score <= cur {
			return ZAddNop, 0
		}
		if score == cur {
			return 0, score
		}
		if z.big != nil {
			z.big.byScore.delete(zitem{score: cur, p: p})
			setRefScore(p, score)
			z.big.byScore.insert(zitem{score: score, p: p})
		} else {
			_, _, next := smallEntry(z.lp, off)
			z.smallDelete(off, next, 1)
			z.smallInsert(member, score)
		}
		return ZAddUpdated, score
	}
	if flags&ZAddXX != 0 {
		return ZAddNop, 0
	}
	if z.big == nil {
		if int64(z.smallLen())+1 > lim.MaxEntries || int64(len(member)) > lim.MaxValue || len(z.lp)+smallEntrySize(member, score) > maxSmallBytes {
			z.toBig()
			h = z.big.hash(member)
		} else {
			z.smallInsert(member, score)
			return ZAddAdded, score
		}
	}
	z.big.insert(member, h, score)
	return ZAddAdded, score
}

// Remove deletes member and reports whether it was there.
func (z *ZSet) Remove(member []byte) bool {
	if z.big != nil {
		p, ok := z.big.find(member, z.big.hash(member))
		if ok {
			z.big.remove(p)
		}
		return ok
	}
	off, _, _, ok := z.smallFind(member)
	if ok {
		_, _, next := smallEntry(z.lp, off)
		z.smallDelete(off, next, 1)
	}
	return ok
}

// RemoveRanks deletes the members of ranks [first, end) and returns how
// many it deleted.
func (z *ZSet) RemoveRanks(first, end int) int {
	first = max(first, 0)
	end = min(end, z.Len())
	if first >= end {
		return 0
	}
	if z.big != nil {
		if first == 0 && end == z.Len() {
			// Everything goes: drop the trees rather than unlink each member.
			z.big = newBig()
			return end
		}
		for i := first; i < end; i++ {
			it := z.big.byScore.deleteAt(first)
			z.big.data -= refSize(len(refMember(it.p)))
			z.big.byMember.Delete(zkey{hash: z.big.hash(refMember(it.p)), p: it.p})
		}
		return end - first
	}
	from := z.smallOffset(first)
	to := from
	for i := first; i < end; i++ {
		_, _, to = smallEntry(z.lp, to)
	}
	z.smallDelete(from, to, end-first)
	return end - first
}

// ---- scan ----

// Scan visits about count members starting at cursor and returns the
// cursor to continue from (0 when the iteration is complete). A small set
// is visited whole in one call, in order, whatever the cursor, as Redis
// visits a listpack. A big set is visited in hash order and a cursor is the
// hash of the next member to visit: members present for a whole iteration
// are visited at least once, whatever changes between calls. fn must not
// change the set.
func (z *ZSet) Scan(cursor uint64, count int, fn func(member []byte, score float64)) uint64 {
	if z.big == nil {
		for o := smallHdr; o < len(z.lp); {
			m, s, next := smallEntry(z.lp, o)
			fn(m, s)
			o = next
		}
		return 0
	}
	if cursor > math.MaxUint32 {
		return 0
	}
	count = max(count, 1)
	b := z.big
	visited := 0
	var last uint32
	next := uint64(0)
	b.probe = nil
	b.byMember.Ascend(zkey{hash: uint32(cursor)}, func(k zkey) bool {
		// Stop only between two hashes, so that the next call, which
		// resumes at a hash, misses none of the members sharing one.
		if visited >= count && k.hash != last {
			next = uint64(k.hash)
			return false
		}
		visited++
		last = k.hash
		fn(refMember(k.p), refScore(k.p))
		return true
	})
	return next
}
