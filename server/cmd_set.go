package server

import (
	"bytes"
	"math"
	"slices"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
)

var setCommands = []*Command{
	{Name: "sadd", Proc: saddCommand},
	{Name: "srem", Proc: sremCommand},
	{Name: "scard", Proc: scardCommand},
	{Name: "sismember", Proc: sismemberCommand},
	{Name: "smismember", Proc: smismemberCommand},
	{Name: "smembers", Proc: sinterCommand},
	{Name: "spop", Proc: spopCommand},
	{Name: "srandmember", Proc: srandmemberCommand},
	{Name: "smove", Proc: smoveCommand},
	{Name: "sinter", Proc: sinterCommand},
	{Name: "sintercard", Proc: sintercardCommand, GetKeys: numkeysFirstKeys},
	{Name: "sinterstore", Proc: sinterstoreCommand},
	{Name: "sunion", Proc: sunionCommand},
	{Name: "sunionstore", Proc: sunionstoreCommand},
	{Name: "sdiff", Proc: sdiffCommand},
	{Name: "sdiffstore", Proc: sdiffstoreCommand},
	{Name: "sscan", Proc: sscanCommand},
}

// maxIntset returns set-max-intset-entries.
func (c *Ctx) maxIntset() int64 { return c.cfg.SetMaxIntsetEntries }

// replyMember replies one member as a bulk string.
func (c *Ctx) replyMember(m []byte) { c.replyBulk(m) }

// deferLen marks where a collection reply of a length not yet known starts;
// insertSetLen (or insertHeader) later inserts its header there, like
// Redis's addReplyDeferredLen.
func (c *Ctx) deferLen() int { return len(c.buf()) }

// insertSetLen inserts a set header for n elements at mark.
func (c *Ctx) insertSetLen(mark, n int) {
	var tmp [24]byte
	c.insertHeader(mark, resp.AppendSet(tmp[:0], c.proto, n))
}

// insertHeader inserts the reply header h at mark, moving what follows.
func (c *Ctx) insertHeader(mark int, h []byte) {
	end := len(c.out)
	c.out = append(c.out, h...)
	copy(c.out[mark+len(h):], c.out[mark:end])
	copy(c.out[mark:], h)
}

// ---- SADD, SREM, SCARD, SISMEMBER, SMISMEMBER ----

func saddCommand(c *Ctx) {
	key := c.argv[1]
	e, found, ok := c.lookupTypeWrite(key, store.TypeSet)
	if !ok {
		return
	}
	s := e.Set()
	if !found {
		s = store.NewSet()
		c.db.StoreSet(key, s, c.now)
	}
	limit := c.maxIntset()
	var added int64
	for _, m := range c.argv[2:] {
		if s.Add(m, limit) {
			added++
		}
	}
	if added > 0 {
		c.notify(notifySet, "sadd", key)
	} else {
		c.noChange()
	}
	c.replyInt(added)
}

func sremCommand(c *Ctx) {
	key := c.argv[1]
	e, found, ok := c.lookupTypeWrite(key, store.TypeSet)
	if !ok {
		return
	}
	if !found {
		c.noChange()
		c.replyInt(0)
		return
	}
	s := e.Set()
	var removed int64
	for _, m := range c.argv[2:] {
		if s.Remove(m) {
			removed++
			if s.Len() == 0 {
				c.db.Delete(key, c.now)
				break
			}
		}
	}
	if removed == 0 {
		c.noChange()
	} else {
		c.notify(notifySet, "srem", key)
		if s.Len() == 0 {
			c.notify(notifyGeneric, "del", key)
		}
	}
	c.replyInt(removed)
}

func scardCommand(c *Ctx) {
	e, found, ok := c.lookupType(c.argv[1], store.TypeSet)
	if !ok {
		return
	}
	if !found {
		c.replyInt(0)
		return
	}
	c.replyInt(int64(e.Set().Len()))
}

func sismemberCommand(c *Ctx) {
	e, found, ok := c.lookupType(c.argv[1], store.TypeSet)
	if !ok {
		return
	}
	if found && e.Set().Has(c.argv[2]) {
		c.replyInt(1)
		return
	}
	c.replyInt(0)
}

// smismemberCommand answers a zero for every member of a missing key.
func smismemberCommand(c *Ctx) {
	e, found, ok := c.lookupType(c.argv[1], store.TypeSet)
	if !ok {
		return
	}
	c.replyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		if found && e.Set().Has(m) {
			c.replyInt(1)
		} else {
			c.replyInt(0)
		}
	}
}

