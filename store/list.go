package store

import (
	"bytes"
	"encoding/binary"
	"unsafe"
)

// A list value is a deque of chunks, in the spirit of Redis's quicklist of
// listpacks: each chunk packs a run of elements into one byte slice, so a
// small element costs its bytes plus two length bytes, and pushing or
// popping at either end is O(1) amortised.
//
// Each element in a chunk is laid out as
//
//	[uvarint len][bytes][the same uvarint, its bytes reversed]
//
// so a chunk can be walked forwards (read the length, skip the element) and
// backwards (read the reversed length from the end). A chunk's elements live
// in buf[lo:hi], with free space on both sides: pushing at the head writes
// below lo, pushing at the tail writes from hi.
//
// A chunk holds at most listChunkMax bytes (Redis's default
// list-max-listpack-size -2, 8 KB per node) unless a single element is
// larger, in which case that element has a chunk of its own. The chunks sit
// in a ring buffer, so a chunk is added or dropped at either end in O(1).
// Finding element i walks the chunk counts from the nearer end and then the
// elements of one chunk: O(n/chunk + chunk), like Redis's O(n) LINDEX but
// with a small constant.

// listChunkMax is the most bytes a chunk packs (an element larger than this
// gets a chunk of its own).
const listChunkMax = 8192

// List is a list value. Element slices it hands out point into it and stay
// valid only until it is next changed. A List is not safe for concurrent use.
type List struct {
	ring []listChunk // ring buffer of chunks; its length is a power of two (or 0)
	head int32       // ring index of the first chunk
	nch  int32       // chunks in use
	n    int         // elements
	// spare is the buffer of a full-size chunk that emptied while the list
	// kept at least two chunks, kept for the next chunk the list needs, so
	// that a queue (push at one end, pop at the other) allocates nothing.
	spare *[listChunkMax]byte
}

// listChunk is one run of elements, packed in buf[lo:hi].
type listChunk struct {
	buf    []byte
	lo, hi int32
	n      int32 // elements
}

// NewList returns an empty list.
func NewList() *List { return &List{} }

// List returns the value of a list key, or nil if the key holds another type.
func (x Entry) List() *List {
	if x.Type() != TypeList {
		return nil
	}
	return (*List)(x.object())
}

// AddList stores l under key, replacing any value, with no deadline. l must
// not be empty: kvd, like Redis, never keeps an empty list.
func (db *DB) AddList(key []byte, l *List, now int64) {
	db.setObject(key, TypeList, unsafe.Pointer(l), -1, now)
}

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

// Encoding returns the name OBJECT ENCODING gives a list: Redis 7.0 keeps
// every list in a quicklist, whatever its size.
func (l *List) Encoding() string { return "quicklist" }

// ---- element encoding ----

// elemSize is the size of an element of n bytes in a chunk.
func elemSize(n int) int { return 2*uvarintLen(uint64(n)) + n }

// putElem writes v as a chunk element at the start of dst, which must have
// room for it, and returns the size written. v must not overlap dst.
func putElem(dst, v []byte) int {
	k := binary.PutUvarint(dst, uint64(len(v)))
	copy(dst[k:], v)
	p := k + len(v)
	for j := 0; j < k; j++ {
		dst[p+j] = dst[k-1-j]
	}
	return p + k
}

// readFwd returns the element starting at off and the offset after it.
func readFwd(buf []byte, off int32) ([]byte, int32) {
	x := uint64(buf[off])
	k := int32(1)
	if x >= 0x80 {
		var kk int
		x, kk = binary.Uvarint(buf[off:])
		k = int32(kk)
	}
	start := off + k
	end := start + int32(x)
	return buf[start:end:end], end + k
}

// readBwd returns the element ending at end and the offset where it starts.
func readBwd(buf []byte, end int32) ([]byte, int32) {
	p := end - 1
	b := buf[p]
	x := uint64(b & 0x7f)
	k := int32(1)
	for shift := 7; b >= 0x80; shift += 7 {
		p--
		b = buf[p]
		x |= uint64(b&0x7f) << shift
		k++
	}
	stop := end - k
	start := stop - int32(x)
	return buf[start:stop:stop], start - k
}

