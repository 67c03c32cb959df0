package server

import (
	"strconv"

	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
)

// Consumer groups: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO.

var xgroupHelp = []string{
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
}

var xinfoHelp = []string{
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
}

var (
	bXCLAIM         = []byte("XCLAIM")
	bXGROUP         = []byte("XGROUP")
	bSETID          = []byte("SETID")
	bCREATECONSUMER = []byte("CREATECONSUMER")
	bENTRIESREAD    = []byte("ENTRIESREAD")
	bTIME           = []byte("TIME")
	bRETRYCOUNT     = []byte("RETRYCOUNT")
	bFORCE          = []byte("FORCE")
	bJUSTID         = []byte("JUSTID")
	bLASTID         = []byte("LASTID")
	bZero           = []byte("0")
)

// noGroupError is the -NOGROUP reply of XPENDING, XCLAIM and XAUTOCLAIM.
func noGroupError(key, group []byte) string {
	return errNoKeyOrGroup(string(cstr(key)), string(cstr(group)))
}

// preventPropagation keeps a command that propagated its effects (or
// needs none) from being propagated itself.
func (c *Ctx) preventPropagation() { c.rewritten = true }

// propagateXClaim propagates a pending entry's state as Redis does:
// XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id.
func (c *Ctx) propagateXClaim(key, group []byte, g *store.StreamGroup, id store.StreamID, p *store.StreamPending) {
	if !c.propagating() {
		c.rewritten = true
		return
	}
	c.propagate(bXCLAIM, key, group, []byte(p.Consumer.Name), bZero, streamIDBytes(id),
		bTIME, strconv.AppendInt(nil, p.DeliveryTime, 10), bRETRYCOUNT, strconv.AppendInt(nil, p.DeliveryCount, 10),
		bFORCE, bJUSTID, bLASTID, streamIDBytes(g.LastID))
}

// propagateXClaimDeleted propagates the removal of a pending entry whose
// stream entry is gone: Redis sends the XCLAIM of the entry as it was,
// which the receiver turns into the same removal.
func (c *Ctx) propagateXClaimDeleted(key, group []byte, g *store.StreamGroup, p *store.StreamPending) {
	c.propagateXClaim(key, group, g, p.ID, p)
}

// propagateGroupID propagates a group's position: XGROUP SETID key group id ENTRIESREAD n.
func (c *Ctx) propagateGroupID(key, group []byte, g *store.StreamGroup) {
	if !c.propagating() {
		c.rewritten = true
		return
	}
	c.propagate(bXGROUP, bSETID, key, group, streamIDBytes(g.LastID), bENTRIESREAD, strconv.AppendInt(nil, g.EntriesRead, 10))
}

// consumerFor finds consumer name of g, creating it (with its notification
// and propagation) if needed, and marks it seen.
func (c *Ctx) consumerFor(key, group []byte, g *store.StreamGroup, name []byte) *store.StreamConsumer {
	if cons := g.Consumer(name); cons != nil {
		cons.SeenTime = c.now
		return cons
	}
	cons := g.CreateConsumer(string(name), c.now)
	c.notify(notifyStream, "xgroup-createconsumer", key)
	if c.propagating() {
		c.propagate(bXGROUP, bCREATECONSUMER, key, group, name)
	} else {
		c.rewritten = true
	}
	return cons
}

// ---- XGROUP ----