// ---- SPOP, SRANDMEMBER ----

// spopMoveMul is Redis's SPOP_MOVE_STRATEGY_MUL: when what SPOP leaves is
// less than count/spopMoveMul, the members kept are moved to a new set
// instead of the popped ones being removed one by one.
const spopMoveMul = 5

func spopCommand(c *Ctx) {
	switch len(c.argv) {
	case 3:
		spopWithCount(c)
		return
	case 2:
	default:
		c.replyError(errSyntax)
		return
	}
	key := c.argv[1]
	e, found, ok := c.lookupTypeWrite(key, store.TypeSet)
	if !ok {
		return
	}
	if !found {
		c.noChange()
		c.replyNull()
		return
	}
	s := e.Set()
	var buf [num.MaxInt64Len]byte
	m := s.PopRandom(buf[:0])
	c.notify(notifySet, "spop", key)
	c.replyMember(m)
	c.propagate(bSREM, key, m) // the member chosen, as Redis propagates SPOP
	if s.Len() == 0 {
		c.db.Delete(key, c.now)
		c.notify(notifyGeneric, "del", key)
	}
}

// sremBatch propagates the members an SPOP with a count removes as SREMs
// of up to 1024 members each, as Redis does.
type sremBatch struct {
	c    *Ctx
	argv [][]byte
}

func (b *sremBatch) add(m []byte) {
	if !b.c.propagating() {
		b.c.rewritten = true
		return
	}
	if b.argv == nil {
		b.argv = [][]byte{bSREM, b.c.argv[1]}
	}
	b.argv = append(b.argv, append([]byte(nil), m...))
	if len(b.argv) == 2+1024 {
		b.flush()
	}
}

func (b *sremBatch) flush() {
	if len(b.argv) > 2 {
		b.c.propagate(b.argv...)
		b.argv = b.argv[:2]
	}
}

// spopWithCount serves SPOP key count. Popping the whole set replies it in
// its order (ascending for an intset) and deletes the key. Popping most of
// it builds a new set of the members kept, as Redis does, so a hashtable
// left with few integers becomes an intset again.
func spopWithCount(c *Ctx) {
	n, ok := c.positiveArg(c.argv[2])
	if !ok {
		return
	}
	key := c.argv[1]
	e, found, ok := c.lookupTypeWrite(key, store.TypeSet)
	if !ok {
		return
	}
	if !found || n == 0 {
		c.noChange()
		c.replySet(0)
		return
	}
	s := e.Set()
	size := int64(s.Len())
	c.notify(notifySet, "spop", key)
	if n >= size {
		// Redis replies through SUNION of the key: look it up again and
		// reply the members in the order the union would give them.
		c.lookupRead(key)
		replyAsNewSet(c, s)
		c.db.Delete(key, c.now)
		c.notify(notifyGeneric, "del", key)
		c.propagateDel(key)
		return
	}
	count := int(n)
	remaining := int(size - n)
	c.replySet(count)
	var buf [num.MaxInt64Len]byte
	batch := sremBatch{c: c}
	if remaining*spopMoveMul > count {
		for i := 0; i < count; i++ {
			m := s.PopRandom(buf[:0])
			c.replyMember(m)
			batch.add(m)
		}
		batch.flush()
		return
	}
	kept := store.NewSet()
	limit := c.maxIntset()
	for i := 0; i < remaining; i++ {
		kept.Add(s.PopRandom(buf[:0]), limit)
	}
	s.Range(func(m []byte) bool { c.replyMember(m); batch.add(m); return true })
	batch.flush()
	s.Replace(kept)
}

// replyAsNewSet replies the members of s as a set, in the order a new set
// built from them would have: ascending if they all are integers and few
// enough for an intset, else s's own order.
func replyAsNewSet(c *Ctx, s *store.Set) {
	if s.IsIntset() || int64(s.Len()) > c.maxIntset() {
		replyWholeSet(c, s, true)
		return
	}
	ints := make([]int64, 0, s.Len())
	s.Range(func(m []byte) bool {
		v, ok := num.ParseInt(m)
		if ok {
			ints = append(ints, v)
		}
		return ok
	})
	if len(ints) < s.Len() {
		replyWholeSet(c, s, true)
		return
	}
	slices.Sort(ints)
	c.replySet(len(ints))
	for _, v := range ints {
		c.replyBulkInt(v)
	}
}