// allocBuf returns a zeroed buffer of at least n bytes, using all of the
// allocation's size class.
func allocBuf(n int) []byte {
	b := append([]byte(nil), make([]byte, n)...)
	return b[:cap(b)]
}

// ---- chunks and the ring ----

func (l *List) mask() int32 { return int32(len(l.ring)) - 1 }

// at returns the i-th chunk (0 is the head).
func (l *List) at(i int) *listChunk {
	return &l.ring[(l.head+int32(i))&l.mask()]
}

// setRing moves the chunks into a new ring of the given capacity (a power
// of two at least nch).
func (l *List) setRing(capacity int) {
	ring := make([]listChunk, capacity)
	for i := range int(l.nch) {
		ring[i] = *l.at(i)
	}
	l.ring = ring
	l.head = 0
}

// makeRingRoom makes room for one more chunk.
func (l *List) makeRingRoom() {
	if int(l.nch) == len(l.ring) {
		l.setRing(max(1, 2*len(l.ring)))
	}
}

// shrinkRing releases most of a ring that is at most an eighth used.
func (l *List) shrinkRing() {
	if len(l.ring) > 8 && int(l.nch) <= len(l.ring)/8 {
		l.setRing(len(l.ring) / 4)
	}
}

func (l *List) pushChunkBack(c listChunk) {
	l.makeRingRoom()
	l.nch++
	*l.at(int(l.nch) - 1) = c
}

func (l *List) pushChunkFront(c listChunk) {
	l.makeRingRoom()
	l.head = (l.head - 1) & l.mask()
	l.nch++
	*l.at(0) = c
}

// insertChunk inserts c so that it becomes chunk i, shifting the chunks on
// the shorter side.
func (l *List) insertChunk(i int, c listChunk) {
	l.makeRingRoom()
	n := int(l.nch)
	if i < n-i {
		l.head = (l.head - 1) & l.mask()
		l.nch++
		for j := 0; j < i; j++ {
			*l.at(j) = *l.at(j + 1)
		}
	} else {
		l.nch++
		for j := n; j > i; j-- {
			*l.at(j) = *l.at(j - 1)
		}
	}
	*l.at(i) = c
}

// release takes back the buffer of a chunk that emptied.
func (l *List) release(buf []byte) {
	if l.spare == nil && len(buf) == listChunkMax && l.nch >= 2 {
		l.spare = (*[listChunkMax]byte)(buf)
	}
	if l.nch < 2 {
		l.spare = nil
	}
}

func (l *List) dropFront() {
	c := l.at(0)
	buf := c.buf
	*c = listChunk{}
	l.head = (l.head + 1) & l.mask()
	l.nch--
	l.release(buf)
	l.shrinkRing()
}

func (l *List) dropBack() {
	c := l.at(int(l.nch) - 1)
	buf := c.buf
	*c = listChunk{}
	l.nch--
	l.release(buf)
	l.shrinkRing()
}

// dropEmpty removes the chunks that hold no elements.
func (l *List) dropEmpty() {
	w := 0
	for r := range int(l.nch) {
		c := *l.at(r)
		if c.n > 0 {
			*l.at(w) = c
			w++
		}
	}
	for j := w; j < int(l.nch); j++ {
		*l.at(j) = listChunk{}
	}
	l.nch = int32(w)
	if l.nch < 2 {
		l.spare = nil
	}
	l.shrinkRing()
}

// newChunk returns an empty chunk with room for an element of need bytes,
// placed for pushing at the tail (back) or the head. A list's first chunk
// starts small and grows; later ones start at full size (the list is large
// already), taking the spare buffer if there is one.
func (l *List) newChunk(need int, back bool) listChunk {
	var buf []byte
	switch {
	case need > listChunkMax:
		buf = make([]byte, need)
	case l.nch > 0 && need <= listChunkMax/4:
		if l.spare != nil {
			buf = l.spare[:]
			l.spare = nil
		} else {
			buf = make([]byte, listChunkMax)
		}
	default:
		buf = allocBuf(need)
	}
	pos := int32(0)
	if !back {
		pos = int32(len(buf))
	}
	return listChunk{buf: buf, lo: pos, hi: pos}
}