func xgroupCommand(c *Ctx) {
	argv := c.argv
	opt := argv[1]
	var s *store.Stream
	var g *store.StreamGroup
	mkstream := false
	entriesRead := int64(-1)
	if len(argv) >= 4 {
		if isOpt(opt, "create") && len(argv) >= 5 {
			for i := 5; i < len(argv); {
				switch {
				case isOpt(argv[i], "mkstream"):
					mkstream = true
					i++
				case isOpt(argv[i], "entriesread") && i+1 < len(argv):
					n, ok := c.intArg(argv[i+1])
					if !ok {
						return
					}
					if n < 0 && n != -1 {
						c.replyError(errEntriesRead)
						return
					}
					entriesRead = n
					i += 2
				default:
					c.subcommandSyntaxError()
					return
				}
			}
		}
		var ok bool
		s, ok = c.lookupStreamWrite(argv[2])
		if !ok {
			return
		}
		if !mkstream {
			if s == nil {
				c.replyError(errXGroupNoKey)
				return
			}
			g = s.Group(argv[3])
			if g == nil && (isOpt(opt, "setid") || isOpt(opt, "createconsumer") || isOpt(opt, "delconsumer")) {
				c.replyError(errNoSuchGroup(string(cstr(argv[3])), string(cstr(argv[2]))))
				return
			}
		} else if s != nil {
			g = s.Group(argv[3])
		}
	}
	var key []byte
	if len(argv) > 2 {
		key = argv[2]
	}
	switch {
	case len(argv) == 2 && isOpt(opt, "help"):
		c.replyHelpLines("XGROUP", xgroupHelp)
	case isOpt(opt, "create") && len(argv) >= 5 && len(argv) <= 8:
		var id store.StreamID
		if string(argv[4]) == "$" {
			if s != nil {
				id = s.LastID
			}
		} else {
			var ok bool
			if id, ok = c.strictIDArg(argv[4]); !ok {
				return
			}
		}
		if s == nil {
			s = store.NewStream()
			c.db.AddStream(key, s, c.now)
		}
		if g != nil {
			c.replyError(errBusyGroup)
			return
		}
		s.CreateGroup(string(argv[3]), id, entriesRead)
		c.replyOK()
		c.notify(notifyStream, "xgroup-create", key)
	case isOpt(opt, "setid") && (len(argv) == 5 || len(argv) == 7):
		var id store.StreamID
		if string(argv[4]) == "$" {
			id = s.LastID
		} else {
			var ok bool
			if id, ok = c.streamIDArg(argv[4], 0); !ok {
				return
			}
		}
		if len(argv) == 7 {
			if !isOpt(argv[5], "entriesread") {
				c.subcommandSyntaxError()
				return
			}
			n, ok := c.intArg(argv[6])
			if !ok {
				return
			}
			if n < 0 && n != -1 {
				c.replyError(errEntriesRead)
				return
			}
			entriesRead = n
		}
		g.LastID, g.EntriesRead = id, entriesRead
		c.replyOK()
		c.notify(notifyStream, "xgroup-setid", key)
	case isOpt(opt, "destroy") && len(argv) == 4:
		if g == nil {
			c.noChange()
			c.replyInt(0)
			return
		}
		s.DestroyGroup(argv[3])
		c.replyInt(1)
		c.notify(notifyStream, "xgroup-destroy", key)
	case isOpt(opt, "createconsumer") && len(argv) == 5:
		if g.Consumer(argv[4]) != nil {
			c.noChange()
			c.replyInt(0)
			return
		}
		g.CreateConsumer(string(argv[4]), c.now)
		c.notify(notifyStream, "xgroup-createconsumer", key)
		c.replyInt(1)
	case isOpt(opt, "delconsumer") && len(argv) == 5:
		cons := g.Consumer(argv[4])
		if cons == nil {
			c.noChange()
			c.replyInt(0)
			return
		}
		n := g.DeleteConsumer(cons)
		c.notify(notifyStream, "xgroup-delconsumer", key)
		c.replyInt(int64(n))
	default:
		c.subcommandSyntaxError()
	}
}

// ---- XACK ----

