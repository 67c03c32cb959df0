package store

import (
	"encoding/binary"
	"math"
	"slices"
	"unsafe"

	"github.com/tidwall/btree"
)

// A stream value keeps its entries in blocks ordered by ID in a B-tree
// (tidwall/btree), in the spirit of Redis's radix tree of listpacks: each
// block packs a run of consecutive entries into one byte slice, so an entry
// of two small fields costs a few bytes of ID deltas and its field bytes.
//
// A block is keyed by its master ID, the ID of the first entry ever
// appended to it; every entry in it has an ID at or above the master and
// below the next block's master. Each entry is laid out as
//
//	[uvarint size of the rest][uvarint ms - master.ms][uvarint seq][uvarint n<<1 | same][fields]
//
// (the size lets a range skip an entry after reading its ID). The fields
// are n pairs of field and value, or, when same is set, only the n values:
// the entry has the same fields as the first entry appended to the block,
// whose field names the block keeps (Redis's SAMEFIELDS).
// with each field and value a length-prefixed string. A new block starts
// when the last one holds stream-node-max-entries entries (live or deleted,
// as Redis counts them) or stream-node-max-bytes bytes, so approximate
// trimming (MAXLEN ~, MINID ~), which drops whole blocks, removes what
// Redis removes. A deleted entry's bytes are removed from its block at
// once; the block only counts it.

// StreamID is a stream entry ID: milliseconds and a sequence number.
type StreamID struct {
	Ms, Seq uint64
}

