package store

import (
	"hash/maphash"
	"math/rand/v2"
	"unsafe"

	"github.com/tidwall/btree"
)

// A hash value has two encodings, as in Redis 7.0:
//
//   - listpack: while it is small, every field and value in one byte slice,
//     each pair laid out as [uvarint len][field][uvarint len][value], in
//     insertion order (an updated field keeps its place). Lookups scan it,
//     which is quick for the few hundred fields it may hold, and HGETALL,
//     HKEYS, HVALS and HSCAN return the fields in the order Redis does.
//   - hashtable: once a field or value is longer than hash-max-listpack-value
//     bytes or the hash has more than hash-max-listpack-entries fields, a
//     B-tree of fields ordered by (hash32(field), field). Each field and its
//     value share one allocation, and the tree holds a 16-byte reference to
//     it. The order makes an HSCAN cursor the hash of the next field to
//     visit, so a field present for a whole iteration is returned whatever
//     changes between calls (Redis's guarantee), and the tree's counts give
//     HRANDFIELD O(log n) access by position.
//
// A hash converts to the hashtable encoding once and for ever, like Redis's.

// HashLimits are the thresholds past which a hash leaves the listpack encoding.
type HashLimits struct {
	// MaxListpackEntries is the most fields a listpack hash holds
	// (hash-max-listpack-entries).
	MaxListpackEntries int64
	// MaxListpackValue is the longest field or value a listpack hash holds
	// (hash-max-listpack-value).
	MaxListpackValue int64
}

// hashListpackMaxBytes is the size past which a listpack converts whatever
// the limits say (Redis's LISTPACK_MAX_SAFETY_SIZE).
const hashListpackMaxBytes = 1 << 30

// Hash is a hash value. Field and value slices it hands out point into it
// and stay valid only until it is next changed. A Hash is not safe for
// concurrent use.
//
// A listpack hash costs its bytes plus this 32-byte header: the listpack is
// kept as a pointer and two 32-bit sizes (a listpack stays under 1 GiB)
// rather than a slice, and the hashtable's state hangs off one pointer.
type Hash struct {
	lp           *byte  // listpack encoding: lpLen bytes used of lpCap
	lpLen, lpCap uint32 //
	n            uint32 // fields in the listpack

	t *hashTable // hashtable encoding, nil while a listpack
}

// hashTable is the hashtable encoding.
type hashTable struct {
	tree *btree.BTreeG[hashField]
	seed maphash.Seed
	data int // bytes of the fields' allocations (mem.go)
}

// add stores f, replacing the field of the same name if there is one.
func (t *hashTable) add(f hashField) {
	if old, ok := t.tree.Set(f); ok {
		t.data -= old.allocBytes()
	}
	t.data += f.allocBytes()
}

// list returns the listpack bytes.
func (h *Hash) list() []byte {
	if h.lp == nil {
		return nil
	}
	return unsafe.Slice(h.lp, h.lpCap)[:h.lpLen]
}

// setList makes b the listpack.
func (h *Hash) setList(b []byte) {
	if cap(b) == 0 {
		h.lp, h.lpLen, h.lpCap = nil, 0, 0
		return
	}
	h.lp, h.lpLen, h.lpCap = unsafe.SliceData(b[:cap(b)]), uint32(len(b)), uint32(cap(b))
}

// hashField is one field of a hashtable-encoded hash: p points at an
// allocation laid out as [field][uvarint len][value].
type hashField struct {
	p    *byte
	hash uint32
	flen uint32
}

func hashFieldLess(a, b hashField) bool {
	if a.hash != b.hash {
		return a.hash < b.hash
	}
	return unsafe.String(a.p, a.flen) < unsafe.String(b.p, b.flen)
}

func (f hashField) field() []byte { return unsafe.Slice(f.p, f.flen) }

func (f hashField) value() []byte { return lenPrefixedAt(unsafe.Add(unsafe.Pointer(f.p), f.flen)) }

// NewHash returns an empty listpack-encoded hash.
func NewHash() *Hash { return &Hash{} }