func xackCommand(c *Ctx) {
	s, ok := c.lookupStream(c.argv[1])
	if !ok {
		return
	}
	var g *store.StreamGroup
	if s != nil {
		g = s.Group(c.argv[2])
	}
	var buf [16]store.StreamID // no allocation for a few IDs
	ids := buf[:0]
	for _, a := range c.argv[3:] {
		id, ok := c.strictIDArg(a)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	if g == nil {
		c.noChange()
		c.replyInt(0)
		return
	}
	n := 0
	for _, id := range ids {
		if g.Ack(id) {
			n++
		}
	}
	if n == 0 {
		c.noChange()
	} else {
		c.setChanges(n)
	}
	c.replyInt(int64(n))
}

// ---- XPENDING ----

func xpendingCommand(c *Ctx) {
	argv := c.argv
	justInfo := len(argv) == 3
	if len(argv) != 3 && (len(argv) < 6 || len(argv) > 9) {
		c.replyError(errSyntax)
		return
	}
	var start, end store.StreamID
	var count, minIdle int64
	var consumerName []byte
	if len(argv) >= 6 {
		si := 3
		if isOpt(argv[3], "idle") {
			n, ok := c.intArg(argv[4])
			if !ok {
				return
			}
			minIdle = n
			if len(argv) < 8 {
				c.replyError(errSyntax)
				return
			}
			si += 2
		}
		n, ok := c.intArg(argv[si+2])
		if !ok {
			return
		}
		count = max(n, 0)
		if start, ok = c.rangeStartArg(argv[si]); !ok {
			return
		}
		if end, ok = c.rangeEndArg(argv[si+1]); !ok {
			return
		}
		if si+3 < len(argv) {
			consumerName = argv[si+3]
		}
	}
	s, ok := c.lookupStream(argv[1])
	if !ok {
		return
	}
	var g *store.StreamGroup
	if s != nil {
		g = s.Group(argv[2])
	}
	if g == nil {
		c.replyError(errNoKeyOrGroup(string(cstr(argv[1])), string(cstr(argv[2]))))
		return
	}
	if justInfo {
		c.replyArray(4)
		c.replyInt(int64(g.PendingCount()))
		lo, hi, ok := g.PendingBounds()
		if !ok {
			c.replyNull()
			c.replyNull()
			c.replyNullArray()
			return
		}
		c.replyStreamID(lo)
		c.replyStreamID(hi)
		names := g.ConsumerNames()
		mark := c.deferLen()
		n := 0
		for _, name := range names {
			cons := g.Consumer([]byte(name))
			if cons.PendingCount() == 0 {
				continue
			}
			c.replyArray(2)
			c.replyBulkString(name)
			c.replyBulkInt(int64(cons.PendingCount()))
			n++
		}
		var tmp [24]byte
		c.insertHeader(mark, resp.AppendArray(tmp[:0], n))
		return
	}
	var cons *store.StreamConsumer
	if consumerName != nil {
		if cons = g.Consumer(consumerName); cons == nil {
			c.replyEmptyArray()
			return
		}
	}
	mark := c.deferLen()
	n := 0
	emit := func(p *store.StreamPending) bool {
		if count == 0 || end.Less(p.ID) {
			return false
		}
		if minIdle != 0 && c.now-p.DeliveryTime < minIdle {
			return true
		}
		n++
		count--
		c.replyArray(4)
		c.replyStreamID(p.ID)
		c.replyBulkString(p.Consumer.Name)
		c.replyInt(max(c.now-p.DeliveryTime, 0))
		c.replyInt(p.DeliveryCount)
		return true
	}
	if cons != nil {
		cons.AscendPending(start, emit)
	} else {
		g.AscendPending(start, emit)
	}
	var tmp [24]byte
	c.insertHeader(mark, resp.AppendArray(tmp[:0], n))
}

// ---- XCLAIM, XAUTOCLAIM ----

func xclaimCommand(c *Ctx) {
	argv := c.argv
	key, group := argv[1], argv[2]
	s, ok := c.lookupStream(key)
	if !ok {
		return
	}
	var g *store.StreamGroup
	if s != nil {
		g = s.Group(group)
	}
	if g == nil {
		c.replyError(noGroupError(key, group))
		return
	}
	minIdle, ok := c.intArgMsg(argv[4], errXClaimMinIdle)
	if !ok {
		return
	}
	minIdle = max(minIdle, 0)
	j := 5
	for ; j < len(argv); j++ {
		if _, _, ok := parseStreamID(argv[j], 0, true, false); !ok {
			break
		}
	}
	lastIDArg := j - 1
	var lastID store.StreamID
	retry, delivery := int64(-1), int64(-1)
	force, justID := false, false
	for ; j < len(argv); j++ {
		more := len(argv) - 1 - j
		opt := argv[j]
		switch {
		case isOpt(opt, "force"):
			force = true
		case isOpt(opt, "justid"):
			justID = true
		case isOpt(opt, "idle") && more > 0:
			j++
			n, ok := c.intArgMsg(argv[j], errXClaimIdle)
			if !ok {
				return
			}
			delivery = c.now - n
		case isOpt(opt, "time") && more > 0:
			j++
			n, ok := c.intArgMsg(argv[j], errXClaimTime)
			if !ok {
				return
			}
			delivery = n
		case isOpt(opt, "retrycount") && more > 0:
			j++
			n, ok := c.intArgMsg(argv[j], errXClaimRetry)
			if !ok {
				return
			}
			retry = n
		case isOpt(opt, "lastid") && more > 0:
			j++
			id, ok := c.strictIDArg(argv[j])
			if !ok {
				return
			}
			lastID = id
		default:
			c.replyError(errXClaimOption(string(cstr(opt))))
			return
		}
	}
	changes := 0
	propagateLast := false
	if g.LastID.Less(lastID) {
		g.LastID = lastID
		propagateLast = true
	}
	if delivery != -1 {
		if delivery < 0 || delivery > c.now {
			delivery = c.now
		}
	} else {
		delivery = c.now
	}
	var cons *store.StreamConsumer
	mark := c.deferLen()
	n := 0
	for k := 5; k <= lastIDArg; k++ {
		id, _, _ := parseStreamID(argv[k], 0, true, false)
		p := g.Pending(id)
		f, exists := s.Get(id)
		if !exists {
			if p != nil {
				c.propagateXClaimDeleted(key, group, g, p)
				propagateLast = false
				changes++
				g.Ack(id)
			}
			continue
		}
		if force && p == nil {
			p = g.AddPending(id, nil, c.now)
		}
		if p == nil {
			continue
		}
		if p.Consumer != nil && minIdle != 0 && c.now-p.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = c.consumerFor(key, group, g, argv[3])
		}
		g.Transfer(p, cons)
		p.DeliveryTime = delivery
		if retry >= 0 {
			p.DeliveryCount = retry
		} else if !justID {
			p.DeliveryCount++
		}
		if justID {
			c.replyStreamID(id)
		} else {
			c.replyStreamEntry(id, f)
		}
		n++
		c.propagateXClaim(key, group, g, id, p)
		propagateLast = false
		changes++
	}
	if propagateLast {
		c.propagateGroupID(key, group, g)
		changes++
	}
	var tmp [24]byte
	c.insertHeader(mark, resp.AppendArray(tmp[:0], n))
	c.setChanges(changes)
	c.preventPropagation()
}

