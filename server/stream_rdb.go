package server

import (
	"errors"
	"fmt"

	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// Streams in RDB files and DUMP payloads: written as Redis 7.0 writes them
// (type 19, STREAM_LISTPACKS_2, which 7.0.15 loads), one node per kvd block
// with the block's first live entry's fields as the master fields; read
// from types 15, 19 and 21.

func rdbID(id store.StreamID) rdb.StreamID { return rdb.StreamID{Ms: id.Ms, Seq: id.Seq} }

func storeID(id rdb.StreamID) store.StreamID { return store.StreamID{Ms: id.Ms, Seq: id.Seq} }

// writeStream writes a stream value.
func (w *rdbWriter) writeStream(s *store.Stream, key []byte, deadline int64) {
	e := w.enc
	e.BeginEntry(rdb.TypeStreamListpack2, key, deadline)
	e.Len(uint64(s.NonEmptyBlocks()))
	var lp rdb.Listpack
	var entries []rdb.StreamEntry
	var flat [][]byte
	s.ScanBlocks(func(master store.StreamID, walk func(func(store.StreamID, store.StreamFields))) {
		entries, flat = entries[:0], flat[:0]
		walk(func(id store.StreamID, f store.StreamFields) {
			start := len(flat)
			f.Each(func(b []byte) { flat = append(flat, b) })
			entries = append(entries, rdb.StreamEntry{ID: rdbID(id), Fields: flat[start:len(flat):len(flat)]})
		})
		var k [16]byte
		putBE(k[:8], master.Ms)
		putBE(k[8:], master.Seq)
		e.String(k[:])
		e.String(rdb.StreamNode(&lp, rdbID(master), entries))
	})
	e.Len(uint64(s.Len()))
	e.ID(rdbID(s.LastID))
	e.ID(rdbID(s.FirstID))
	e.ID(rdbID(s.MaxDeletedID))
	e.Len(uint64(s.EntriesAdded))
	names := s.GroupNames()
	e.Len(uint64(len(names)))
	for _, name := range names {
		g := s.Group([]byte(name))
		e.String([]byte(name))
		e.ID(rdbID(g.LastID))
		e.Len(uint64(g.EntriesRead))
		e.Len(uint64(g.PendingCount()))
		g.AscendPending(store.StreamID{}, func(p *store.StreamPending) bool {
			e.RawID(rdbID(p.ID))
			e.MsTime(p.DeliveryTime)
			e.Len(uint64(p.DeliveryCount))
			return true
		})
		cnames := g.ConsumerNames()
		e.Len(uint64(len(cnames)))
		for _, cn := range cnames {
			cons := g.Consumer([]byte(cn))
			e.String([]byte(cn))
			e.MsTime(cons.SeenTime)
			e.Len(uint64(cons.PendingCount()))
			cons.AscendPending(store.StreamID{}, func(p *store.StreamPending) bool {
				e.RawID(rdbID(p.ID))
				return true
			})
		}
	}
}

func putBE(b []byte, x uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(x)
		x >>= 8
	}
}

var errStreamLoad = errors.New("bad stream")

// loadStream builds a stream from a decoded value.
func (l *rdbLoader) loadStream(v *rdb.StreamValue) (*store.Stream, error) {
	s := store.NewStream()
	prev := store.StreamID{}
	for i, en := range v.Entries {
		id := storeID(en.ID)
		if i > 0 && !prev.Less(id) || len(en.Fields)%2 != 0 || len(en.Fields) == 0 {
			return nil, fmt.Errorf("stream entries out of order or malformed: %w", errStreamLoad)
		}
		prev = id
		s.Append(id, en.Fields, l.streamMaxBytes, l.streamMaxEntries)
	}
	if uint64(s.Len()) != v.Length || len(v.Entries) > 0 && storeID(v.LastID).Less(prev) {
		return nil, fmt.Errorf("stream length or last ID inconsistent: %w", errStreamLoad)
	}
	s.LastID = storeID(v.LastID)
	s.FirstID = storeID(v.FirstID)
	s.MaxDeletedID = storeID(v.MaxDeletedID)
	s.EntriesAdded = int64(v.EntriesAdded)
	for _, gv := range v.Groups {
		if s.Group(gv.Name) != nil {
			return nil, fmt.Errorf("Duplicated consumer group name: %w", errStreamLoad)
		}
		g := s.CreateGroup(string(gv.Name), storeID(gv.LastID), gv.EntriesRead)
		for _, nack := range gv.PEL {
			if g.Pending(storeID(nack.ID)) != nil {
				return nil, fmt.Errorf("Duplicated global PEL entry loading stream consumer group: %w", errStreamLoad)
			}
			p := g.AddPending(storeID(nack.ID), nil, nack.DeliveryTime)
			p.DeliveryCount = int64(nack.DeliveryCount)
		}
		for _, cv := range gv.Consumers {
			if g.Consumer(cv.Name) != nil {
				return nil, fmt.Errorf("Duplicate stream consumer detected: %w", errStreamLoad)
			}
			cons := g.CreateConsumer(string(cv.Name), cv.SeenTime)
			for _, id := range cv.Pending {
				p := g.Pending(storeID(id))
				if p == nil || p.Consumer != nil {
					return nil, fmt.Errorf("Consumer entry not found in group global PEL: %w", errStreamLoad)
				}
				g.Transfer(p, cons)
			}
		}
		bad := false
		g.AscendPending(store.StreamID{}, func(p *store.StreamPending) bool {
			bad = p.Consumer == nil
			return !bad
		})
		if bad {
			return nil, fmt.Errorf("Stream CG PEL entry without consumer: %w", errStreamLoad)
		}
	}
	return s, nil
}
