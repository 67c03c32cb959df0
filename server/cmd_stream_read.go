package server

import (
	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
)

// XREAD and XREADGROUP, and their blocking forms on the blocked-client
// machinery (blocking.go): a blocked reader waits on its stream keys; an
// XADD (or any write) to one makes it ready, and the readers whose stream
// now has entries past the ID they wait for are served, in the order they
// blocked. A reader of a group whose group is gone is answered -NOGROUP,
// and one whose key is gone (deleted, or replaced by another type)
// -UNBLOCKED, as Redis 7.0 does.

// xreadBlockedCount is the COUNT a blocked XREAD without one is served
// with (Redis's XREAD_BLOCKED_DEFAULT_COUNT).
const xreadBlockedCount = 1000

// streamWait is what a client blocked in XREAD or XREADGROUP waits for.
type streamWait struct {
	ids      []store.StreamID // per key of blockState.keys: serve entries past it
	group    []byte           // XREADGROUP's group and consumer (copies), nil for XREAD
	consumer []byte
	noack    bool
	count    int64
}

var maxID = store.MaxStreamID

func xreadCommand(c *Ctx)      { xreadGeneric(c, false) }
func xreadgroupCommand(c *Ctx) { xreadGeneric(c, true) }

func xreadGeneric(c *Ctx, xreadgroup bool) {
	argv := c.argv
	var deadline int64
	block := false
	count := int64(0)
	streamsArg := 0
	var group, consumer []byte
	noack := false
	for i := 1; i < len(argv); i++ {
		more := len(argv) - i - 1
		o := argv[i]
		switch {
		case isOpt(o, "block") && more > 0:
			i++
			d, ok := c.msTimeoutArg(argv[i])
			if !ok {
				return
			}
			deadline, block = d, true
		case isOpt(o, "count") && more > 0:
			i++
			n, ok := c.intArg(argv[i])
			if !ok {
				return
			}
			count = max(n, 0)
		case isOpt(o, "streams") && more > 0:
			streamsArg = i + 1
			if (len(argv)-streamsArg)%2 != 0 {
				sym, name := "$", "XREAD"
				if xreadgroup {
					sym, name = ">", "XREADGROUP"
				}
				c.replyError(errXReadUnbalanced(name, sym))
				return
			}
			i = len(argv)
		case isOpt(o, "group") && more >= 2:
			if !xreadgroup {
				c.replyError(errXReadGroupOpt)
				return
			}
			group, consumer = argv[i+1], argv[i+2]
			i += 2
		case isOpt(o, "noack"):
			if !xreadgroup {
				c.replyError(errXReadNoackOpt)
				return
			}
			noack = true
		default:
			c.replyError(errSyntax)
			return
		}
	}
	if streamsArg == 0 {
		c.replyError(errSyntax)
		return
	}
	if xreadgroup && group == nil {
		c.replyError(errXReadGroupMissing)
		return
	}
	n := (len(argv) - streamsArg) / 2
	keys := argv[streamsArg : streamsArg+n]
	// Arrays on the stack for a few streams: no allocation.
	var idBuf [8]store.StreamID
	var groupBuf [8]*store.StreamGroup
	ids := idBuf[:0]
	if n <= len(idBuf) {
		ids = idBuf[:n]
	} else {
		ids = make([]store.StreamID, n)
	}
	var groups []*store.StreamGroup
	if xreadgroup {
		if n <= len(groupBuf) {
			groups = groupBuf[:n]
		} else {
			groups = make([]*store.StreamGroup, n)
		}
	}
	for i := 0; i < n; i++ {
		key, arg := keys[i], argv[streamsArg+n+i]
		s, ok := c.lookupStream(key)
		if !ok {
			return
		}
		if xreadgroup {
			var g *store.StreamGroup
			if s != nil {
				g = s.Group(group)
			}
			if g == nil {
				c.replyError(errNoKeyOrGroup(string(cstr(key)), string(cstr(group))) + errXReadGroupSuffix)
				return
			}
			groups[i] = g
		}
		switch string(arg) {
		case "$":
			if xreadgroup {
				c.replyError(errXReadGroupDollar)
				return
			}
			if s != nil {
				ids[i] = s.LastID
			}
			continue
		case ">":
			if !xreadgroup {
				c.replyError(errXReadGreater)
				return
			}
			ids[i] = maxID
			continue
		}
		id, ok := c.strictIDArg(arg)
		if !ok {
			return
		}
		ids[i] = id
	}
	if xreadgroup {
		c.preventPropagation()
	}
	served := 0
	mark := c.deferLen()
	for i := 0; i < n; i++ {
		s, _ := c.lookupStream(keys[i])
		if s == nil {
			continue
		}
		gt := ids[i]
		serve, history := false, false
		var cons *store.StreamConsumer
		if xreadgroup {
			g := groups[i]
			if gt != maxID {
				serve, history = true, true
			} else if s.Len() > 0 {
				if last, _ := s.Last(); g.LastID.Less(last) {
					serve = true
					gt = g.LastID
				}
			}
		} else if s.Len() > 0 {
			if last, _ := s.Last(); gt.Less(last) {
				serve = true
			}
		}
		if !serve {
			continue
		}
		if xreadgroup {
			cons = c.consumerFor(keys[i], group, groups[i], consumer)
		}
		served++
		if c.proto == 2 {
			c.replyArray(2)
		}
		c.replyBulk(keys[i])
		var g *store.StreamGroup
		if groups != nil {
			g = groups[i]
		}
		c.replyStreamRead(keys[i], group, s, g, cons, gt, count, noack, history)
	}
	if served > 0 {
		var tmp [24]byte
		if c.proto == 2 {
			c.insertHeader(mark, resp.AppendArray(tmp[:0], served))
		} else {
			c.insertHeader(mark, resp.AppendMap(tmp[:0], 3, served))
		}
		return
	}
	if !block || c.denyBlocking {
		c.replyNullArray()
		return
	}
	b := c.block(blockStream, opXRead, keys, deadline)
	w := b.xs
	if w == nil {
		w = &streamWait{}
		b.xs = w
	}
	w.ids = w.ids[:0]
	for _, dk := range b.keys {
		for i, k := range keys {
			if string(k) == dk.key {
				w.ids = append(w.ids, ids[i])
				break
			}
		}
	}
	w.group, w.consumer, w.noack = nil, nil, noack
	if xreadgroup {
		w.group = append([]byte(nil), group...)
		w.consumer = append([]byte(nil), consumer...)
	}
	w.count = count
	if w.count == 0 {
		w.count = xreadBlockedCount
	}
}