// move shifts the chunk's elements to start at lo.
func (c *listChunk) move(lo int32) {
	live := c.hi - c.lo
	copy(c.buf[lo:], c.buf[c.lo:c.hi])
	c.lo, c.hi = lo, lo+live
}

// room makes need bytes free at the chunk's tail (back) or head, moving its
// elements or growing its buffer as needed. It returns false if the element
// belongs in a new chunk instead.
func (c *listChunk) room(need int32, back bool) bool {
	size := int32(len(c.buf))
	if back && size-c.hi >= need || !back && c.lo >= need {
		return true
	}
	live := c.hi - c.lo
	if live+need > listChunkMax {
		return false
	}
	free := size - live
	switch {
	case live+need <= size/2:
		// Plenty of room, on the wrong side: centre the elements, leaving
		// need bytes more on the side that asked. Pushes at either end then
		// find room for at least a quarter of the buffer before this recurs.
		lo := (free - need) / 2
		if !back {
			lo = free - lo
		}
		c.move(lo)
	case size < listChunkMax:
		// Grow, keeping the slack on the far side if there is some (a
		// chunk pushed at both ends) but no more than half the free space.
		nb := allocBuf(int(min(max(2*size, live+need), listChunkMax)))
		nfree := int32(len(nb)) - live
		var lo int32
		if back {
			lo = min(c.lo, (nfree-need)/2)
		} else {
			lo = nfree - min(size-c.hi, (nfree-need)/2)
		}
		copy(nb[lo:], c.buf[c.lo:c.hi])
		c.buf, c.lo, c.hi = nb, lo, lo+live
	case live+need <= size/4*3:
		// A full-size buffer with its free space on the other side.
		if back {
			c.move(0)
		} else {
			c.move(size - live)
		}
	default:
		return false
	}
	return true
}

// shrink gives a chunk whose buffer is mostly empty a smaller one.
func (c *listChunk) shrink() {
	live := c.hi - c.lo
	if len(c.buf) <= 64 || int(live) >= len(c.buf)/4 {
		return
	}
	nb := allocBuf(int(live))
	copy(nb, c.buf[c.lo:c.hi])
	c.buf, c.lo, c.hi = nb, 0, live
}

// ---- pushing and popping ----

// PushBack appends v at the tail. v must not point into the list.
func (l *List) PushBack(v []byte) {
	need := int32(elemSize(len(v)))
	if l.nch == 0 || !l.at(int(l.nch)-1).room(need, true) {
		l.pushChunkBack(l.newChunk(int(need), true))
	}
	c := l.at(int(l.nch) - 1)
	c.hi += int32(putElem(c.buf[c.hi:], v))
	c.n++
	l.n++
}

// PushFront inserts v at the head. v must not point into the list.
func (l *List) PushFront(v []byte) {
	need := int32(elemSize(len(v)))
	if l.nch == 0 || !l.at(0).room(need, false) {
		l.pushChunkFront(l.newChunk(int(need), false))
	}
	c := l.at(0)
	c.lo -= need
	putElem(c.buf[c.lo:], v)
	c.n++
	l.n++
}

// PopFront removes the head element and returns it; ok is false if the list
// is empty. The slice stays valid until the list is next changed.
func (l *List) PopFront() (v []byte, ok bool) {
	if l.n == 0 {
		return nil, false
	}
	c := l.at(0)
	v, c.lo = readFwd(c.buf, c.lo)
	c.n--
	l.n--
	if c.n == 0 {
		l.dropFront()
	}
	return v, true
}

// PopBack removes the tail element and returns it; ok is false if the list
// is empty. The slice stays valid until the list is next changed.
func (l *List) PopBack() (v []byte, ok bool) {
	if l.n == 0 {
		return nil, false
	}
	c := l.at(int(l.nch) - 1)
	v, c.hi = readBwd(c.buf, c.hi)
	c.n--
	l.n--
	if c.n == 0 {
		l.dropBack()
	}
	return v, true
}

// Front returns the head element (ok is false if the list is empty).
func (l *List) Front() (v []byte, ok bool) {
	if l.n == 0 {
		return nil, false
	}
	c := l.at(0)
	v, _ = readFwd(c.buf, c.lo)
	return v, true
}