// replyWholeSet replies every member of s in its order, as a set or an array.
func replyWholeSet(c *Ctx, s *store.Set, asSet bool) {
	if asSet {
		c.replySet(s.Len())
	} else {
		c.replyArray(s.Len())
	}
	if s.IsIntset() {
		for i, n := 0, s.Len(); i < n; i++ {
			c.replyBulkInt(s.IntAt(i))
		}
		return
	}
	s.Range(func(m []byte) bool { c.replyMember(m); return true })
}

func srandmemberCommand(c *Ctx) {
	switch len(c.argv) {
	case 3:
		srandmemberWithCount(c)
		return
	case 2:
	default:
		c.replyError(errSyntax)
		return
	}
	e, found, ok := c.lookupType(c.argv[1], store.TypeSet)
	if !ok {
		return
	}
	if !found {
		c.replyNull()
		return
	}
	var buf [num.MaxInt64Len]byte
	c.replyMember(e.Set().Random(buf[:0]))
}

// srandmemberWithCount serves SRANDMEMBER key count: a negative count
// allows repeats; a positive one asks for distinct members, the whole set
// (in its order) if it has no more than count.
func srandmemberWithCount(c *Ctx) {
	n, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.replyError(errRandCountRange)
		return
	}
	e, found, ok := c.lookupType(c.argv[1], store.TypeSet)
	if !ok {
		return
	}
	if !found || n == 0 {
		c.replyArray(0)
		return
	}
	s := e.Set()
	size := s.Len()
	var buf [num.MaxInt64Len]byte
	if n < 0 || n == 1 {
		count := n
		if count < 0 {
			count = -count
		}
		c.replyArray(int(count))
		for i := int64(0); i < count; i++ {
			c.replyMember(s.Random(buf[:0]))
			// Like Redis, stop building a huge reply once the client is
			// over its output buffer limit: it is closed after the command.
			if i&1023 == 1023 && c.overLimit() {
				break
			}
		}
		return
	}
	if n >= int64(size) {
		replyWholeSet(c, s, false)
		return
	}
	count := int(n)
	c.replyArray(count)
	s.Sample(count, c.replyMember)
}

// ---- SMOVE ----

// smoveCommand moves a member between sets. A missing source answers 0
// before any type check of the destination; moving within one set only
// reports membership.
func smoveCommand(c *Ctx) {
	src, dst, m := c.argv[1], c.argv[2], c.argv[3]
	se, sfound := c.lookupWrite(src)
	de, dfound := c.lookupWrite(dst)
	if !sfound {
		c.noChange()
		c.replyInt(0)
		return
	}
	if se.Type() != store.TypeSet || dfound && de.Type() != store.TypeSet {
		c.replyError(errWrongType)
		return
	}
	ss := se.Set()
	if bytes.Equal(src, dst) {
		c.noChange()
		if ss.Has(m) {
			c.replyInt(1)
		} else {
			c.replyInt(0)
		}
		return
	}
	if !ss.Remove(m) {
		c.noChange()
		c.replyInt(0)
		return
	}
	now := c.now
	c.notify(notifySet, "srem", src)
	if ss.Len() == 0 {
		c.db.Delete(src, now)
		c.notify(notifyGeneric, "del", src)
	}
	var ds *store.Set
	if dfound {
		ds = de.Set()
	} else {
		ds = store.NewSet()
		c.db.StoreSet(dst, ds, now)
	}
	c.touched(c.dbIndex, src)
	if ds.Add(m, c.maxIntset()) {
		c.touched(c.dbIndex, dst) // only if the member was not there
		c.notify(notifySet, "sadd", dst)
	}
	c.replyInt(1)
}

// ---- SINTER, SINTERCARD, SINTERSTORE, SMEMBERS ----

// lookupSets finds the sets named by keys for reading, appending them to
// sets: nil for a missing key. It replies WRONGTYPE and returns ok == false
// if any key holds another type, having looked all the keys up before it,
// like Redis.
func lookupSets(c *Ctx, keys [][]byte, sets []*store.Set) (_ []*store.Set, missing int, ok bool) {
	for _, key := range keys {
		e, found, ok := c.lookupType(key, store.TypeSet)
		if !ok {
			return nil, 0, false
		}
		if !found {
			missing++
		}
		sets = append(sets, e.Set())
	}
	return sets, missing, true
}

