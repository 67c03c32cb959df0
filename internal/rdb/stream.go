package rdb

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// Streams in RDB files (types 15, 19 and 21): the entries in nodes, each a
// 16-byte big-endian master ID and a listpack, then the stream's counters
// and its consumer groups with their pending entries and consumers.
//
// A node's listpack starts with a master entry
//
//	count, deleted, master-field-count, master fields..., 0
//
// followed by the entries, each
//
//	flags, ms-diff, seq-diff, [field-count, field, value, ...] or (SAMEFIELDS) [value, ...], lp-count
//
// with the IDs as differences from the master ID. Redis 7.0 writes type 19
// (STREAM_LISTPACKS_2); type 21 (Redis 7.2) adds each consumer's active time.

// Stream entry flags.
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// StreamID is a stream entry ID.
type StreamID struct{ Ms, Seq uint64 }

// StreamEntry is one entry of a decoded stream.
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte // field, value, ...
}

// StreamNACK is a pending entry of a group.
type StreamNACK struct {
	ID            StreamID
	DeliveryTime  int64
	DeliveryCount uint64
}

// StreamConsumer is a consumer and the IDs of its pending entries.
type StreamConsumer struct {
	Name     []byte
	SeenTime int64
	Pending  []StreamID
}

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name        []byte
	LastID      StreamID
	EntriesRead int64 // -1: unknown
	PEL         []StreamNACK
	Consumers   []StreamConsumer
}

// StreamValue is a decoded stream.
type StreamValue struct {
	Entries      []StreamEntry
	Length       uint64
	LastID       StreamID
	FirstID      StreamID
	MaxDeletedID StreamID
	EntriesAdded uint64
	Groups       []StreamGroup
}

// KindStream is a stream value (Value.Stream).
const KindStream Kind = 100

func (d *Decoder) readID() (StreamID, error) {
	ms, err := d.readLen()
	if err != nil {
		return StreamID{}, err
	}
	seq, err := d.readLen()
	return StreamID{ms, seq}, err
}

func (d *Decoder) readRawID() (StreamID, error) {
	b, err := d.readN(16)
	if err != nil {
		return StreamID{}, err
	}
	return StreamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}, nil
}

func (d *Decoder) readMsTime() (int64, error) {
	b, err := d.readN(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b)), nil
}

// readStream reads a stream of RDB type t into v.Stream.
func (d *Decoder) readStream(t byte, v *Value) error {
	v.Kind = KindStream
	s := &StreamValue{}
	v.Stream = s
	nodes, err := d.readLen()
	if err != nil {
		return err
	}
	for i := uint64(0); i < nodes; i++ {
		key, err := d.readString()
		if err != nil {
			return err
		}
		if len(key) != 16 {
			return d.corrupt("Stream node key entry is not the size of a stream ID")
		}
		master := StreamID{binary.BigEndian.Uint64(key), binary.BigEndian.Uint64(key[8:])}
		lp, err := d.readString()
		if err != nil {
			return err
		}
		n := len(s.Entries)
		if s.Entries, err = d.streamNode(master, lp, s.Entries); err != nil {
			return err
		}
		if len(s.Entries) == n && len(lp) <= lpHeaderSize+1 {
			return d.corrupt("Empty listpack inside stream")
		}
	}
	if s.Length, err = d.readLen(); err != nil {
		return err
	}
	if s.LastID, err = d.readID(); err != nil {
		return err
	}
	if t >= TypeStreamListpack2 {
		if s.FirstID, err = d.readID(); err != nil {
			return err
		}
		if s.MaxDeletedID, err = d.readID(); err != nil {
			return err
		}
		if s.EntriesAdded, err = d.readLen(); err != nil {
			return err
		}
	} else {
		if len(s.Entries) > 0 {
			s.FirstID = s.Entries[0].ID
		}
		s.EntriesAdded = s.Length
	}
	if uint64(len(s.Entries)) != s.Length {
		return d.corrupt("Stream length inconsistent with its entries")
	}
	ngroups, err := d.readLen()
	if err != nil {
		return err
	}
	for i := uint64(0); i < ngroups; i++ {
		var g StreamGroup
		name, err := d.readString()
		if err != nil {
			return err
		}
		g.Name = name
		if g.LastID, err = d.readID(); err != nil {
			return err
		}
		g.EntriesRead = -1
		if t >= TypeStreamListpack2 {
			n, err := d.readLen()
			if err != nil {
				return err
			}
			g.EntriesRead = int64(n)
		}
		npel, err := d.readLen()
		if err != nil {
			return err
		}
		for j := uint64(0); j < npel; j++ {
			var nack StreamNACK
			if nack.ID, err = d.readRawID(); err != nil {
				return err
			}
			if nack.DeliveryTime, err = d.readMsTime(); err != nil {
				return err
			}
			if nack.DeliveryCount, err = d.readLen(); err != nil {
				return err
			}
			g.PEL = append(g.PEL, nack)
		}
		ncons, err := d.readLen()
		if err != nil {
			return err
		}
		for j := uint64(0); j < ncons; j++ {
			var c StreamConsumer
			if c.Name, err = d.readString(); err != nil {
				return err
			}
			if c.SeenTime, err = d.readMsTime(); err != nil {
				return err
			}
			if t >= TypeStreamListpack3 {
				if _, err = d.readMsTime(); err != nil { // active time
					return err
				}
			}
			n, err := d.readLen()
			if err != nil {
				return err
			}
			for k := uint64(0); k < n; k++ {
				id, err := d.readRawID()
				if err != nil {
					return err
				}
				c.Pending = append(c.Pending, id)
			}
			g.Consumers = append(g.Consumers, c)
		}
		s.Groups = append(s.Groups, g)
	}
	return nil
}

