package server

import (
	"math"
	"strconv"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
)

// streamCommands are the stream commands (Redis's t_stream.c): entries
// (XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID), reads (XREAD,
// XREADGROUP, in cmd_stream_read.go with their blocking forms) and
// consumer groups (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, in
// cmd_stream_group.go).
var streamCommands = []*Command{
	{Name: "xadd", Proc: xaddCommand},
	{Name: "xrange", Proc: xrangeCommand},
	{Name: "xrevrange", Proc: xrevrangeCommand},
	{Name: "xlen", Proc: xlenCommand},
	{Name: "xdel", Proc: xdelCommand},
	{Name: "xtrim", Proc: xtrimCommand},
	{Name: "xsetid", Proc: xsetidCommand},
	{Name: "xread", Proc: xreadCommand},
	{Name: "xreadgroup", Proc: xreadgroupCommand},
	{Name: "xack", Proc: xackCommand},
	{Name: "xpending", Proc: xpendingCommand},
	{Name: "xclaim", Proc: xclaimCommand},
	{Name: "xautoclaim", Proc: xautoclaimCommand},
	{Name: "xgroup", Subcommands: []*Command{
		{Name: "create", Proc: xgroupCommand},
		{Name: "createconsumer", Proc: xgroupCommand},
		{Name: "delconsumer", Proc: xgroupCommand},
		{Name: "destroy", Proc: xgroupCommand},
		{Name: "setid", Proc: xgroupCommand},
		{Name: "help", Proc: xgroupCommand},
	}},
	{Name: "xinfo", Subcommands: []*Command{
		{Name: "consumers", Proc: xinfoCommand},
		{Name: "groups", Proc: xinfoCommand},
		{Name: "stream", Proc: xinfoCommand},
		{Name: "help", Proc: xinfoCommand},
	}},
}

// ---- IDs ----

// parseStreamUint parses a part of a stream ID as Redis's string2ull
// does: a canonical integer (negative ones refused), or else what C's
// strtoull accepts in full (leading blanks, a sign, no overflow).
func parseStreamUint(b []byte) (uint64, bool) {
	if n, ok := num.ParseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var x uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if x > (math.MaxUint64-uint64(d))/10 {
			return 0, false
		}
		x = x*10 + uint64(d)
	}
	if neg {
		x = -x
	}
	return x, true
}

// parseStreamID parses a stream ID as Redis's streamGenericParseIDOrReply:
// "ms-seq", or "ms" (the sequence is missingSeq); unless strict, "-" and
// "+" for the smallest and greatest IDs; with seqStar, "ms-*", reported as
// seqGiven == false.
func parseStreamID(b []byte, missingSeq uint64, strict, seqStar bool) (id store.StreamID, seqGiven, ok bool) {
	b = cstr(b)
	if len(b) > 127 {
		return id, false, false
	}
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		if strict {
			return id, false, false
		}
		if b[0] == '-' {
			return store.StreamID{}, true, true
		}
		return store.MaxStreamID, true, true
	}
	dash := -1
	for i, ch := range b {
		if ch == '-' {
			dash = i
			break
		}
	}
	if dash < 0 {
		ms, ok := parseStreamUint(b)
		return store.StreamID{Ms: ms, Seq: missingSeq}, true, ok
	}
	ms, ok := parseStreamUint(b[:dash])
	if !ok {
		return id, false, false
	}
	rest := b[dash+1:]
	if seqStar && len(rest) == 1 && rest[0] == '*' {
		return store.StreamID{Ms: ms}, false, true
	}
	seq, ok := parseStreamUint(rest)
	return store.StreamID{Ms: ms, Seq: seq}, true, ok
}

// streamIDArg parses an ID that may be "-" or "+", replying the error if
// it is invalid.
func (c *Ctx) streamIDArg(b []byte, missingSeq uint64) (store.StreamID, bool) {
	id, _, ok := parseStreamID(b, missingSeq, false, false)
	if !ok {
		c.replyError(errStreamID)
	}
	return id, ok
}