// Hash returns the value of a hash key, or nil if the key holds another type.
func (x Entry) Hash() *Hash {
	if x.Type() != TypeHash {
		return nil
	}
	return (*Hash)(x.object())
}

// AddHash stores h under key, which must not exist, with no deadline. The
// caller must give h a field before the command ends: kvd, like Redis,
// never keeps an empty hash.
func (db *DB) AddHash(key []byte, h *Hash, now int64) {
	db.setObject(key, TypeHash, unsafe.Pointer(h), -1, now)
}

// Len returns the number of fields.
func (h *Hash) Len() int {
	if h.t != nil {
		return h.t.tree.Len()
	}
	return int(h.n)
}

// Encoding returns the name OBJECT ENCODING gives the hash's encoding.
func (h *Hash) Encoding() string {
	if h.t != nil {
		return "hashtable"
	}
	return "listpack"
}

// ---- listpack helpers ----

// hashLPFind returns the offsets of field's pair and of its value, or
// found == false.
func (h *Hash) hashLPFind(field []byte) (pairOff, valOff int, found bool) {
	lp := h.list()
	for off := 0; off < len(lp); {
		// Fast path: both lengths under 128, one byte each (always so with
		// Redis's default limits).
		if flen := int(lp[off]); flen < 0x80 {
			voff := off + 1 + flen
			if vlen := int(lp[voff]); vlen < 0x80 {
				// Check the length and the last byte (where similar names
				// tend to differ) before comparing the whole field.
				if flen == len(field) && (flen == 0 || lp[voff-1] == field[flen-1]) && string(lp[off+1:voff]) == string(field) {
					return off, voff, true
				}
				off = voff + 1 + vlen
				continue
			}
		}
		f, voff := readLenPrefixed(lp, off)
		_, next := readLenPrefixed(lp, voff)
		if string(f) == string(field) {
			return off, voff, true
		}
		off = next
	}
	return 0, 0, false
}

// hashLPSplice replaces lp[start:end] by the strings in parts, each with its
// length prefix, growing the listpack if needed.
func (h *Hash) hashLPSplice(start, end int, parts ...[]byte) {
	add := 0
	for _, p := range parts {
		add += lenPrefixedSize(len(p))
	}
	lp := h.list()
	tail := len(lp) - end
	newLen := start + add + tail
	if newLen <= cap(lp) {
		lp = lp[:max(newLen, len(lp))]
		copy(lp[start+add:], lp[end:end+tail])
		lp = lp[:newLen]
	} else {
		// Leave a quarter's room for growth. Appending to an empty slice
		// rounds the capacity up to the allocator's size class, which would
		// otherwise be wasted.
		want := newLen + newLen/4
		nlp := append([]byte(nil), make([]byte, want)...)[:newLen]
		copy(nlp, lp[:start])
		copy(nlp[start+add:], lp[end:])
		lp = nlp
	}
	off := start
	for _, p := range parts {
		off += putLenPrefixed(lp[off:], p)
	}
	h.setList(lp)
}

// Reserve makes room for about n more bytes of fields and values, so that
// a command adding many fields grows a listpack hash once.
func (h *Hash) Reserve(n int) {
	lp := h.list()
	if h.t != nil || cap(lp)-len(lp) >= n {
		return
	}
	nlp := append([]byte(nil), make([]byte, len(lp)+n)...)[:len(lp)]
	copy(nlp, lp)
	h.setList(nlp)
}

// ReserveSize returns the bytes Reserve needs for one field and value.
func ReserveSize(field, value []byte) int {
	return lenPrefixedSize(len(field)) + lenPrefixedSize(len(value))
}

// convert moves a listpack hash to the hashtable encoding.
func (h *Hash) convert() {
	t := &hashTable{seed: maphash.MakeSeed(), tree: btree.NewBTreeGOptions(hashFieldLess, btree.Options{NoLocks: true})}
	lp := h.list()
	for off := 0; off < len(lp); {
		f, voff := readLenPrefixed(lp, off)
		v, next := readLenPrefixed(lp, voff)
		t.add(newHashField(f, v, t.hashOf(f)))
		off = next
	}
	h.t = t
	h.setList(nil)
	h.n = 0
}