// sortSetsBySize orders sets by size, keeping sets of equal size in their
// order (stable, as glibc's qsort, which Redis uses, is), smallest first or
// largest first.
func sortSetsBySize(sets []*store.Set, largestFirst bool) {
	for i := 1; i < len(sets); i++ {
		for j := i; j > 0; j-- {
			a, b := sets[j-1].Len(), sets[j].Len()
			if largestFirst {
				a, b = b, a
			}
			if a <= b {
				break
			}
			sets[j-1], sets[j] = sets[j], sets[j-1]
		}
	}
}

// interMode says what sinterGeneric does with the intersection.
type interMode uint8

const (
	interReply interMode = iota // reply it as a set (SINTER, SMEMBERS)
	interCard                   // reply its size (SINTERCARD)
	interStore                  // store it (SINTERSTORE)
)

// sinterGeneric intersects the sets at keys by visiting the smallest (the
// first of the smallest, as Redis's sort keeps ties in order) and probing
// the others, so an intset-encoded smallest set yields ascending integers.
// A missing key is an empty set. limit stops SINTERCARD early (0: none).
func sinterGeneric(c *Ctx, keys [][]byte, mode interMode, dst []byte, limit int64) {
	var arr [8]*store.Set
	sets, missing, ok := lookupSets(c, keys, arr[:0])
	if !ok {
		return
	}
	if missing > 0 {
		switch mode {
		case interStore:
			if c.db.Delete(dst, c.now) {
				c.notify(notifyGeneric, "del", dst)
			} else {
				c.noChange()
			}
			c.replyInt(0)
		case interCard:
			c.replyInt(0)
		default:
			c.replySet(0)
		}
		return
	}
	sortSetsBySize(sets, false)
	first := sets[0]
	// Probe each other set once, even if named twice.
	others := sets[1:1]
	for _, s := range sets[1:] {
		if s != first && !slices.Contains(others, s) {
			others = append(others, s)
		}
	}
	if mode == interReply && len(others) == 0 {
		replyWholeSet(c, first, true)
		return
	}
	var card int64
	var out *store.Set
	mark := 0
	switch mode {
	case interStore:
		out = store.NewSet()
	case interReply:
		mark = c.deferLen()
	}
	limitOut := c.maxIntset()
	// found records a member of the intersection and reports whether to go on.
	found := func() bool {
		card++
		return mode != interCard || limit == 0 || card < limit
	}
	if first.IsIntset() {
	ints:
		for i, n := 0, first.Len(); i < n; i++ {
			v := first.IntAt(i)
			for _, s := range others {
				if !s.HasInt(v) {
					continue ints
				}
			}
			switch mode {
			case interStore:
				out.AddInt(v, limitOut)
			case interReply:
				c.replyBulkInt(v)
			}
			if !found() {
				break
			}
		}
	} else {
		first.Range(func(m []byte) bool {
			for _, s := range others {
				if !s.Has(m) {
					return true
				}
			}
			switch mode {
			case interStore:
				out.Add(m, limitOut)
			case interReply:
				c.replyMember(m)
			}
			return found()
		})
	}
	switch mode {
	case interCard:
		c.replyInt(card)
	case interStore:
		storeResult(c, dst, out, "sinterstore", false)
	default:
		c.insertSetLen(mark, int(card))
	}
}

// storeResult stores a *STORE command's result under dst, replacing any
// value and deadline, or deletes dst if the result is empty, and replies
// the result's size.
// event is the keyspace event of a stored result, emitted after the reply
// if replyFirst (SUNIONSTORE and SDIFFSTORE, as in Redis).
func storeResult(c *Ctx, dst []byte, s *store.Set, event string, replyFirst bool) {
	now := c.now
	if replyFirst {
		c.replyInt(int64(s.Len()))
	}
	if s.Len() == 0 {
		if c.db.Delete(dst, now) {
			c.notify(notifyGeneric, "del", dst)
		} else {
			c.noChange()
		}
	} else {
		c.db.StoreSet(dst, s, now)
		c.notify(notifySet, event, dst)
	}
	if !replyFirst {
		c.replyInt(int64(s.Len()))
	}
}

// sinterCommand serves SINTER and SMEMBERS (one key), as Redis 7.0 does.
func sinterCommand(c *Ctx) { sinterGeneric(c, c.argv[1:], interReply, nil, 0) }

func sinterstoreCommand(c *Ctx) { sinterGeneric(c, c.argv[2:], interStore, c.argv[1], 0) }