// strictIDArg parses an explicit ID ("-" and "+" refused).
func (c *Ctx) strictIDArg(b []byte) (store.StreamID, bool) {
	id, _, ok := parseStreamID(b, 0, true, false)
	if !ok {
		c.replyError(errStreamID)
	}
	return id, ok
}

// intervalIDArg parses a range bound: an ID, or "(" and an explicit ID for
// an exclusive bound.
func (c *Ctx) intervalIDArg(b []byte, missingSeq uint64) (id store.StreamID, exclusive, ok bool) {
	if len(b) > 1 && b[0] == '(' {
		id, _, ok = parseStreamID(b[1:], missingSeq, true, false)
		if !ok {
			c.replyError(errStreamID)
		}
		return id, true, ok
	}
	id, ok = c.streamIDArg(b, missingSeq)
	return id, false, ok
}

// rangeStartArg parses a range's start, moving past an exclusive one.
func (c *Ctx) rangeStartArg(b []byte) (store.StreamID, bool) {
	id, ex, ok := c.intervalIDArg(b, 0)
	if !ok {
		return id, false
	}
	if ex {
		if id, ok = id.Incr(); !ok {
			c.replyError(errStreamStartID)
			return id, false
		}
	}
	return id, true
}

// rangeEndArg parses a range's end, moving before an exclusive one.
func (c *Ctx) rangeEndArg(b []byte) (store.StreamID, bool) {
	id, ex, ok := c.intervalIDArg(b, math.MaxUint64)
	if !ok {
		return id, false
	}
	if ex {
		if id, ok = id.Decr(); !ok {
			c.replyError(errStreamEndID)
			return id, false
		}
	}
	return id, true
}

// replyStreamID replies an ID as a bulk string.
func (c *Ctx) replyStreamID(id store.StreamID) {
	var buf [48]byte
	c.replyBulk(id.AppendTo(buf[:0]))
}

// replyStreamEntry replies one entry: [id, [field, value, ...]].
func (c *Ctx) replyStreamEntry(id store.StreamID, f store.StreamFields) {
	c.replyArray(2)
	c.replyStreamID(id)
	c.replyArray(2 * f.Len())
	f.Each(c.replyBulk)
}

// streamIDBytes returns id as "ms-seq".
func streamIDBytes(id store.StreamID) []byte { return id.AppendTo(nil) }

// lookupStream finds key for reading; nil if missing, ok false after a
// WRONGTYPE reply.
func (c *Ctx) lookupStream(key []byte) (*store.Stream, bool) {
	e, found, ok := c.lookupType(key, store.TypeStream)
	if !found || !ok {
		return nil, ok
	}
	return e.Stream(), true
}

// lookupStreamWrite is lookupStream for commands that may change it.
func (c *Ctx) lookupStreamWrite(key []byte) (*store.Stream, bool) {
	e, found, ok := c.lookupTypeWrite(key, store.TypeStream)
	if !found || !ok {
		return nil, ok
	}
	return e.Stream(), true
}

// ---- XADD, XTRIM ----

// trimArgs is what XADD and XTRIM parse: the trimming and, for XADD, the
// ID and NOMKSTREAM.
type trimArgs struct {
	store.TrimArgs
	strategy   bool // MAXLEN or MINID given
	argIdx     int  // the index of the MAXLEN or MINID value
	idGiven    bool
	seqGiven   bool
	id         store.StreamID
	noMkStream bool
}