// ---- hashtable helpers ----

// hashOf returns field's 32-bit hash. (A scan's next cursor is always
// greater than the hash of a field it visited, so it is never 0 before the
// end.)
func (t *hashTable) hashOf(field []byte) uint32 {
	x := maphash.Bytes(t.seed, field)
	return uint32(x ^ x>>32)
}

// probe builds a search key that aliases field.
func (t *hashTable) probe(field []byte) hashField {
	return hashField{p: unsafe.SliceData(field), hash: t.hashOf(field), flen: uint32(len(field))}
}

// newHashField copies a field and its value into one allocation.
func newHashField(field, value []byte, hash uint32) hashField {
	buf := make([]byte, len(field)+lenPrefixedSize(len(value)))
	n := copy(buf, field)
	putLenPrefixed(buf[n:], value)
	return hashField{p: &buf[0], hash: hash, flen: uint32(len(field))}
}

// ---- operations ----

// Get returns field's value.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.t != nil {
		f, ok := h.t.tree.Get(h.t.probe(field))
		if !ok {
			return nil, false
		}
		return f.value(), true
	}
	_, voff, ok := h.hashLPFind(field)
	if !ok {
		return nil, false
	}
	v, _ := readLenPrefixed(h.list(), voff)
	return v, true
}

// Exists reports whether field is in the hash.
func (h *Hash) Exists(field []byte) bool {
	_, ok := h.Get(field)
	return ok
}

// Set sets field to value, copying both, and reports whether the field is
// new. Like Redis's hashTypeSet it first converts a listpack hash if the
// field or value is too long for one, and afterwards if it has too many fields.
func (h *Hash) Set(field, value []byte, lim HashLimits) (added bool) {
	if h.t == nil && (int64(len(field)) > lim.MaxListpackValue || int64(len(value)) > lim.MaxListpackValue ||
		int(h.lpLen)+len(field)+len(value) > hashListpackMaxBytes) {
		h.convert()
	}
	if h.t != nil {
		probe := h.t.probe(field)
		if old, ok := h.t.tree.Get(probe); ok {
			if ov := old.value(); len(ov) == len(value) {
				copy(ov, value)
			} else {
				h.t.add(newHashField(field, value, probe.hash))
			}
			return false
		}
		h.t.add(newHashField(field, value, probe.hash))
		return true
	}
	if _, voff, ok := h.hashLPFind(field); ok {
		old, end := readLenPrefixed(h.list(), voff)
		if len(old) == len(value) {
			copy(old, value)
		} else {
			h.hashLPSplice(voff, end, value)
		}
		return false
	}
	h.hashLPSplice(int(h.lpLen), int(h.lpLen), field, value)
	h.n++
	if int64(h.n) > lim.MaxListpackEntries {
		h.convert()
	}
	return true
}

// Delete removes field and reports whether it was there.
func (h *Hash) Delete(field []byte) bool {
	if h.t != nil {
		old, ok := h.t.tree.Delete(h.t.probe(field))
		if ok {
			h.t.data -= old.allocBytes()
		}
		return ok
	}
	off, voff, ok := h.hashLPFind(field)
	if !ok {
		return false
	}
	_, end := readLenPrefixed(h.list(), voff)
	h.hashLPSplice(off, end)
	h.n--
	if h.lpCap > 2*h.lpLen+64 {
		// Give back what many deletions freed, as a listpack's realloc does.
		h.setList(append([]byte(nil), h.list()...))
	}
	return true
}

// Range calls fn for every field and value, in the encoding's order
// (insertion order for a listpack), until fn returns false. fn must not
// change the hash.
func (h *Hash) Range(fn func(field, value []byte) bool) {
	if h.t != nil {
		h.t.tree.Scan(func(f hashField) bool { return fn(f.field(), f.value()) })
		return
	}
	lp := h.list()
	for off := 0; off < len(lp); {
		f, voff := readLenPrefixed(lp, off)
		v, next := readLenPrefixed(lp, voff)
		if !fn(f, v) {
			return
		}
		off = next
	}
}

