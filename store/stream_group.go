package store

// Consumer-group counters of Redis 7.0: a group's entries-read and lag,
// which stay exact while no entry at or after the group's position has
// been deleted, and are estimated (or unknown) otherwise.

// RangeHasTombstones reports whether an entry with an ID at or after start
// may have been deleted.
func (s *Stream) RangeHasTombstones(start StreamID) bool {
	if s.length == 0 || s.MaxDeletedID.IsZero() {
		return false
	}
	if s.MaxDeletedID.Less(s.FirstID) {
		return false
	}
	return !s.MaxDeletedID.Less(start)
}

// EstimateEntriesRead returns the number of entries added up to and
// including id, or -1 if it cannot be known.
func (s *Stream) EstimateEntriesRead(id StreamID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Compare(s.LastID) < 1 {
		return s.EntriesAdded
	}
	switch id.Compare(s.LastID) {
	case 0:
		return s.EntriesAdded
	case 1:
		return -1
	}
	cmpFirst := id.Compare(s.FirstID)
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Less(s.FirstID) {
		if cmpFirst < 0 {
			return s.EntriesAdded - s.length
		}
		if cmpFirst == 0 {
			return s.EntriesAdded - s.length + 1
		}
	}
	return -1
}

// Lag returns the number of entries not yet delivered to the group, and
// false if it cannot be known.
func (s *Stream) Lag(g *StreamGroup) (int64, bool) {
	if s.EntriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != -1 && !s.RangeHasTombstones(g.LastID) {
		return s.EntriesAdded - g.EntriesRead, true
	}
	if n := s.EstimateEntriesRead(g.LastID); n != -1 {
		return s.EntriesAdded - n, true
	}
	return 0, false
}

// Delivered moves the group's position to id, delivered by a read of new
// entries, when it is past the group's last ID, and reports whether it did.
func (s *Stream) Delivered(g *StreamGroup, id StreamID) bool {
	if !g.LastID.Less(id) {
		return false
	}
	if g.EntriesRead != -1 && !s.RangeHasTombstones(id) {
		g.EntriesRead++
	} else if s.EntriesAdded != 0 {
		g.EntriesRead = s.EstimateEntriesRead(id)
	}
	g.LastID = id
	return true
}

// RaxNodes returns the number of nodes a Redis radix tree keyed by the
// blocks' master IDs (16 big-endian bytes each) would have, for XINFO's
// radix-tree-nodes: a compressed node for each run of shared bytes, a
// branching node where keys part, and a leaf per key.
func (s *Stream) RaxNodes() int64 {
	keys := make([][16]byte, 0, s.blocks.Len())
	s.blocks.Scan(func(b *streamBlock) bool {
		var k [16]byte
		putBE64(k[:8], b.master.Ms)
		putBE64(k[8:], b.master.Seq)
		keys = append(keys, k)
		return true
	})
	if len(keys) == 0 {
		return 1
	}
	return raxCount(keys, 0)
}

func putBE64(b []byte, x uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(x)
		x >>= 8
	}
}

// raxCount counts the nodes from depth d of the sorted keys sharing their
// first d bytes: a compressed node for their common bytes, if any, and
// then the node where they part (or the leaf).
func raxCount(keys [][16]byte, d int) int64 {
	if d == 16 {
		return 1
	}
	first, last := keys[0], keys[len(keys)-1]
	lcp := d
	for lcp < 16 && first[lcp] == last[lcp] {
		lcp++
	}
	if lcp > d {
		return 1 + raxBranch(keys, lcp)
	}
	return raxBranch(keys, d)
}

// raxBranch counts the node at depth d where keys part (a leaf at 16).
func raxBranch(keys [][16]byte, d int) int64 {
	if d == 16 {
		return 1
	}
	n := int64(1)
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][d] == keys[i][d] {
			j++
		}
		n += raxCount(keys[i:j], d+1)
		i = j
	}
	return n
}