// streamNode decodes the live entries of one node's listpack.
func (d *Decoder) streamNode(master StreamID, lp []byte, out []StreamEntry) ([]StreamEntry, error) {
	bad := func() ([]StreamEntry, error) { return out, d.corrupt("Stream listpack integrity check failed.") }
	it, _, ok := newLPIter(lp)
	if !ok {
		return bad()
	}
	next := func() (s []byte, n int64, isInt, ok bool) {
		s, n, isInt, done, ok := it.next()
		if !ok || done {
			return nil, 0, false, false
		}
		return s, n, isInt, true
	}
	nextInt := func() (int64, bool) {
		s, n, isInt, ok := next()
		if !ok {
			return 0, false
		}
		if !isInt {
			x, err := strconv.ParseInt(string(s), 10, 64)
			return x, err == nil
		}
		return n, true
	}
	nextStr := func() ([]byte, bool) {
		s, n, isInt, ok := next()
		if !ok {
			return nil, false
		}
		if isInt {
			return d.appendInt(n), true
		}
		return s, true
	}
	count, ok1 := nextInt()
	_, ok2 := nextInt()
	nmaster, ok3 := nextInt()
	if !ok1 || !ok2 || !ok3 || nmaster < 0 || count < 0 {
		return bad()
	}
	masterFields := make([][]byte, 0, min(nmaster, 1024))
	for i := int64(0); i < nmaster; i++ {
		f, ok := nextStr()
		if !ok {
			return bad()
		}
		masterFields = append(masterFields, f)
	}
	if z, ok := nextInt(); !ok || z != 0 {
		return bad()
	}
	live := int64(0)
	for {
		if _, _, _, done, _ := it.peekDone(); done {
			break
		}
		flags, ok1 := nextInt()
		msd, ok2 := nextInt()
		seqd, ok3 := nextInt()
		if !ok1 || !ok2 || !ok3 {
			return bad()
		}
		id := StreamID{master.Ms + uint64(msd), master.Seq + uint64(seqd)}
		var fields [][]byte
		if flags&streamFlagSameFields != 0 {
			fields = make([][]byte, 0, 2*len(masterFields))
			for _, f := range masterFields {
				val, ok := nextStr()
				if !ok {
					return bad()
				}
				fields = append(fields, f, val)
			}
		} else {
			n, ok := nextInt()
			if !ok || n < 0 {
				return bad()
			}
			fields = make([][]byte, 0, min(2*n, 1024))
			for i := int64(0); i < 2*n; i++ {
				f, ok := nextStr()
				if !ok {
					return bad()
				}
				fields = append(fields, f)
			}
		}
		if _, ok := nextInt(); !ok { // lp-count
			return bad()
		}
		if flags&streamFlagDeleted == 0 {
			out = append(out, StreamEntry{ID: id, Fields: fields})
			live++
		}
	}
	if live != count {
		return bad()
	}
	return out, nil
}

// peekDone reports whether the iterator is at the listpack's terminator.
func (it *lpIter) peekDone() (s []byte, v int64, isInt, done, ok bool) {
	return nil, 0, false, it.off >= len(it.b)-1, true
}

// ---- encoding ----

// Raw writes bytes as they are.
func (e *Encoder) Raw(p []byte) { e.buf = append(e.buf, p...) }

// MsTime writes a time in milliseconds as 8 little-endian bytes.
func (e *Encoder) MsTime(ms int64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(ms))
}

// RawID writes a stream ID as 16 big-endian bytes.
func (e *Encoder) RawID(id StreamID) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, id.Ms)
	e.buf = binary.BigEndian.AppendUint64(e.buf, id.Seq)
}

// ID writes a stream ID as two lengths.
func (e *Encoder) ID(id StreamID) {
	e.Len(id.Ms)
	e.Len(id.Seq)
}

// StreamNode builds the listpack of one stream node holding entries (at
// least one), whose master ID is master, into lp: the first entry's
// fields are the master fields.
func StreamNode(lp *Listpack, master StreamID, entries []StreamEntry) []byte {
	lp.Reset()
	masterFields := entries[0].Fields
	lp.AppendInt(int64(len(entries)))
	lp.AppendInt(0)
	lp.AppendInt(int64(len(masterFields) / 2))
	for i := 0; i < len(masterFields); i += 2 {
		lp.Append(masterFields[i])
	}
	lp.AppendInt(0)
	for _, en := range entries {
		same := len(en.Fields) == len(masterFields)
		for i := 0; same && i < len(en.Fields); i += 2 {
			same = bytes.Equal(en.Fields[i], masterFields[i])
		}
		n := len(en.Fields) / 2
		if same {
			lp.AppendInt(streamFlagSameFields)
		} else {
			lp.AppendInt(0)
		}
		lp.AppendInt(int64(en.ID.Ms - master.Ms))
		lp.AppendInt(int64(en.ID.Seq - master.Seq))
		if same {
			for i := 1; i < len(en.Fields); i += 2 {
				lp.Append(en.Fields[i])
			}
			lp.AppendInt(int64(n + 3))
		} else {
			lp.AppendInt(int64(n))
			for _, f := range en.Fields {
				lp.Append(f)
			}
			lp.AppendInt(int64(2*n + 4))
		}
	}
	return lp.Bytes()
}