// parseTrimArgs parses the options of XADD (xadd) or XTRIM from argv[2],
// like Redis's streamParseAddOrTrimArgsOrReply, and returns the index of
// XADD's ID argument.
func (c *Ctx) parseTrimArgs(xadd bool) (a trimArgs, idx int, ok bool) {
	argv := c.argv
	limitGiven := false
	i := 2
	for ; i < len(argv); i++ {
		more := len(argv) - 1 - i
		opt := argv[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			return c.finishTrimArgs(a, i, xadd, limitGiven)
		case (isOpt(opt, "maxlen") || isOpt(opt, "minid")) && more > 0:
			if a.strategy {
				c.replyError(errTrimBoth)
				return a, 0, false
			}
			a.Approx = false
			next := argv[i+1]
			if more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.Approx = next[0] == '~'
				i++
			}
			if isOpt(opt, "maxlen") {
				n, ok := c.intArg(argv[i+1])
				if !ok {
					return a, 0, false
				}
				if n < 0 {
					c.replyError(errTrimMaxlenNeg)
					return a, 0, false
				}
				a.MaxLen, a.ByMinID = n, false
			} else {
				id, ok := c.strictIDArg(argv[i+1])
				if !ok {
					return a, 0, false
				}
				a.MinID, a.ByMinID = id, true
			}
			i++
			a.strategy, a.argIdx = true, i
		case isOpt(opt, "limit") && more > 0:
			n, ok := c.intArg(argv[i+1])
			if !ok {
				return a, 0, false
			}
			if n < 0 {
				c.replyError(errTrimLimitNeg)
				return a, 0, false
			}
			a.Limit, limitGiven = n, true
			i++
		case xadd && isOpt(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, seqGiven, ok := parseStreamID(opt, 0, true, true)
			if !ok {
				c.replyError(errStreamID)
				return a, 0, false
			}
			a.id, a.seqGiven, a.idGiven = id, seqGiven, true
			return c.finishTrimArgs(a, i, xadd, limitGiven)
		default:
			c.replyError(errSyntax)
			return a, 0, false
		}
	}
	return c.finishTrimArgs(a, i, xadd, limitGiven)
}

func (c *Ctx) finishTrimArgs(a trimArgs, i int, xadd, limitGiven bool) (trimArgs, int, bool) {
	if a.Limit != 0 && !a.strategy {
		c.replyError(errTrimLimitNoTrim)
		return a, 0, false
	}
	if !xadd && !a.strategy {
		c.replyError(errXTrimNoStrategy)
		return a, 0, false
	}
	if c.obeysMaster() {
		a.Limit = 0
	} else if limitGiven {
		if !a.Approx {
			c.replyError(errTrimLimitNoApprx)
			return a, 0, false
		}
	} else if a.Approx {
		a.Limit = 100 * int64(c.cfg.StreamNodeMaxEntries)
		if a.Limit <= 0 || a.Limit > 1000000 {
			a.Limit = 10000
		}
	} else {
		a.Limit = 0
	}
	return a, i, true
}

// trimRewrite returns argv with an approximate trim made exact for
// propagation ("~" → "=", the value → the length or first ID reached).
func trimRewrite(argv [][]byte, a trimArgs, s *store.Stream) [][]byte {
	out := append([][]byte(nil), argv...)
	out[a.argIdx-1] = []byte("=")
	if a.ByMinID {
		first, ok := s.First()
		if !ok {
			first = store.StreamID{}
		}
		out[a.argIdx] = streamIDBytes(first)
	} else {
		out[a.argIdx] = strconv.AppendInt(nil, s.Len(), 10)
	}
	return out
}

func xaddCommand(c *Ctx) {
	a, idx, ok := c.parseTrimArgs(true)
	if !ok {
		return
	}
	fieldPos := idx + 1
	if n := len(c.argv) - fieldPos; n < 2 || n%2 == 1 {
		c.replyError(errXAddArity)
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.replyError(errXAddZero)
		return
	}
	key := c.argv[1]
	s, ok := c.lookupStreamWrite(key)
	if !ok {
		return
	}
	if s == nil {
		if a.noMkStream {
			c.noChange()
			c.replyNull()
			return
		}
		s = store.NewStream()
		c.db.AddStream(key, s, c.now)
	}
	if s.LastID == store.MaxStreamID {
		c.noChange()
		c.replyError(errXAddExhausted)
		return
	}
	id, ok := nextStreamID(s.LastID, a, c.now)
	if !ok {
		c.noChange()
		c.replyError(errXAddTopItem)
		return
	}
	s.Append(id, c.argv[fieldPos:], c.cfg.StreamNodeMaxBytes, int64(c.cfg.StreamNodeMaxEntries))
	c.replyStreamID(id)
	c.notify(notifyStream, "xadd", key)
	if a.strategy {
		if s.Trim(a.TrimArgs) > 0 {
			c.notify(notifyStream, "xtrim", key)
		}
	}
	if c.propagating() && (!a.idGiven || !a.seqGiven || a.strategy && a.Approx) {
		argv := append([][]byte(nil), c.argv...)
		if a.strategy && a.Approx {
			argv = trimRewrite(argv, a, s)
		}
		if !a.idGiven || !a.seqGiven {
			argv[idx] = streamIDBytes(id)
		}
		c.propagate(argv...)
	}
}