func xautoclaimCommand(c *Ctx) {
	argv := c.argv
	key, group := argv[1], argv[2]
	minIdle, ok := c.intArgMsg(argv[4], errXAutoclaimMinIdle)
	if !ok {
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.rangeStartArg(argv[5])
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case isOpt(argv[j], "count") && more > 0:
			n, ok := c.rangeArg(argv[j+1], 1, (1<<63-1)/16, errGeoCount)
			if !ok {
				return
			}
			count = n
			j++
		case isOpt(argv[j], "justid"):
			justID = true
		default:
			c.replyError(errSyntax)
			return
		}
	}
	s, ok := c.lookupStream(key)
	if !ok {
		return
	}
	var g *store.StreamGroup
	if s != nil {
		g = s.Group(group)
	}
	if g == nil {
		c.replyError(noGroupError(key, group))
		return
	}
	attempts := count * 10
	// The pending entries the scan may visit, and one more for the cursor.
	var cand []*store.StreamPending
	g.AscendPending(start, func(p *store.StreamPending) bool {
		cand = append(cand, p)
		return int64(len(cand)) <= attempts
	})
	var cons *store.StreamConsumer
	var deleted []store.StreamID
	changes := 0
	c.replyArray(3)
	cursorMark := c.deferLen()
	mark := c.deferLen()
	n := 0
	i := 0
	for attempts > 0 && count > 0 {
		attempts--
		if i >= len(cand) {
			break
		}
		p := cand[i]
		i++
		id := p.ID
		f, exists := s.Get(id)
		if !exists {
			c.propagateXClaimDeleted(key, group, g, p)
			changes++
			g.Ack(id)
			deleted = append(deleted, id)
			count--
			continue
		}
		if minIdle != 0 && c.now-p.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = c.consumerFor(key, group, g, argv[3])
		}
		g.Transfer(p, cons)
		p.DeliveryTime = c.now
		if !justID {
			p.DeliveryCount++
		}
		if justID {
			c.replyStreamID(id)
		} else {
			c.replyStreamEntry(id, f)
		}
		n++
		count--
		c.propagateXClaim(key, group, g, id, p)
		changes++
	}
	var cursor store.StreamID
	if i < len(cand) {
		cursor = cand[i].ID
	}
	var tmp [24]byte
	c.insertHeader(mark, resp.AppendArray(tmp[:0], n))
	var idb [48]byte
	c.insertHeader(cursorMark, resp.AppendBulk(tmp[:0], cursor.AppendTo(idb[:0])))
	c.replyArray(len(deleted))
	for _, id := range deleted {
		c.replyStreamID(id)
	}
	c.setChanges(changes)
	c.preventPropagation()
}