// replyStreamRead replies the entries of s past gt for XREAD, or for
// XREADGROUP (g set): new entries, recorded as pending for cons unless
// noack, or with history the consumer's own pending entries.
func (c *Ctx) replyStreamRead(key, group []byte, s *store.Stream, g *store.StreamGroup, cons *store.StreamConsumer,
	gt store.StreamID, count int64, noack, history bool) {
	start, ok := gt.Incr()
	mark := c.deferLen()
	n := int64(0)
	if !ok {
		c.replyEmptyArray()
		return
	}
	if g != nil && history {
		cons.AscendPending(start, func(p *store.StreamPending) bool {
			if count != 0 && n >= count {
				return false
			}
			if f, ok := s.Get(p.ID); ok {
				c.replyStreamEntry(p.ID, f)
				p.DeliveryTime = c.now
				p.DeliveryCount++
			} else {
				c.replyArray(2)
				c.replyStreamID(p.ID)
				c.replyNullArray()
			}
			n++
			return true
		})
		var tmp [24]byte
		c.insertHeader(mark, resp.AppendArray(tmp[:0], int(n)))
		return
	}
	moved := false
	var ids *[]store.StreamID
	if g != nil {
		ids = &c.srv.streamDelivered
		*ids = (*ids)[:0]
	}
	n = c.streamEntries(s, start, store.MaxStreamID, count, false, ids)
	var delivered []store.StreamID
	if ids != nil {
		delivered = *ids
	}
	var tmp [24]byte
	c.insertHeader(mark, resp.AppendArray(tmp[:0], int(n)))
	for _, id := range delivered {
		if s.Delivered(g, id) {
			moved = true
		}
		if !noack {
			p := g.AddPending(id, cons, c.now)
			c.propagateXClaim(key, group, g, id, p)
		}
	}
	if moved {
		c.propagateGroupID(key, group, g)
	}
}

// serveStreamKey serves the clients blocked in XREAD or XREADGROUP on a
// ready key: e is what the key holds (found false if nothing).
func (s *Server) serveStreamKey(q *waitQueue, key []byte, e store.Entry, found bool) {
	var st *store.Stream
	if found && e.Type() == store.TypeStream {
		st = e.Stream()
	}
	for w := q.head; w != nil; {
		next := w.next
		cl := w.c
		if cl.blk.kind == blockStream {
			s.serveStreamClient(cl, key, st)
		}
		w = next
	}
}

// serveStreamClient serves one blocked reader if its stream has what it
// waits for (or answers the error of a group or key gone).
func (s *Server) serveStreamClient(cl *Client, key []byte, st *store.Stream) {
	b := cl.blk
	w := b.xs
	idx := -1
	for i, dk := range b.keys {
		if dk.key == string(key) {
			idx = i
			break
		}
	}
	if idx < 0 {
		return
	}
	x := &cl.Ctx
	mark := len(cl.out)
	if w.group != nil && st == nil {
		x.replyError(errStreamKeyGone)
		s.slowlogUnblocked(cl, true) // statistics and slow log: slowlog.go
		s.unblocked(cl, mark)
		return
	}
	if st == nil {
		return
	}
	var g *store.StreamGroup
	gt := w.ids[idx]
	if w.group != nil {
		if g = st.Group(w.group); g == nil {
			x.replyError(errStreamGroupGone)
			if b.cmd != nil {
				b.cmd.failed++
			}
			s.slowlogUnblocked(cl, true)
			s.unblocked(cl, mark)
			return
		}
		gt = g.LastID
	}
	// Redis serves a reader when the stream's last ID passed its own; it
	// only looks after XADD, XGROUP DESTROY or the key's creation, which
	// kvd does not tell from other writes (XSETID), so an entry past the
	// reader's ID is required as well.
	if last, ok := st.Last(); !ok || !gt.Less(st.LastID) || !gt.Less(last) {
		return
	}
	x.now = s.nowMs()
	s.lastNow = x.now
	x.errored, x.changes, x.rewritten = false, -1, false
	s.prop.enter()
	var cons *store.StreamConsumer
	if g != nil {
		cons = x.consumerFor(key, w.group, g, w.consumer)
	}
	if x.proto == 2 {
		x.replyArray(1)
		x.replyArray(2)
	} else {
		x.replyMap(1)
	}
	x.replyBulk(key)
	x.replyStreamRead(key, w.group, st, g, cons, gt, w.count, w.noack, false)
	s.prop.exit()
	s.slowlogUnblocked(cl, true)
	s.unblocked(cl, mark)
}

// hasGroupReaders reports whether a client blocked in XREADGROUP waits on q.
func (q *waitQueue) hasGroupReaders() bool {
	for w := q.head; w != nil; w = w.next {
		if w.c.blk.kind == blockStream && w.c.blk.xs != nil && w.c.blk.xs.group != nil {
			return true
		}
	}
	return false
}