// Scan visits about count fields starting at cursor, calls fn for each, and
// returns the cursor to continue from (0 when the iteration is complete). A
// listpack hash is visited whole whatever the cursor and count, as Redis
// does. For a hashtable a cursor is the hash of the next field to visit, so
// fields present for a whole iteration are visited at least once whatever
// changes between calls. fn must not change the hash.
func (h *Hash) Scan(cursor uint64, count int, fn func(field, value []byte)) uint64 {
	if h.t == nil {
		h.Range(func(f, v []byte) bool { fn(f, v); return true })
		return 0
	}
	if cursor > 0xffffffff {
		return 0
	}
	count = max(count, 1)
	visited := 0
	var lastHash uint32
	next := uint64(0)
	h.t.tree.Ascend(hashField{hash: uint32(cursor)}, func(f hashField) bool {
		// Stop only between two hashes: the next call resumes at a hash,
		// so every field with the last hash visited is visited now.
		if visited >= count && f.hash != lastHash {
			next = uint64(f.hash)
			return false
		}
		visited++
		lastHash = f.hash
		fn(f.field(), f.value())
		return true
	})
	return next
}

// lpOffsets returns the offset of every pair of a listpack hash.
func (h *Hash) lpOffsets() []int32 {
	offs := make([]int32, 0, int(h.n))
	lp := h.list()
	for off := 0; off < len(lp); {
		offs = append(offs, int32(off))
		_, voff := readLenPrefixed(lp, off)
		_, off = readLenPrefixed(lp, voff)
	}
	return offs
}

func (h *Hash) lpPairAt(off int32) (field, value []byte) {
	f, voff := readLenPrefixed(h.list(), int(off))
	v, _ := readLenPrefixed(h.list(), voff)
	return f, v
}

// RandomPair returns a random field and its value. The hash must not be empty.
func (h *Hash) RandomPair() (field, value []byte) {
	if h.t != nil {
		f, _ := h.t.tree.GetAt(rand.IntN(h.t.tree.Len()))
		return f.field(), f.value()
	}
	i := rand.IntN(int(h.n))
	lp := h.list()
	off := 0
	for ; i > 0; i-- {
		_, voff := readLenPrefixed(lp, off)
		_, off = readLenPrefixed(lp, voff)
	}
	return h.lpPairAt(int32(off))
}

// RandomPairs calls fn count times with a random field and its value,
// picked independently (so possibly repeated), until fn returns false. The
// hash must not be empty. fn must not change the hash.
func (h *Hash) RandomPairs(count int, fn func(field, value []byte) bool) {
	if h.t != nil {
		n := h.t.tree.Len()
		for ; count > 0; count-- {
			f, _ := h.t.tree.GetAt(rand.IntN(n))
			if !fn(f.field(), f.value()) {
				return
			}
		}
		return
	}
	offs := h.lpOffsets()
	for ; count > 0; count-- {
		if !fn(h.lpPairAt(offs[rand.IntN(len(offs))])) {
			return
		}
	}
}

// RandomDistinctPairs calls fn for count distinct random fields and their
// values, count being less than Len. fn must not change the hash.
func (h *Hash) RandomDistinctPairs(count int, fn func(field, value []byte)) {
	if h.t != nil {
		sampleIndexes(h.t.tree.Len(), count, func(i int) {
			f, _ := h.t.tree.GetAt(i)
			fn(f.field(), f.value())
		})
		return
	}
	offs := h.lpOffsets()
	sampleIndexes(len(offs), count, func(i int) { fn(h.lpPairAt(offs[i])) })
}

// Clone returns a deep copy with the same encoding.
func (h *Hash) Clone() *Hash {
	c := &Hash{n: h.n}
	if h.t == nil {
		c.setList(append([]byte(nil), h.list()...))
		return c
	}
	c.t = &hashTable{seed: h.t.seed, tree: btree.NewBTreeGOptions(hashFieldLess, btree.Options{NoLocks: true})}
	h.t.tree.Scan(func(f hashField) bool {
		c.t.tree.Load(newHashField(f.field(), f.value(), f.hash))
		c.t.data += f.allocBytes()
		return true
	})
	return c
}