// sintercardArgs parses SINTERCARD's numkeys and LIMIT, replying an error
// and returning ok == false if they are invalid.
func sintercardArgs(c *Ctx) (numkeys, limit int64, ok bool) {
	if numkeys, ok = c.rangeArg(c.argv[1], 1, math.MaxInt64, errNumkeys); !ok {
		return 0, 0, false
	}
	if numkeys > int64(len(c.argv)-2) {
		c.replyError(errNumkeysArgs)
		return 0, 0, false
	}
	for j := 2 + int(numkeys); j < len(c.argv); j++ {
		if isOpt(c.argv[j], "limit") && j+1 < len(c.argv) {
			j++
			if limit, ok = c.rangeArg(c.argv[j], 0, math.MaxInt64, errLimitNegative); !ok {
				return 0, 0, false
			}
			continue
		}
		c.replyError(errSyntax)
		return 0, 0, false
	}
	return numkeys, limit, true
}

func sintercardCommand(c *Ctx) {
	numkeys, limit, ok := sintercardArgs(c)
	if !ok {
		return
	}
	sinterGeneric(c, c.argv[2:2+numkeys], interCard, nil, limit)
}

// ---- SUNION, SDIFF and their STORE forms ----

// sunionGeneric builds the union into a new set, which starts as an intset
// as in Redis, so that a result of few integers comes out ascending.
func sunionGeneric(c *Ctx, keys [][]byte) (*store.Set, bool) {
	var arr [8]*store.Set
	sets, _, ok := lookupSets(c, keys, arr[:0])
	if !ok {
		return nil, false
	}
	out := store.NewSet()
	limit := c.maxIntset()
	for _, s := range sets {
		if s == nil {
			continue
		}
		s.Range(func(m []byte) bool { out.Add(m, limit); return true })
	}
	return out, true
}

// sdiffGeneric builds the members of the first set that are in none of the
// others into a new set. The same set named twice, first and later, gives
// an empty result.
func sdiffGeneric(c *Ctx, keys [][]byte) (*store.Set, bool) {
	var arr [8]*store.Set
	sets, _, ok := lookupSets(c, keys, arr[:0])
	if !ok {
		return nil, false
	}
	out := store.NewSet()
	first := sets[0]
	if first == nil {
		return out, true
	}
	others := sets[1:1]
	for _, s := range sets[1:] {
		if s == first {
			return out, true
		}
		if s != nil {
			others = append(others, s)
		}
	}
	// Probe the larger sets first: they are the likelier to hold a member.
	sortSetsBySize(others, true)
	limit := c.maxIntset()
	first.Range(func(m []byte) bool {
		for _, s := range others {
			if s.Has(m) {
				return true
			}
		}
		out.Add(m, limit)
		return true
	})
	return out, true
}

func sunionCommand(c *Ctx) {
	if s, ok := sunionGeneric(c, c.argv[1:]); ok {
		replyWholeSet(c, s, true)
	}
}

func sunionstoreCommand(c *Ctx) {
	if s, ok := sunionGeneric(c, c.argv[2:]); ok {
		storeResult(c, c.argv[1], s, "sunionstore", true)
	}
}

func sdiffCommand(c *Ctx) {
	if s, ok := sdiffGeneric(c, c.argv[1:]); ok {
		replyWholeSet(c, s, true)
	}
}

func sdiffstoreCommand(c *Ctx) {
	if s, ok := sdiffGeneric(c, c.argv[2:]); ok {
		storeResult(c, c.argv[1], s, "sdiffstore", true)
	}
}

// ---- SSCAN ----

// sscanCommand serves SSCAN with Redis's order of checks: the cursor, then
// the key (a missing key answers an empty scan whatever the options), then
// the options. An intset is returned whole with cursor 0; a hashtable is
// scanned with Redis's reverse-binary bucket cursor (see store.Set.Scan).
func sscanCommand(c *Ctx) {
	cursor, ok := parseScanCursor(c.argv[2])
	if !ok {
		c.replyError(errInvalidCursor)
		return
	}
	e, found, ok := c.lookupType(c.argv[1], store.TypeSet)
	if !ok {
		return
	}
	if !found {
		c.replyScanHeader(0, 0)
		return
	}
	o, ok := parseScanOpts(c, 3, false)
	if !ok {
		return
	}
	c.replyArray(2)
	mark := c.deferLen()
	n := 0
	next := e.Set().Scan(cursor, int(min(o.count, math.MaxInt32)), func(m []byte) {
		if o.pattern == nil || glob.MatchBytes(o.pattern, m) {
			c.replyMember(m)
			n++
		}
	})
	var tmp [48]byte
	c.insertHeader(mark, resp.AppendArray(resp.AppendBulkInt(tmp[:0], int64(next)), n))
}