// Back returns the tail element (ok is false if the list is empty).
func (l *List) Back() (v []byte, ok bool) {
	if l.n == 0 {
		return nil, false
	}
	c := l.at(int(l.nch) - 1)
	v, _ = readBwd(c.buf, c.hi)
	return v, true
}

// Move pops an element from one end of l (the tail if fromBack) and pushes
// it at one end of dst (the tail if toBack), as LMOVE does; dst may be l.
// It returns the element, as stored in dst, and false if l is empty.
func (l *List) Move(dst *List, fromBack, toBack bool) ([]byte, bool) {
	var v []byte
	var ok bool
	if fromBack {
		v, ok = l.PopBack()
	} else {
		v, ok = l.PopFront()
	}
	if !ok {
		return nil, false
	}
	if dst == l {
		// v points into the list, which the push may rearrange: copy it
		// first (on the stack when it is small).
		var small [64]byte
		v = append(small[:0], v...)
	}
	if toBack {
		dst.PushBack(v)
		return dst.Back()
	}
	dst.PushFront(v)
	return dst.Front()
}

// ---- access by index ----

// locate finds element i (0 <= i < Len): its chunk, its byte offset in the
// chunk and its index in the chunk.
func (l *List) locate(i int) (ci int, off int32, j int32) {
	if i < l.n/2 {
		for ci = 0; ; ci++ {
			if n := int(l.at(ci).n); i < n {
				break
			} else {
				i -= n
			}
		}
	} else {
		back := l.n - 1 - i
		for ci = int(l.nch) - 1; ; ci-- {
			n := int(l.at(ci).n)
			if back < n {
				i = n - 1 - back
				break
			}
			back -= n
		}
	}
	c := l.at(ci)
	j = int32(i)
	if j < c.n/2 {
		off = c.lo
		for k := int32(0); k < j; k++ {
			_, off = readFwd(c.buf, off)
		}
	} else {
		off = c.hi
		for k := c.n; k > j; k-- {
			_, off = readBwd(c.buf, off)
		}
	}
	return ci, off, j
}

// Index returns element i, counting from 0 at the head; ok is false if i is
// out of range (negative indexes are the caller's to convert).
func (l *List) Index(i int) (v []byte, ok bool) {
	if i < 0 || i >= l.n {
		return nil, false
	}
	ci, off, _ := l.locate(i)
	v, _ = readFwd(l.at(ci).buf, off)
	return v, true
}

// Set replaces element i with v and reports whether i was in range. v must
// not point into the list.
func (l *List) Set(i int, v []byte) bool {
	if i < 0 || i >= l.n {
		return false
	}
	ci, off, j := l.locate(i)
	l.splice(ci, off, j, 1, v)
	return true
}

// Insert inserts v so that it becomes element i (0 <= i <= Len; Len
// appends). v must not point into the list.
func (l *List) Insert(i int, v []byte) {
	switch {
	case i <= 0:
		l.PushFront(v)
	case i >= l.n:
		l.PushBack(v)
	default:
		ci, off, j := l.locate(i)
		l.splice(ci, off, j, 0, v)
	}
}

// splice puts v in chunk ci at byte offset a, which is element j of the
// chunk, replacing that element if m is 1 or inserting before it if m is 0.
func (l *List) splice(ci int, a, j, m int32, v []byte) {
	c := l.at(ci)
	b := a
	if m == 1 {
		_, b = readFwd(c.buf, a)
	}
	need := int32(elemSize(len(v)))
	newLive := c.hi - c.lo - (b - a) + need
	switch {
	case newLive <= listChunkMax || c.n == m:
		c.rewrite(a, b, v, need, newLive)
		c.n += 1 - m
		l.n += int(1 - m)
		if m == 1 {
			c.shrink() // a large element replaced by a small one
		}
	case c.n > 1:
		// Split the chunk in two and put v in the half holding element j.
		mid := c.n / 2
		midOff := l.split(ci, mid)
		if j < mid {
			l.splice(ci, a, j, m, v)
		} else {
			l.splice(ci+1, a-midOff, j-mid, m, v)
		}
	default:
		// Inserting next to a lone element too large to share a chunk with.
		buf := allocBuf(int(need))
		nc := listChunk{buf: buf, hi: int32(putElem(buf, v)), n: 1}
		l.insertChunk(ci, nc)
		l.n++
	}
}