// MaxStreamID is the greatest stream ID.
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Compare returns -1, 0 or 1 as a is less than, equal to or greater than b.
func (a StreamID) Compare(b StreamID) int {
	switch {
	case a.Ms < b.Ms:
		return -1
	case a.Ms > b.Ms:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// Less reports whether a < b.
func (a StreamID) Less(b StreamID) bool { return a.Compare(b) < 0 }

// IsZero reports whether a is 0-0.
func (a StreamID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Incr returns the next ID, and false if a is the greatest.
func (a StreamID) Incr() (StreamID, bool) {
	if a.Seq == math.MaxUint64 {
		if a.Ms == math.MaxUint64 {
			return a, false
		}
		return StreamID{a.Ms + 1, 0}, true
	}
	return StreamID{a.Ms, a.Seq + 1}, true
}

// Decr returns the previous ID, and false if a is 0-0.
func (a StreamID) Decr() (StreamID, bool) {
	if a.Seq == 0 {
		if a.Ms == 0 {
			return a, false
		}
		return StreamID{a.Ms - 1, math.MaxUint64}, true
	}
	return StreamID{a.Ms, a.Seq - 1}, true
}

// AppendTo appends the ID as "ms-seq".
func (a StreamID) AppendTo(dst []byte) []byte {
	dst = appendUint(dst, a.Ms)
	dst = append(dst, '-')
	return appendUint(dst, a.Seq)
}

func appendUint(dst []byte, x uint64) []byte {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + x%10)
		x /= 10
		if x == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}

// String returns "ms-seq".
func (a StreamID) String() string { return string(a.AppendTo(nil)) }

// streamBlock is a run of entries packed in data.
type streamBlock struct {
	master StreamID // the first ID appended to the block: its key
	last   StreamID // the last ID appended (it may have been deleted since)
	n      int32    // live entries
	ndel   int32    // entries deleted from the block
	nnames int32    // the field names of the first entry appended, packed in names
	names  []byte
	data   []byte
}

// sameNames reports whether fields (field, value, ...) has the block's
// field names, in order.
func (b *streamBlock) sameNames(fields [][]byte) bool {
	if len(fields)/2 != int(b.nnames) {
		return false
	}
	off := 0
	for i := 0; i < len(fields); i += 2 {
		var name []byte
		name, off = readLenPrefixed(b.names, off)
		if string(name) != string(fields[i]) {
			return false
		}
	}
	return true
}

func lessBlock(a, b *streamBlock) bool { return a.master.Less(b.master) }

// StreamFields is one entry's fields and values, packed (with its
// block's field names when the entry has the same fields).
type StreamFields struct {
	n     int
	buf   []byte
	names []byte
}

// Len returns the number of field-value pairs.
func (f StreamFields) Len() int { return f.n }

// Each calls fn with each field and value in order (2*Len calls). The
// slices point into the stream and are valid until it next changes.
func (f StreamFields) Each(fn func(b []byte)) {
	off := 0
	if f.names != nil {
		noff := 0
		for i := 0; i < f.n; i++ {
			var s []byte
			s, noff = readLenPrefixed(f.names, noff)
			fn(s)
			s, off = readLenPrefixed(f.buf, off)
			fn(s)
		}
		return
	}
	for i := 0; i < 2*f.n; i++ {
		var s []byte
		s, off = readLenPrefixed(f.buf, off)
		fn(s)
	}
}

// Pairs returns the fields and values as a slice (allocating).
func (f StreamFields) Pairs() [][]byte {
	out := make([][]byte, 0, 2*f.n)
	f.Each(func(b []byte) { out = append(out, b) })
	return out
}

// decodeEntry decodes the entry at off of b and returns its ID, fields and
// the offset past it.
func (b *streamBlock) decodeEntry(off int) (StreamID, StreamFields, int) {
	_, k := binary.Uvarint(b.data[off:])
	off += k
	d, k := binary.Uvarint(b.data[off:])
	off += k
	seq, k := binary.Uvarint(b.data[off:])
	off += k
	hdr, k := binary.Uvarint(b.data[off:])
	off += k
	n := hdr >> 1
	var names []byte
	vals := 2 * n
	if hdr&1 != 0 {
		names, vals = b.names, n
	}
	start := off
	for i := uint64(0); i < vals; i++ {
		_, off = readLenPrefixed(b.data, off)
	}
	return StreamID{b.master.Ms + d, seq}, StreamFields{int(n), b.data[start:off:off], names}, off
}

// decodeID decodes the ID of the entry at off and returns the offset past
// the entry.
func (b *streamBlock) decodeID(off int) (StreamID, int) {
	size, k := binary.Uvarint(b.data[off:])
	off += k
	next := off + int(size)
	d, k := binary.Uvarint(b.data[off:])
	off += k
	seq, _ := binary.Uvarint(b.data[off:])
	return StreamID{b.master.Ms + d, seq}, next
}

// offsets returns the offsets of b's entries, in dst.
func (b *streamBlock) offsets(dst []int) []int {
	dst = dst[:0]
	for off := 0; off < len(b.data); {
		dst = append(dst, off)
		_, off = b.decodeID(off)
	}
	return dst
}

// entrySize returns the encoded size of an entry.
func entrySize(id, master StreamID, fields [][]byte, same bool) int {
	n := entryBodySize(id, master, fields, same)
	return uvarintLen(uint64(n)) + n
}

// entryBodySize returns the size of an entry but its size prefix.
func entryBodySize(id, master StreamID, fields [][]byte, same bool) int {
	n := uvarintLen(id.Ms-master.Ms) + uvarintLen(id.Seq) + uvarintLen(uint64(len(fields)/2)<<1)
	for i, f := range fields {
		if !same || i%2 == 1 {
			n += lenPrefixedSize(len(f))
		}
	}
	return n
}

// StreamConsumer is a consumer of a group.
type StreamConsumer struct {
	Name     string
	SeenTime int64 // unix ms of its last read or claim
	pel      *btree.BTreeG[*StreamPending]
}

// StreamPending is an entry delivered to a consumer and not yet
// acknowledged.
type StreamPending struct {
	ID            StreamID
	DeliveryTime  int64 // unix ms of the last delivery
	DeliveryCount int64
	Consumer      *StreamConsumer
}

func lessPending(a, b *StreamPending) bool { return a.ID.Less(b.ID) }

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name        string
	LastID      StreamID
	EntriesRead int64 // -1 when unknown (SCG_INVALID_ENTRIES_READ)
	pel         *btree.BTreeG[*StreamPending]
	consumers   map[string]*StreamConsumer
	probe       StreamPending // a search key, to spare allocations
}

// Stream is a stream value. Slices it hands out point into it and stay
// valid only until it next changes. A Stream is not safe for concurrent use.
type Stream struct {
	blocks       *btree.BTreeG[*streamBlock]
	length       int64
	LastID       StreamID // the greatest ID ever added (or set by XSETID)
	FirstID      StreamID // recorded-first-entry-id
	MaxDeletedID StreamID // the greatest ID deleted
	EntriesAdded int64    // entries ever added
	groups       map[string]*StreamGroup
	pivot        streamBlock // a search key, to spare allocations
	offs         []int       // scratch offsets of a block
	// The state of the current Range and its B-tree visitors, made once
	// so that a range allocates nothing.
	rstart, rend StreamID
	rfn          func(StreamID, StreamFields) bool
	fwd, rev     func(*streamBlock) bool
	find         func(*streamBlock) bool
	found        *streamBlock
}

var blockOpts = btree.Options{NoLocks: true, Degree: 32}

// NewStream returns an empty stream.
func NewStream() *Stream {
	s := &Stream{blocks: btree.NewBTreeGOptions(lessBlock, blockOpts)}
	s.fwd = s.visitForward
	s.rev = s.visitReverse
	s.find = s.setFound
	return s
}

// visitForward walks a block's entries in [rstart, rend] for Range.
func (s *Stream) visitForward(b *streamBlock) bool {
	if s.rend.Less(b.master) {
		return false
	}
	for off := 0; off < len(b.data); {
		id, next := b.decodeID(off)
		if id.Less(s.rstart) {
			off = next
			continue
		}
		if s.rend.Less(id) {
			return false
		}
		_, f, _ := b.decodeEntry(off)
		off = next
		if !s.rfn(id, f) {
			return false
		}
	}
	return true
}

// visitReverse walks a block's entries in [rstart, rend] backwards.
func (s *Stream) visitReverse(b *streamBlock) bool {
	s.offs = b.offsets(s.offs)
	for i := len(s.offs) - 1; i >= 0; i-- {
		id, _ := b.decodeID(s.offs[i])
		if s.rend.Less(id) {
			continue
		}
		if id.Less(s.rstart) {
			return false
		}
		if _, f, _ := b.decodeEntry(s.offs[i]); !s.rfn(id, f) {
			return false
		}
	}
	return s.rstart.Less(b.master)
}

// Stream returns the stream a stream value holds (nil for other types).
func (x Entry) Stream() *Stream {
	if x.Type() != TypeStream {
		return nil
	}
	return (*Stream)(x.object())
}

// AddStream stores s under key, replacing any value, with no deadline.
func (db *DB) AddStream(key []byte, s *Stream, now int64) {
	db.setObject(key, TypeStream, unsafe.Pointer(s), -1, now)
}

// Len returns the number of entries.
func (s *Stream) Len() int64 { return s.length }

// Encoding returns the name OBJECT ENCODING gives a stream.
func (s *Stream) Encoding() string { return "stream" }

// Blocks returns the number of blocks (XINFO's radix-tree-keys).
func (s *Stream) Blocks() int { return s.blocks.Len() }

// Append adds an entry with id, which must be greater than LastID, and the
// fields (field, value, ...). A new block starts when the last one has
// maxEntries entries (0: no limit) or maxBytes bytes (0: no limit).
func (s *Stream) Append(id StreamID, fields [][]byte, maxBytes, maxEntries int64) {
	b, ok := s.blocks.Max()
	same := false
	if ok {
		same = b.sameNames(fields)
		size := int64(len(b.data) + entrySize(id, b.master, fields, same))
		if maxBytes > 0 && size > maxBytes && b.n+b.ndel > 0 ||
			maxEntries > 0 && int64(b.n+b.ndel) >= maxEntries {
			ok = false
			// The block is complete: give back its spare capacity.
			b.data = append([]byte(nil), b.data...)
		}
	}
	if !ok {
		b = &streamBlock{master: id, nnames: int32(len(fields) / 2)}
		for i := 0; i < len(fields); i += 2 {
			b.names = binary.AppendUvarint(b.names, uint64(len(fields[i])))
			b.names = append(b.names, fields[i]...)
		}
		s.blocks.Set(b)
		same = true
	}
	b.data = binary.AppendUvarint(b.data, uint64(entryBodySize(id, b.master, fields, same)))
	b.data = binary.AppendUvarint(b.data, id.Ms-b.master.Ms)
	b.data = binary.AppendUvarint(b.data, id.Seq)
	hdr := uint64(len(fields)/2) << 1
	if same {
		hdr |= 1
	}
	b.data = binary.AppendUvarint(b.data, hdr)
	for i, f := range fields {
		if same && i%2 == 0 {
			continue
		}
		b.data = binary.AppendUvarint(b.data, uint64(len(f)))
		b.data = append(b.data, f...)
	}
	b.n++
	b.last = id
	if s.length == 0 {
		s.FirstID = id
	}
	s.length++
	s.EntriesAdded++
	s.LastID = id
}

// blockAtOrBefore returns the block that would hold id.
func (s *Stream) blockAtOrBefore(id StreamID) (b *streamBlock, ok bool) {
	s.pivot.master = id
	s.found = nil
	s.blocks.Descend(&s.pivot, s.find)
	return s.found, s.found != nil
}

// setFound is blockAtOrBefore's visitor: it keeps the first block.
func (s *Stream) setFound(b *streamBlock) bool {
	s.found = b
	return false
}

// Range calls fn with each entry whose ID is in [start, end], in ascending
// order (descending if rev), until fn returns false. fn must not change the
// stream.
func (s *Stream) Range(start, end StreamID, rev bool, fn func(id StreamID, f StreamFields) bool) {
	if s.length == 0 || end.Less(start) {
		return
	}
	// A range may run inside another one's callback (none does today):
	// keep the outer one's state.
	ostart, oend, ofn := s.rstart, s.rend, s.rfn
	s.rstart, s.rend, s.rfn = start, end, fn
	if !rev {
		b, ok := s.blockAtOrBefore(start)
		if !ok {
			b, _ = s.blocks.Min()
		}
		s.pivot.master = b.master
		s.blocks.Ascend(&s.pivot, s.fwd)
	} else {
		s.pivot.master = end
		s.blocks.Descend(&s.pivot, s.rev)
	}
	s.rstart, s.rend, s.rfn = ostart, oend, ofn
}

// First returns the first entry's ID, and false if the stream is empty.
func (s *Stream) First() (id StreamID, ok bool) {
	s.Range(StreamID{}, MaxStreamID, false, func(x StreamID, _ StreamFields) bool {
		id, ok = x, true
		return false
	})
	return id, ok
}

// Last returns the last entry's ID, and false if the stream is empty.
func (s *Stream) Last() (id StreamID, ok bool) {
	s.Range(StreamID{}, MaxStreamID, true, func(x StreamID, _ StreamFields) bool {
		id, ok = x, true
		return false
	})
	return id, ok
}

// Get returns the fields of the entry with id.
func (s *Stream) Get(id StreamID) (f StreamFields, ok bool) {
	s.Range(id, id, false, func(_ StreamID, x StreamFields) bool {
		f, ok = x, true
		return false
	})
	return f, ok
}

// Delete removes the entry with id. It reports whether it existed. Like
// Redis it does not update FirstID or MaxDeletedID: XDEL does.
func (s *Stream) Delete(id StreamID) bool {
	b, ok := s.blockAtOrBefore(id)
	if !ok {
		return false
	}
	for off := 0; off < len(b.data); {
		x, next := b.decodeID(off)
		if x == id {
			b.data = append(b.data[:off], b.data[next:]...)
			b.n--
			b.ndel++
			s.length--
			if b.n == 0 {
				s.blocks.Delete(b)
			}
			return true
		}
		if id.Less(x) {
			return false
		}
		off = next
	}
	return false
}

// UpdateFirstID sets FirstID to the first entry's ID, or 0-0 if the
// stream is empty, as Redis does after deleting entries.
func (s *Stream) UpdateFirstID() {
	if id, ok := s.First(); ok {
		s.FirstID = id
	} else {
		s.FirstID = StreamID{}
	}
}

// TrimArgs says how to trim a stream: to at most MaxLen entries, or
// (ByMinID) to entries at or above MinID; Approx only drops whole blocks,
// and Limit (0: none) caps the entries dropped.
type TrimArgs struct {
	ByMinID bool
	MaxLen  int64
	MinID   StreamID
	Approx  bool
	Limit   int64
}

// Trim removes entries from the start of the stream as XTRIM does, and
// returns how many it removed.
func (s *Stream) Trim(a TrimArgs) int64 {
	var deleted int64
	for {
		if !a.ByMinID && s.length <= a.MaxLen {
			break
		}
		b, ok := s.blocks.Min()
		if !ok {
			break
		}
		entries := int64(b.n)
		if a.Limit != 0 && deleted+entries > a.Limit {
			break
		}
		var remove bool
		if a.ByMinID {
			remove = b.last.Less(a.MinID)
		} else {
			remove = s.length-entries >= a.MaxLen
		}
		if remove {
			s.blocks.Delete(b)
			s.length -= entries
			deleted += entries
			continue
		}
		if a.Approx {
			break
		}
		// Drop entries from within the block.
		off := 0
		for off < len(b.data) {
			if !a.ByMinID && s.length <= a.MaxLen {
				break
			}
			id, next := b.decodeID(off)
			if a.ByMinID && !id.Less(a.MinID) {
				break
			}
			off = next
			b.n--
			b.ndel++
			s.length--
			deleted++
		}
		b.data = append(b.data[:0], b.data[off:]...)
		break
	}
	s.UpdateFirstID()
	return deleted
}

// Clone returns a deep copy.
func (s *Stream) Clone() *Stream {
	c := NewStream()
	s.blocks.Scan(func(b *streamBlock) bool {
		nb := *b
		nb.data = append([]byte(nil), b.data...)
		nb.names = append([]byte(nil), b.names...)
		c.blocks.Set(&nb)
		return true
	})
	c.length, c.LastID, c.FirstID, c.MaxDeletedID, c.EntriesAdded = s.length, s.LastID, s.FirstID, s.MaxDeletedID, s.EntriesAdded
	for _, g := range s.groups {
		ng := c.CreateGroup(g.Name, g.LastID, g.EntriesRead)
		for _, name := range g.ConsumerNames() {
			oc := g.consumers[name]
			nc := ng.CreateConsumer(name, oc.SeenTime)
			oc.pel.Scan(func(p *StreamPending) bool {
				np := &StreamPending{ID: p.ID, DeliveryTime: p.DeliveryTime, DeliveryCount: p.DeliveryCount, Consumer: nc}
				ng.pel.Set(np)
				nc.pel.Set(np)
				return true
			})
		}
	}
	return c
}

// ---- consumer groups ----

// Group returns the group called name.
func (s *Stream) Group(name []byte) *StreamGroup {
	return s.groups[string(name)]
}

// Groups returns the groups' count.
func (s *Stream) GroupCount() int { return len(s.groups) }

// GroupNames returns the groups' names in Redis's order (bytewise).
func (s *Stream) GroupNames() []string { return sortedKeys(s.groups) }

// CreateGroup adds a group; the name must be new.
func (s *Stream) CreateGroup(name string, last StreamID, entriesRead int64) *StreamGroup {
	if s.groups == nil {
		s.groups = make(map[string]*StreamGroup)
	}
	g := &StreamGroup{Name: name, LastID: last, EntriesRead: entriesRead,
		pel: btree.NewBTreeGOptions(lessPending, blockOpts), consumers: make(map[string]*StreamConsumer)}
	s.groups[name] = g
	return g
}

// DestroyGroup removes a group and reports whether it existed.
func (s *Stream) DestroyGroup(name []byte) bool {
	if _, ok := s.groups[string(name)]; !ok {
		return false
	}
	delete(s.groups, string(name))
	return true
}

// Consumer returns the consumer called name.
func (g *StreamGroup) Consumer(name []byte) *StreamConsumer { return g.consumers[string(name)] }

// ConsumerCount returns the number of consumers.
func (g *StreamGroup) ConsumerCount() int { return len(g.consumers) }

// ConsumerNames returns the consumers' names in Redis's order (bytewise).
func (g *StreamGroup) ConsumerNames() []string { return sortedKeys(g.consumers) }

// CreateConsumer adds a consumer; the name must be new.
func (g *StreamGroup) CreateConsumer(name string, now int64) *StreamConsumer {
	c := &StreamConsumer{Name: name, SeenTime: now, pel: btree.NewBTreeGOptions(lessPending, blockOpts)}
	g.consumers[name] = c
	return c
}

// DeleteConsumer removes a consumer and its pending entries, and returns
// how many were pending.
func (g *StreamGroup) DeleteConsumer(c *StreamConsumer) int {
	n := c.pel.Len()
	c.pel.Scan(func(p *StreamPending) bool {
		g.pel.Delete(p)
		return true
	})
	delete(g.consumers, c.Name)
	return n
}

// PendingCount returns the size of the group's PEL.
func (g *StreamGroup) PendingCount() int { return g.pel.Len() }

// PendingCount returns the size of the consumer's PEL.
func (c *StreamConsumer) PendingCount() int { return c.pel.Len() }

// Pending returns the group's pending entry for id.
func (g *StreamGroup) Pending(id StreamID) *StreamPending {
	g.probe.ID = id
	p, _ := g.pel.Get(&g.probe)
	return p
}

// AddPending records id as delivered to c at now (count 1), replacing
// (and moving) an existing pending entry.
func (g *StreamGroup) AddPending(id StreamID, c *StreamConsumer, now int64) *StreamPending {
	if p := g.Pending(id); p != nil {
		if p.Consumer != nil {
			p.Consumer.pel.Delete(p)
		}
		p.Consumer = c
		p.DeliveryTime = now
		p.DeliveryCount = 1
		if c != nil {
			c.pel.Set(p)
		}
		return p
	}
	p := &StreamPending{ID: id, DeliveryTime: now, DeliveryCount: 1, Consumer: c}
	g.pel.Set(p)
	if c != nil {
		c.pel.Set(p)
	}
	return p
}

// Transfer makes c the owner of p.
func (g *StreamGroup) Transfer(p *StreamPending, c *StreamConsumer) {
	if p.Consumer == c {
		return
	}
	if p.Consumer != nil {
		p.Consumer.pel.Delete(p)
	}
	p.Consumer = c
	c.pel.Set(p)
}

// Ack removes id from the PEL and reports whether it was pending.
func (g *StreamGroup) Ack(id StreamID) bool {
	g.probe.ID = id
	p, ok := g.pel.Delete(&g.probe)
	if !ok {
		return false
	}
	if p.Consumer != nil {
		p.Consumer.pel.Delete(p)
	}
	return true
}

// AscendPending calls fn with the group's pending entries from start on,
// in ID order, until it returns false.
func (g *StreamGroup) AscendPending(start StreamID, fn func(p *StreamPending) bool) {
	g.pel.Ascend(&StreamPending{ID: start}, fn)
}

// AscendPending calls fn with the consumer's pending entries from start
// on, in ID order, until it returns false.
func (c *StreamConsumer) AscendPending(start StreamID, fn func(p *StreamPending) bool) {
	c.pel.Ascend(&StreamPending{ID: start}, fn)
}

// PendingBounds returns the smallest and greatest pending IDs.
func (g *StreamGroup) PendingBounds() (lo, hi StreamID, ok bool) {
	a, ok := g.pel.Min()
	if !ok {
		return
	}
	b, _ := g.pel.Max()
	return a.ID, b.ID, true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// NonEmptyBlocks returns the number of blocks holding entries.
func (s *Stream) NonEmptyBlocks() int {
	n := 0
	s.blocks.Scan(func(b *streamBlock) bool {
		if b.n > 0 {
			n++
		}
		return true
	})
	return n
}

// ScanBlocks calls fn with each block holding entries, in order: its
// master ID (at or below its entries' IDs) and a function walking its
// entries.
func (s *Stream) ScanBlocks(fn func(master StreamID, walk func(func(StreamID, StreamFields)))) {
	s.blocks.Scan(func(b *streamBlock) bool {
		if b.n == 0 {
			return true
		}
		fn(b.master, func(f func(StreamID, StreamFields)) {
			for off := 0; off < len(b.data); {
				id, fl, next := b.decodeEntry(off)
				off = next
				f(id, fl)
			}
		})
		return true
	})
}