// ---- XINFO ----

func xinfoCommand(c *Ctx) {
	argv := c.argv
	if isOpt(argv[1], "help") {
		if len(argv) != 2 {
			c.subcommandSyntaxError()
			return
		}
		c.replyHelpLines("XINFO", xinfoHelp)
		return
	}
	if len(argv) < 3 {
		c.subcommandSyntaxError()
		return
	}
	key := argv[2]
	e, found, ok := c.lookupType(key, store.TypeStream)
	if !ok {
		return
	}
	if !found {
		c.replyError(errNoSuchKey)
		return
	}
	s := e.Stream()
	switch {
	case isOpt(argv[1], "consumers") && len(argv) == 4:
		g := s.Group(argv[3])
		if g == nil {
			c.replyError(errNoSuchGroup(string(cstr(argv[3])), string(cstr(key))))
			return
		}
		names := g.ConsumerNames()
		c.replyArray(len(names))
		for _, name := range names {
			cons := g.Consumer([]byte(name))
			c.replyMap(3)
			c.replyBulkString("name")
			c.replyBulkString(name)
			c.replyBulkString("pending")
			c.replyInt(int64(cons.PendingCount()))
			c.replyBulkString("idle")
			c.replyInt(max(c.now-cons.SeenTime, 0))
		}
	case isOpt(argv[1], "groups") && len(argv) == 3:
		names := s.GroupNames()
		c.replyArray(len(names))
		for _, name := range names {
			g := s.Group([]byte(name))
			c.replyMap(6)
			c.replyBulkString("name")
			c.replyBulkString(name)
			c.replyBulkString("consumers")
			c.replyInt(int64(g.ConsumerCount()))
			c.replyBulkString("pending")
			c.replyInt(int64(g.PendingCount()))
			c.replyBulkString("last-delivered-id")
			c.replyStreamID(g.LastID)
			c.replyGroupCounters(s, g)
		}
	case isOpt(argv[1], "stream"):
		xinfoStream(c, s)
	default:
		c.subcommandSyntaxError()
	}
}

// replyGroupCounters replies a group's entries-read and lag fields.
func (c *Ctx) replyGroupCounters(s *store.Stream, g *store.StreamGroup) {
	c.replyBulkString("entries-read")
	if g.EntriesRead != -1 {
		c.replyInt(g.EntriesRead)
	} else {
		c.replyNull()
	}
	c.replyBulkString("lag")
	if lag, ok := s.Lag(g); ok {
		c.replyInt(lag)
	} else {
		c.replyNull()
	}
}