// split moves the elements of chunk ci from its element mid on into a new
// chunk after it, and returns the byte offset where they started.
func (l *List) split(ci int, mid int32) int32 {
	c := l.at(ci)
	off := c.lo
	for k := int32(0); k < mid; k++ {
		_, off = readFwd(c.buf, off)
	}
	right := allocBuf(int(c.hi - off))
	copy(right, c.buf[off:c.hi])
	nc := listChunk{buf: right, hi: c.hi - off, n: c.n - mid}
	c.hi = off
	c.n = mid
	l.insertChunk(ci+1, nc)
	return off
}

// rewrite replaces the bytes [a, b) of the chunk with the encoding of v
// (need bytes), leaving newLive bytes of elements.
func (c *listChunk) rewrite(a, b int32, v []byte, need, newLive int32) {
	delta := need - (b - a)
	size := int32(len(c.buf))
	if newLive <= size {
		canSuffix := c.hi+delta <= size
		canPrefix := c.lo-delta >= 0
		switch {
		case delta == 0:
		case canSuffix && (!canPrefix || c.hi-b <= a-c.lo):
			copy(c.buf[b+delta:], c.buf[b:c.hi])
			c.hi += delta
		case canPrefix:
			copy(c.buf[c.lo-delta:], c.buf[c.lo:a])
			c.lo -= delta
			a -= delta
		default:
			// The room is split between both sides: centre the elements.
			// Neither side alone has delta bytes free, so the new start is
			// below the old one: move the prefix down first, then the suffix.
			lo := (size - newLive) / 2
			copy(c.buf[lo:], c.buf[c.lo:a])
			copy(c.buf[lo+(a-c.lo)+need:], c.buf[b:c.hi])
			a = lo + (a - c.lo)
			c.lo, c.hi = lo, lo+newLive
		}
		putElem(c.buf[a:], v)
		return
	}
	grown := newLive
	if newLive <= listChunkMax {
		grown = min(max(2*size, newLive), listChunkMax)
	}
	nb := allocBuf(int(grown))
	lo := (int32(len(nb)) - newLive) / 2
	p := lo + int32(copy(nb[lo:], c.buf[c.lo:a]))
	p += int32(putElem(nb[p:], v))
	copy(nb[p:], c.buf[b:c.hi])
	c.buf, c.lo, c.hi = nb, lo, lo+newLive
}

// ---- bulk removal ----

// DeleteFront removes the first k elements (all of them if k >= Len).
func (l *List) DeleteFront(k int) {
	for k > 0 && l.n > 0 {
		c := l.at(0)
		if k >= int(c.n) {
			k -= int(c.n)
			l.n -= int(c.n)
			l.dropFront()
			continue
		}
		for range k {
			_, c.lo = readFwd(c.buf, c.lo)
		}
		c.n -= int32(k)
		l.n -= k
		return
	}
}

// DeleteBack removes the last k elements (all of them if k >= Len).
func (l *List) DeleteBack(k int) {
	for k > 0 && l.n > 0 {
		c := l.at(int(l.nch) - 1)
		if k >= int(c.n) {
			k -= int(c.n)
			l.n -= int(c.n)
			l.dropBack()
			continue
		}
		for range k {
			_, c.hi = readBwd(c.buf, c.hi)
		}
		c.n -= int32(k)
		l.n -= k
		return
	}
}

// Trim keeps only elements [start, start+count) (LTRIM), releasing the
// space the removed ones held.
func (l *List) Trim(start, count int) {
	l.DeleteFront(start)
	l.DeleteBack(l.n - count)
	if l.nch > 0 {
		l.at(0).shrink()
		l.at(int(l.nch) - 1).shrink()
	}
}