// nextStreamID returns the ID XADD gives a new entry after last: the
// explicit one, "ms-*" or "*" completed, and false if it is not greater.
func nextStreamID(last store.StreamID, a trimArgs, now int64) (store.StreamID, bool) {
	if !a.idGiven {
		ms := uint64(max(now, 0))
		if ms > last.Ms {
			return store.StreamID{Ms: ms}, true
		}
		return last.Incr()
	}
	if !a.seqGiven {
		if a.id.Ms == last.Ms {
			if last.Seq == math.MaxUint64 {
				return a.id, false
			}
			return store.StreamID{Ms: last.Ms, Seq: last.Seq + 1}, true
		}
		return a.id, a.id.Ms > last.Ms
	}
	return a.id, last.Less(a.id)
}

func xtrimCommand(c *Ctx) {
	a, _, ok := c.parseTrimArgs(false)
	if !ok {
		return
	}
	key := c.argv[1]
	s, ok := c.lookupStreamWrite(key)
	if !ok {
		return
	}
	if s == nil {
		c.noChange()
		c.replyInt(0)
		return
	}
	n := s.Trim(a.TrimArgs)
	if n == 0 {
		c.noChange()
	} else {
		c.notify(notifyStream, "xtrim", key)
		c.setChanges(int(n))
		if a.Approx && c.propagating() {
			c.propagate(trimRewrite(c.argv, a, s)...)
		}
	}
	c.replyInt(n)
}

// ---- XRANGE, XREVRANGE, XLEN ----

func xrangeCommand(c *Ctx)    { xrangeGeneric(c, false) }
func xrevrangeCommand(c *Ctx) { xrangeGeneric(c, true) }

func xrangeGeneric(c *Ctx, rev bool) {
	startArg, endArg := c.argv[2], c.argv[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.rangeStartArg(startArg)
	if !ok {
		return
	}
	end, ok := c.rangeEndArg(endArg)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.argv); j++ {
		if isOpt(c.argv[j], "count") && j+1 < len(c.argv) {
			n, ok := c.intArg(c.argv[j+1])
			if !ok {
				return
			}
			count = max(n, 0)
			j++
		} else {
			c.replyError(errSyntax)
			return
		}
	}
	s, ok := c.lookupStream(c.argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.replyEmptyArray()
		return
	}
	if count == 0 {
		c.replyNullArray()
		return
	}
	if count < 0 {
		count = 0
	}
	c.replyStreamRange(s, start, end, count, rev)
}

// replyStreamRange replies the entries of s in [start, end], at most count
// (0: all), as an array.
func (c *Ctx) replyStreamRange(s *store.Stream, start, end store.StreamID, count int64, rev bool) int64 {
	mark := c.deferLen()
	n := c.streamEntries(s, start, end, count, rev, nil)
	var tmp [24]byte
	c.insertHeader(mark, resp.AppendArray(tmp[:0], int(n)))
	return n
}

// streamReplier replies the entries of a range, with its callback made
// once per server so that a range reply allocates nothing.
type streamReplier struct {
	c        *Ctx
	n, count int64
	ids      *[]store.StreamID // if set, the IDs replied are appended to it
	emit     func(store.StreamID, store.StreamFields) bool
}

func (r *streamReplier) entry(id store.StreamID, f store.StreamFields) bool {
	r.c.replyStreamEntry(id, f)
	if r.ids != nil {
		*r.ids = append(*r.ids, id)
	}
	r.n++
	return r.count == 0 || r.n < r.count
}