func xinfoStream(c *Ctx, s *store.Stream) {
	args := c.argv[3:]
	full := true
	count := int64(10)
	switch len(args) {
	case 0:
		full = false
	case 1, 3:
		if !isOpt(args[0], "full") {
			c.subcommandSyntaxError()
			return
		}
		if len(args) == 3 {
			if !isOpt(args[1], "count") {
				c.subcommandSyntaxError()
				return
			}
			n, ok := c.intArg(args[2])
			if !ok {
				return
			}
			count = n
			if count < 0 {
				count = 10
			}
		}
	default:
		c.subcommandSyntaxError()
		return
	}
	if full {
		c.replyMap(9)
	} else {
		c.replyMap(10)
	}
	c.replyBulkString("length")
	c.replyInt(s.Len())
	c.replyBulkString("radix-tree-keys")
	c.replyInt(int64(s.Blocks()))
	c.replyBulkString("radix-tree-nodes")
	c.replyInt(s.RaxNodes())
	c.replyBulkString("last-generated-id")
	c.replyStreamID(s.LastID)
	c.replyBulkString("max-deleted-entry-id")
	c.replyStreamID(s.MaxDeletedID)
	c.replyBulkString("entries-added")
	c.replyInt(s.EntriesAdded)
	c.replyBulkString("recorded-first-entry-id")
	c.replyStreamID(s.FirstID)
	if !full {
		c.replyBulkString("groups")
		c.replyInt(int64(s.GroupCount()))
		c.replyBulkString("first-entry")
		if !c.replyEdgeEntry(s, false) {
			c.replyNull()
		}
		c.replyBulkString("last-entry")
		if !c.replyEdgeEntry(s, true) {
			c.replyNull()
		}
		return
	}
	c.replyBulkString("entries")
	c.replyStreamRange(s, store.StreamID{}, store.MaxStreamID, count, false)
	c.replyBulkString("groups")
	names := s.GroupNames()
	c.replyArray(len(names))
	for _, name := range names {
		g := s.Group([]byte(name))
		c.replyMap(7)
		c.replyBulkString("name")
		c.replyBulkString(name)
		c.replyBulkString("last-delivered-id")
		c.replyStreamID(g.LastID)
		c.replyGroupCounters(s, g)
		c.replyBulkString("pel-count")
		c.replyInt(int64(g.PendingCount()))
		c.replyBulkString("pending")
		mark := c.deferLen()
		n := int64(0)
		g.AscendPending(store.StreamID{}, func(p *store.StreamPending) bool {
			if count != 0 && n >= count {
				return false
			}
			c.replyArray(4)
			c.replyStreamID(p.ID)
			c.replyBulkString(p.Consumer.Name)
			c.replyInt(p.DeliveryTime)
			c.replyInt(p.DeliveryCount)
			n++
			return true
		})
		var tmp [24]byte
		c.insertHeader(mark, resp.AppendArray(tmp[:0], int(n)))
		c.replyBulkString("consumers")
		cnames := g.ConsumerNames()
		c.replyArray(len(cnames))
		for _, cn := range cnames {
			cons := g.Consumer([]byte(cn))
			c.replyMap(4)
			c.replyBulkString("name")
			c.replyBulkString(cn)
			c.replyBulkString("seen-time")
			c.replyInt(cons.SeenTime)
			c.replyBulkString("pel-count")
			c.replyInt(int64(cons.PendingCount()))
			c.replyBulkString("pending")
			mark := c.deferLen()
			n := int64(0)
			cons.AscendPending(store.StreamID{}, func(p *store.StreamPending) bool {
				if count != 0 && n >= count {
					return false
				}
				c.replyArray(3)
				c.replyStreamID(p.ID)
				c.replyInt(p.DeliveryTime)
				c.replyInt(p.DeliveryCount)
				n++
				return true
			})
			c.insertHeader(mark, resp.AppendArray(tmp[:0], int(n)))
		}
	}
}

// replyEdgeEntry replies the first (or last) entry, reporting whether
// there is one.
func (c *Ctx) replyEdgeEntry(s *store.Stream, last bool) bool {
	found := false
	s.Range(store.StreamID{}, store.MaxStreamID, last, func(id store.StreamID, f store.StreamFields) bool {
		c.replyStreamEntry(id, f)
		found = true
		return false
	})
	return found
}