// Remove removes elements equal to v, as LREM does: the first count of them
// from the head, or from the tail if fromBack, or all of them if count is
// 0. It returns how many it removed.
func (l *List) Remove(v []byte, count int, fromBack bool) int {
	removed := 0
	for i := range int(l.nch) {
		if count > 0 && removed == count {
			break
		}
		ci := i
		if fromBack {
			ci = int(l.nch) - 1 - i
		}
		c := l.at(ci)
		before := c.n
		if fromBack {
			removed = c.removeBwd(v, count, removed)
		} else {
			removed = c.removeFwd(v, count, removed)
		}
		l.n -= int(before - c.n)
		if c.n != before && c.n > 0 {
			c.shrink()
		}
	}
	l.dropEmpty()
	return removed
}

// removeFwd removes elements equal to v from the head of the chunk on,
// until removed reaches count (0: no limit), and returns the new removed.
func (c *listChunk) removeFwd(v []byte, count, removed int) int {
	w, r := c.lo, c.lo
	for r < c.hi {
		if count > 0 && removed == count {
			w += int32(copy(c.buf[w:], c.buf[r:c.hi]))
			break
		}
		e, next := readFwd(c.buf, r)
		if bytes.Equal(e, v) {
			removed++
			c.n--
		} else {
			if w != r {
				copy(c.buf[w:], c.buf[r:next])
			}
			w += next - r
		}
		r = next
	}
	c.hi = w
	return removed
}

// removeBwd is removeFwd from the tail of the chunk.
func (c *listChunk) removeBwd(v []byte, count, removed int) int {
	w, r := c.hi, c.hi
	for r > c.lo {
		if count > 0 && removed == count {
			w -= r - c.lo
			copy(c.buf[w:], c.buf[c.lo:r])
			break
		}
		e, start := readBwd(c.buf, r)
		if bytes.Equal(e, v) {
			removed++
			c.n--
		} else {
			w -= r - start
			if w != start {
				copy(c.buf[w:], c.buf[start:r])
			}
		}
		r = start
	}
	c.lo = w
	return removed
}

// ---- iteration ----

// ListIter walks a list's elements from a given index towards the tail or
// towards the head. The list must not change while it is in use.
type ListIter struct {
	l   *List
	ci  int   // current chunk
	off int32 // forwards: where the next element starts; backwards: where it ends
	rev bool
}

// Iter returns an iterator whose first Next returns element i, walking
// towards the head if reverse is set and towards the tail otherwise. An
// index out of range gives an iterator that returns nothing.
func (l *List) Iter(i int, reverse bool) ListIter {
	if i < 0 || i >= l.n {
		return ListIter{l: l, ci: -1}
	}
	ci, off, _ := l.locate(i)
	if reverse {
		_, off = readFwd(l.at(ci).buf, off)
	}
	return ListIter{l: l, ci: ci, off: off, rev: reverse}
}

// Next returns the next element, or ok == false at the end.
func (it *ListIter) Next() (v []byte, ok bool) {
	l := it.l
	if it.ci < 0 || it.ci >= int(l.nch) {
		return nil, false
	}
	c := l.at(it.ci)
	if !it.rev {
		if it.off >= c.hi {
			it.ci++
			if it.ci >= int(l.nch) {
				return nil, false
			}
			c = l.at(it.ci)
			it.off = c.lo
		}
		v, it.off = readFwd(c.buf, it.off)
		return v, true
	}
	if it.off <= c.lo {
		it.ci--
		if it.ci < 0 {
			return nil, false
		}
		c = l.at(it.ci)
		it.off = c.hi
	}
	v, it.off = readBwd(c.buf, it.off)
	return v, true
}

// ---- copying ----

// Clone returns a deep copy of l, each chunk in a buffer of its own size.
func (l *List) Clone() *List {
	nl := &List{n: l.n}
	if l.nch == 0 {
		return nl
	}
	capacity := 1
	for capacity < int(l.nch) {
		capacity *= 2
	}
	nl.ring = make([]listChunk, capacity)
	for i := range int(l.nch) {
		c := l.at(i)
		live := c.hi - c.lo
		buf := allocBuf(int(live))
		copy(buf, c.buf[c.lo:c.hi])
		nl.ring[i] = listChunk{buf: buf, hi: live, n: c.n}
	}
	nl.nch = l.nch
	return nl
}