// streamEntries replies the entries of s in [start, end] (at most count,
// 0: all), without an array header, appending their IDs to ids if set,
// and returns how many it replied.
func (c *Ctx) streamEntries(s *store.Stream, start, end store.StreamID, count int64, rev bool, ids *[]store.StreamID) int64 {
	r := c.srv.streamReplier
	if r == nil || r.c != nil { // first use, or nested (never today)
		r = &streamReplier{}
		r.emit = r.entry
		if c.srv.streamReplier == nil {
			c.srv.streamReplier = r
		}
	}
	r.c, r.n, r.count, r.ids = c, 0, count, ids
	s.Range(start, end, rev, r.emit)
	n := r.n
	r.c, r.ids = nil, nil
	return n
}

func xlenCommand(c *Ctx) {
	s, ok := c.lookupStream(c.argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.replyInt(0)
		return
	}
	c.replyInt(s.Len())
}

// ---- XDEL, XSETID ----

func xdelCommand(c *Ctx) {
	key := c.argv[1]
	s, ok := c.lookupStreamWrite(key)
	if !ok {
		return
	}
	if s == nil {
		c.noChange()
		c.replyInt(0)
		return
	}
	var buf [16]store.StreamID // no allocation for a few IDs
	ids := buf[:0]
	for _, a := range c.argv[2:] {
		id, ok := c.strictIDArg(a)
		if !ok {
			c.noChange()
			return
		}
		ids = append(ids, id)
	}
	deleted := 0
	for _, id := range ids {
		if s.Delete(id) {
			if s.MaxDeletedID.Less(id) {
				s.MaxDeletedID = id
			}
			deleted++
		}
	}
	if deleted > 0 {
		s.UpdateFirstID()
		c.notify(notifyStream, "xdel", key)
		c.setChanges(deleted)
	} else {
		c.noChange()
	}
	c.replyInt(int64(deleted))
}

func xsetidCommand(c *Ctx) {
	id, ok := c.strictIDArg(c.argv[2])
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDel store.StreamID
	for i := 3; i < len(c.argv); i += 2 {
		more := len(c.argv) - 1 - i
		switch {
		case isOpt(c.argv[i], "entriesadded") && more > 0:
			n, ok := c.intArg(c.argv[i+1])
			if !ok {
				return
			}
			if n < 0 {
				c.replyError(errXSetIDEntriesAdded)
				return
			}
			entriesAdded = n
		case isOpt(c.argv[i], "maxdeletedid") && more > 0:
			m, ok := c.strictIDArg(c.argv[i+1])
			if !ok {
				return
			}
			if id.Less(m) {
				c.replyError(errXSetIDMaxDel)
				return
			}
			maxDel = m
		default:
			c.replyError(errSyntax)
			return
		}
	}
	key := c.argv[1]
	e, found, ok := c.lookupTypeWrite(key, store.TypeStream)
	if !ok {
		return
	}
	if !found {
		c.replyError(errNoSuchKey)
		return
	}
	s := e.Stream()
	if s.Len() > 0 {
		last, _ := s.Last()
		if id.Less(last) {
			c.replyError(errXSetIDTop)
			return
		}
		if entriesAdded != -1 && s.Len() > entriesAdded {
			c.replyError(errXSetIDLen)
			return
		}
	}
	s.LastID = id
	if entriesAdded != -1 {
		s.EntriesAdded = entriesAdded
	}
	if !maxDel.IsZero() {
		s.MaxDeletedID = maxDel
	}
	c.replyOK()
	c.notify(notifyStream, "xsetid", key)
}

// obeysMaster reports whether the command comes from this server's
// master, which XADD and XTRIM obey without a LIMIT (Redis's
// mustObeyClient; an AOF being loaded is not told apart yet, and what kvd
// writes to one has its approximate trims made exact anyway).
func (c *Ctx) obeysMaster() bool { return c.client.flags&flagMaster != 0 }
