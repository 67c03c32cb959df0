package server

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

var zsetCommands = []*Command{
	{Name: "zadd", Proc: zaddCommand},
	{Name: "zincrby", Proc: zincrbyCommand},
	{Name: "zrem", Proc: zremCommand},
	{Name: "zcard", Proc: zcardCommand},
	{Name: "zscore", Proc: zscoreCommand},
	{Name: "zmscore", Proc: zmscoreCommand},
	{Name: "zcount", Proc: zcountCommand},
	{Name: "zlexcount", Proc: zlexcountCommand},
	{Name: "zrank", Proc: zrankCommand},
	{Name: "zrevrank", Proc: zrevrankCommand},
	{Name: "zrange", Proc: zrangeCommand},
	{Name: "zrangestore", Proc: zrangestoreCommand},
	{Name: "zrevrange", Proc: zrevrangeCommand},
	{Name: "zrangebyscore", Proc: zrangebyscoreCommand},
	{Name: "zrevrangebyscore", Proc: zrevrangebyscoreCommand},
	{Name: "zrangebylex", Proc: zrangebylexCommand},
	{Name: "zrevrangebylex", Proc: zrevrangebylexCommand},
	{Name: "zpopmin", Proc: zpopminCommand},
	{Name: "zpopmax", Proc: zpopmaxCommand},
	{Name: "zmpop", Proc: zmpopCommand, GetKeys: numkeysFirstKeys},
	{Name: "bzpopmin", Proc: bzpopminCommand},
	{Name: "bzpopmax", Proc: bzpopmaxCommand},
	{Name: "bzmpop", Proc: bzmpopCommand, GetKeys: blmpopGetKeys},
	{Name: "zrandmember", Proc: zrandmemberCommand},
	{Name: "zremrangebyrank", Proc: zremrangebyrankCommand},
	{Name: "zremrangebyscore", Proc: zremrangebyscoreCommand},
	{Name: "zremrangebylex", Proc: zremrangebylexCommand},
	{Name: "zunion", Proc: zunionCommand, GetKeys: numkeysFirstKeys},
	{Name: "zinter", Proc: zinterCommand, GetKeys: numkeysFirstKeys},
	{Name: "zdiff", Proc: zdiffCommand, GetKeys: numkeysFirstKeys},
	{Name: "zunionstore", Proc: zunionstoreCommand, GetKeys: zsetOpStoreGetKeys},
	{Name: "zinterstore", Proc: zinterstoreCommand, GetKeys: zsetOpStoreGetKeys},
	{Name: "zdiffstore", Proc: zdiffstoreCommand, GetKeys: zsetOpStoreGetKeys},
	{Name: "zintercard", Proc: zintercardCommand, GetKeys: numkeysFirstKeys},
	{Name: "zscan", Proc: zscanCommand},
}

// zsetLimits returns the thresholds of the compact encoding in force.
func (c *Ctx) zsetLimits() store.ZLimits {
	cfg := c.cfg
	return store.ZLimits{MaxEntries: int64(cfg.ZSetMaxListpackEntries), MaxValue: cfg.ZSetMaxListpackValue}
}

// deleteIfEmptyZSet removes key if the sorted set it holds is now empty,
// as every Redis command that removes members does.
func (c *Ctx) deleteIfEmptyZSet(key []byte, z *store.ZSet) {
	if z.Len() == 0 {
		c.db.Delete(key, c.now)
		c.notify(notifyGeneric, "del", key)
	}
}

// replyScored appends one member of a reply listing members with their
// scores: in RESP3 each pair is an array of two, in RESP2 the pairs are
// flat in the enclosing array.
func (c *Ctx) replyScored(member []byte, score float64, withscores bool) {
	if withscores && c.proto >= 3 {
		c.replyArray(2)
	}
	c.replyBulk(member)
	if withscores {
		c.replyDouble(score)
	}
}

// replyScoredLen appends the header of an array of n members that
// replyScored fills in.
func (c *Ctx) replyScoredLen(n int, withscores bool) {
	if withscores && c.proto < 3 {
		n *= 2
	}
	c.replyArray(n)
}

// ---- range parsing ----

// parseScoreBound parses one end of a score range the way Redis's
// zslParseRange does: an optional "(" for an open end, then a number as C's
// strtod reads it from the C string (so an empty string is 0, and a NUL
// byte ends the argument), anything but NaN.
func parseScoreBound(b []byte) (v float64, ex, ok bool) {
	b = cstr(b)
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, ex, true
	}
	v, r := num.ParseFloat(b)
	if r == num.FloatInvalid || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

// parseScoreRange parses a min/max pair, replying the error if invalid.
func (c *Ctx) parseScoreRange(minArg, maxArg []byte) (store.ScoreRange, bool) {
	var r store.ScoreRange
	var ok1, ok2 bool
	r.Min, r.MinEx, ok1 = parseScoreBound(minArg)
	r.Max, r.MaxEx, ok2 = parseScoreBound(maxArg)
	if !ok1 || !ok2 {
		c.replyError(errZMinMaxFloat)
		return r, false
	}
	return r, true
}

// parseLexBound parses one end of a lexicographic range like Redis's
// zslParseLexRangeItem: "+", "-", "(value" or "[value". Like Redis it
// reads "+" and "-" as C strings (a NUL byte after them ends them).
func parseLexBound(b []byte) (store.LexBound, bool) {
	if len(b) == 0 {
		return store.LexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) > 1 && b[1] != 0 {
			return store.LexBound{}, false
		}
		inf := 1
		if b[0] == '-' {
			inf = -1
		}
		return store.LexBound{Inf: inf, Excl: true}, true
	case '(':
		return store.LexBound{Value: b[1:], Excl: true}, true
	case '[':
		return store.LexBound{Value: b[1:]}, true
	}
	return store.LexBound{}, false
}

// parseLexRange parses a min/max pair, replying the error if invalid.
func (c *Ctx) parseLexRange(minArg, maxArg []byte) (store.LexRange, bool) {
	var r store.LexRange
	var ok1, ok2 bool
	r.Min, ok1 = parseLexBound(minArg)
	r.Max, ok2 = parseLexBound(maxArg)
	if !ok1 || !ok2 {
		c.replyError(errZMinMaxLex)
		return r, false
	}
	return r, true
}

// ---- ZADD, ZINCRBY, ZREM ----

// zaddGeneric implements ZADD and ZINCRBY (which is ZADD with INCR), like
// Redis's zaddGenericCommand: options, then score-member pairs, all scores
// parsed before anything changes.
func zaddGeneric(c *Ctx, flags store.ZAddFlags) {
	argv := c.argv
	key := argv[1]
	ch := false
	idx := 2
options:
	for ; idx < len(argv); idx++ {
		switch opt := argv[idx]; {
		case isOpt(opt, "nx"):
			flags |= store.ZAddNX
		case isOpt(opt, "xx"):
			flags |= store.ZAddXX
		case isOpt(opt, "ch"):
			ch = true
		case isOpt(opt, "incr"):
			flags |= store.ZAddIncr
		case isOpt(opt, "gt"):
			flags |= store.ZAddGT
		case isOpt(opt, "lt"):
			flags |= store.ZAddLT
		default:
			break options
		}
	}
	elements := len(argv) - idx
	if elements%2 != 0 || elements == 0 {
		c.replyError(errSyntax)
		return
	}
	elements /= 2
	nx, xx := flags&store.ZAddNX != 0, flags&store.ZAddXX != 0
	gt, lt := flags&store.ZAddGT != 0, flags&store.ZAddLT != 0
	incr := flags&store.ZAddIncr != 0
	if nx && xx {
		c.replyError(errZAddXXNX)
		return
	}
	if gt && nx || lt && nx || gt && lt {
		c.replyError(errZAddGTLTNX)
		return
	}
	if incr && elements > 1 {
		c.replyError(errZAddIncrPair)
		return
	}
	var buf [8]float64
	scores := buf[:0]
	for j := 0; j < elements; j++ {
		s, ok := c.floatArg(argv[idx+2*j])
		if !ok {
			return
		}
		scores = append(scores, s)
	}
	e, found, ok := c.lookupTypeWrite(key, store.TypeZSet)
	if !ok {
		return
	}
	var added, updated, processed int64
	var score float64
	if found || !xx {
		var z *store.ZSet
		if found {
			z = e.ZSet()
		} else {
			z = store.NewZSet()
		}
		lim := c.zsetLimits()
		for j, s := range scores {
			res, ns := z.Add(argv[idx+2*j+1], s, flags, lim)
			if res&store.ZAddNaN != 0 {
				// Only INCR's single pair can end here, but the rule is
				// Redis's: what was added before the error stays.
				if !found && z.Len() > 0 {
					c.db.SetZSet(key, z, c.now)
				}
				c.replyError(errZNaN)
				return
			}
			if res&store.ZAddAdded != 0 {
				added++
			}
			if res&store.ZAddUpdated != 0 {
				updated++
			}
			if res&store.ZAddNop == 0 {
				processed++
			}
			score = ns
		}
		if !found && z.Len() > 0 {
			c.db.SetZSet(key, z, c.now)
		}
	}
	switch {
	case incr && processed > 0:
		c.replyDouble(score)
	case incr:
		c.replyNull()
	case ch:
		c.replyInt(added + updated)
	default:
		c.replyInt(added)
	}
	if added == 0 && updated == 0 {
		c.noChange()
	} else {
		ev := "zadd"
		if incr {
			ev = "zincr"
		}
		c.notify(notifyZSet, ev, key)
	}
}

func zaddCommand(c *Ctx)    { zaddGeneric(c, 0) }
func zincrbyCommand(c *Ctx) { zaddGeneric(c, store.ZAddIncr) }

func zremCommand(c *Ctx) {
	key := c.argv[1]
	e, found, ok := c.lookupTypeWrite(key, store.TypeZSet)
	if !ok {
		return
	}
	if !found {
		c.noChange()
		c.replyInt(0)
		return
	}
	z := e.ZSet()
	var deleted int64
	for _, m := range c.argv[2:] {
		if z.Remove(m) {
			deleted++
		}
		if z.Len() == 0 {
			c.db.Delete(key, c.now)
			break
		}
	}
	if deleted == 0 {
		c.noChange()
	} else {
		c.notify(notifyZSet, "zrem", key)
		if z.Len() == 0 {
			c.notify(notifyGeneric, "del", key)
		}
	}
	c.replyInt(deleted)
}

// ---- ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT ----

// lookupZSet finds a sorted set for reading; it returns nil if the key is
// missing, and ok == false (having replied WRONGTYPE) for another type.
func (c *Ctx) lookupZSet(key []byte) (z *store.ZSet, ok bool) {
	e, found, ok := c.lookupType(key, store.TypeZSet)
	if !ok || !found {
		return nil, ok
	}
	return e.ZSet(), true
}

func zcardCommand(c *Ctx) {
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.replyInt(0)
		return
	}
	c.replyInt(int64(z.Len()))
}

func zscoreCommand(c *Ctx) {
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	if z != nil {
		if s, found := z.Score(c.argv[2]); found {
			c.replyDouble(s)
			return
		}
	}
	c.replyNull()
}

func zmscoreCommand(c *Ctx) {
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	c.replyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		if z != nil {
			if s, found := z.Score(m); found {
				c.replyDouble(s)
				continue
			}
		}
		c.replyNull()
	}
}

func zrankGeneric(c *Ctx, reverse bool) {
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	if z != nil {
		if rank, _, found := z.Rank(c.argv[2]); found {
			if reverse {
				rank = z.Len() - 1 - rank
			}
			c.replyInt(int64(rank))
			return
		}
	}
	c.replyNull()
}

func zrankCommand(c *Ctx)    { zrankGeneric(c, false) }
func zrevrankCommand(c *Ctx) { zrankGeneric(c, true) }

func zcountCommand(c *Ctx) {
	r, ok := c.parseScoreRange(c.argv[2], c.argv[3])
	if !ok {
		return
	}
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.replyInt(0)
		return
	}
	first, end := z.ScoreRanks(r)
	c.replyInt(int64(end - first))
}

func zlexcountCommand(c *Ctx) {
	r, ok := c.parseLexRange(c.argv[2], c.argv[3])
	if !ok {
		return
	}
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.replyInt(0)
		return
	}
	first, end := z.LexRanksForward(r)
	c.replyInt(int64(end - first))
}

// ---- ZRANGE and its variants, ZRANGESTORE ----

// zrangeKind is what a range command's bounds are.
type zrangeKind uint8

const (
	zrangeAuto zrangeKind = iota // ZRANGE / ZRANGESTORE: decided by BYSCORE / BYLEX
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeDir is a range command's direction.
type zrangeDir uint8

const (
	zrangeDirAuto zrangeDir = iota // ZRANGE / ZRANGESTORE: decided by REV
	zrangeForward
	zrangeReverse
)

// zrangeSink receives the members a range command selects: either the
// reply to the client, or the sorted set ZRANGESTORE builds.
type zrangeSink struct {
	c          *Ctx
	withscores bool
	storing    bool
	dst        *store.ZSet
	lim        store.ZLimits
}

// begin starts a result of n members. Like Redis, ZRANGESTORE creates its
// destination for n members when it knows the count in advance (a range
// by rank), and as if for none otherwise.
func (s *zrangeSink) begin(n int, known bool) {
	if s.storing {
		s.lim = s.c.zsetLimits()
		if !known {
			n = 0
		}
		s.dst = store.NewZSetFor(n, 0, s.lim)
		return
	}
	s.c.replyScoredLen(n, s.withscores)
}

func (s *zrangeSink) emit(member []byte, score float64) {
	if s.storing {
		s.dst.Add(member, score, 0, s.lim)
		return
	}
	s.c.replyScored(member, score, s.withscores)
}

// finish stores ZRANGESTORE's result (or deletes the destination if it is
// empty) and replies its size.
func (s *zrangeSink) finish(dst []byte) {
	if !s.storing {
		return
	}
	now := s.c.now
	s.c.replyInt(int64(s.dst.Len())) // before the events, as in Redis
	if s.dst.Len() > 0 {
		s.c.db.SetZSet(dst, s.dst, now)
		s.c.notify(notifyZSet, "zrangestore", dst)
	} else if s.c.db.Delete(dst, now) {
		s.c.notify(notifyGeneric, "del", dst)
	} else {
		s.c.noChange()
	}
}

// emitRanks sends the n members from rank from upwards, or in reverse
// downwards.
func (s *zrangeSink) emitRanks(z *store.ZSet, from, n int, reverse, known bool) {
	s.begin(n, known)
	if n <= 0 {
		return
	}
	left := n
	fn := func(m []byte, score float64) bool {
		s.emit(m, score)
		left--
		return left > 0
	}
	if reverse {
		z.Descend(from, fn)
	} else {
		z.Ascend(from, fn)
	}
}

// zrangeGeneric implements ZRANGE, ZRANGESTORE and the older Z[REV]RANGE,
// Z[REV]RANGEBYSCORE and Z[REV]RANGEBYLEX, like Redis's
// zrangeGenericCommand. The source key is argv[from], followed by min and
// max, then the options.
func zrangeGeneric(c *Ctx, from int, storing bool, kind zrangeKind, dir zrangeDir) {
	argv := c.argv
	withscores := false
	var offset, limit int64 = 0, -1
	for j := from + 3; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch opt := argv[j]; {
		case !storing && isOpt(opt, "withscores"):
			withscores = true
		case isOpt(opt, "limit") && left >= 2:
			var ok bool
			if offset, ok = c.intArg(argv[j+1]); !ok {
				return
			}
			if limit, ok = c.intArg(argv[j+2]); !ok {
				return
			}
			j += 2
		case dir == zrangeDirAuto && isOpt(opt, "rev"):
			dir = zrangeReverse
		case kind == zrangeAuto && isOpt(opt, "bylex"):
			kind = zrangeLex
		case kind == zrangeAuto && isOpt(opt, "byscore"):
			kind = zrangeScore
		default:
			c.replyError(errSyntax)
			return
		}
	}
	if dir == zrangeDirAuto {
		dir = zrangeForward
	}
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	if limit != -1 && kind == zrangeRank {
		c.replyError(errZLimitRank)
		return
	}
	if withscores && kind == zrangeLex {
		c.replyError(errZWithscoresLex)
		return
	}
	reverse := dir == zrangeReverse
	minArg, maxArg := argv[from+1], argv[from+2]
	if reverse && kind != zrangeRank {
		// The range is given as max, min.
		minArg, maxArg = maxArg, minArg
	}
	var start, end int64
	var sr store.ScoreRange
	var lr store.LexRange
	var ok bool
	switch kind {
	case zrangeRank:
		if start, ok = c.intArg(minArg); !ok {
			return
		}
		if end, ok = c.intArg(maxArg); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = c.parseScoreRange(minArg, maxArg); !ok {
			return
		}
	case zrangeLex:
		if lr, ok = c.parseLexRange(minArg, maxArg); !ok {
			return
		}
	}
	sink := &zrangeSink{c: c, withscores: withscores || storing, storing: storing}
	e, found, ok := c.lookupType(argv[from], store.TypeZSet)
	if !ok {
		return
	}
	if !found {
		sink.begin(0, false)
		sink.finish(argv[1])
		return
	}
	z := e.ZSet()
	n := int64(z.Len())
	switch kind {
	case zrangeRank:
		if start, end, ok = indexRange(start, end, n); !ok {
			sink.begin(0, true)
			break
		}
		if reverse {
			sink.emitRanks(z, int(n-1-start), int(end-start+1), true, true)
		} else {
			sink.emitRanks(z, int(start), int(end-start+1), false, true)
		}
	case zrangeScore, zrangeLex:
		// Redis walks from the first member in range (the last, in
		// reverse) past offset members without looking at them, then
		// emits up to limit members (all if negative) while they are
		// still in range; a negative offset walks off the end.
		var first, end int
		switch {
		case kind == zrangeScore:
			first, end = z.ScoreRanks(sr)
		case reverse:
			first, end = z.LexRanksReverse(lr)
		default:
			first, end = z.LexRanksForward(lr)
		}
		if first == end || offset < 0 || offset >= n {
			sink.begin(0, false)
			break
		}
		var from, avail int
		switch {
		case reverse:
			from = end - 1 - int(offset)
			avail = from - first + 1
			if kind == zrangeLex {
				// Over unequal scores the members past the offset may be
				// in range again (Redis's listpack walk).
				avail = z.LexRunReverse(lr, from)
			}
		default:
			from = first + int(offset)
			avail = end - from
			if kind == zrangeLex {
				avail = z.LexRunForward(lr, from)
			}
		}
		count := int64(max(avail, 0))
		if limit >= 0 {
			count = min(count, limit)
		}
		sink.emitRanks(z, from, int(count), reverse, false)
	}
	sink.finish(argv[1])
}

func zrangeCommand(c *Ctx)           { zrangeGeneric(c, 1, false, zrangeAuto, zrangeDirAuto) }
func zrangestoreCommand(c *Ctx)      { zrangeGeneric(c, 2, true, zrangeAuto, zrangeDirAuto) }
func zrevrangeCommand(c *Ctx)        { zrangeGeneric(c, 1, false, zrangeRank, zrangeReverse) }
func zrangebyscoreCommand(c *Ctx)    { zrangeGeneric(c, 1, false, zrangeScore, zrangeForward) }
func zrevrangebyscoreCommand(c *Ctx) { zrangeGeneric(c, 1, false, zrangeScore, zrangeReverse) }
func zrangebylexCommand(c *Ctx)      { zrangeGeneric(c, 1, false, zrangeLex, zrangeForward) }
func zrevrangebylexCommand(c *Ctx)   { zrangeGeneric(c, 1, false, zrangeLex, zrangeReverse) }

// ---- ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX ----

func zremrangeGeneric(c *Ctx, kind zrangeKind) {
	argv := c.argv
	var start, end int64
	var sr store.ScoreRange
	var lr store.LexRange
	var ok bool
	switch kind {
	case zrangeRank:
		if start, ok = c.intArg(argv[2]); !ok {
			return
		}
		if end, ok = c.intArg(argv[3]); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = c.parseScoreRange(argv[2], argv[3]); !ok {
			return
		}
	default:
		if lr, ok = c.parseLexRange(argv[2], argv[3]); !ok {
			return
		}
	}
	key := argv[1]
	e, found, ok := c.lookupTypeWrite(key, store.TypeZSet)
	if !ok {
		return
	}
	if !found {
		c.noChange()
		c.replyInt(0)
		return
	}
	z := e.ZSet()
	var first, last int
	switch kind {
	case zrangeRank:
		if start, end, ok = indexRange(start, end, int64(z.Len())); !ok {
			c.noChange()
			c.replyInt(0)
			return
		}
		first, last = int(start), int(end)+1
	case zrangeScore:
		first, last = z.ScoreRanks(sr)
	default:
		first, last = z.LexRanksForward(lr)
	}
	deleted := z.RemoveRanks(first, last)
	if deleted > 0 {
		c.notify(notifyZSet, zremrangeEvent(kind), key)
		c.deleteIfEmptyZSet(key, z)
	} else {
		c.noChange()
	}
	c.replyInt(int64(deleted))
}

func zremrangebyrankCommand(c *Ctx)  { zremrangeGeneric(c, zrangeRank) }
func zremrangebyscoreCommand(c *Ctx) { zremrangeGeneric(c, zrangeScore) }
func zremrangebylexCommand(c *Ctx)   { zremrangeGeneric(c, zrangeLex) }

// ---- ZPOPMIN, ZPOPMAX, ZMPOP ----

// zpopGeneric pops up to count members (-1: a single one, replied flat)
// from the lowest or highest end of the first existing key of keys, like
// Redis's genericZpopCommand. With emitKey (ZMPOP) the reply names the key
// and nests the pairs, and is null when no key exists.
func zpopGeneric(c *Ctx, keys [][]byte, highest, emitKey bool, count int64) {
	var key []byte
	var z *store.ZSet
	for _, k := range keys {
		e, found, ok := c.lookupTypeWrite(k, store.TypeZSet)
		if !ok {
			return
		}
		if found {
			key, z = k, e.ZSet()
			break
		}
	}
	if z == nil {
		c.noChange()
		if emitKey {
			c.replyNullArray()
		} else {
			c.replyEmptyArray()
		}
		return
	}
	if count == 0 {
		c.noChange()
		c.replyEmptyArray()
		return
	}
	nested := emitKey || count != -1 && c.proto >= 3
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	if emitKey {
		c.replyArray(2)
		c.replyBulk(key)
	}
	if nested {
		c.replyArray(n)
	} else {
		c.replyArray(2 * n)
	}
	emit := func(m []byte, score float64) bool {
		if nested {
			c.replyArray(2)
		}
		c.replyBulk(m)
		c.replyDouble(score)
		n--
		return n > 0
	}
	total := n
	// Redis emits the event here, between the reply's headers and its
	// members, which a RESP3 client subscribed to it sees.
	c.notify(notifyZSet, zpopEvent(highest), key)
	if highest {
		z.Descend(z.Len()-1, emit)
		z.RemoveRanks(z.Len()-total, z.Len())
	} else {
		z.Ascend(0, emit)
		z.RemoveRanks(0, total)
	}
	c.deleteIfEmptyZSet(key, z)
}

func zpopMinMax(c *Ctx, highest bool) {
	if len(c.argv) > 3 {
		c.replyError(errSyntax)
		return
	}
	count := int64(-1)
	if len(c.argv) == 3 {
		var ok bool
		if count, ok = c.positiveArg(c.argv[2]); !ok {
			return
		}
	}
	zpopGeneric(c, c.argv[1:2], highest, false, count)
}

func zpopminCommand(c *Ctx) { zpopMinMax(c, false) }
func zpopmaxCommand(c *Ctx) { zpopMinMax(c, true) }

// zmpopCommand is ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
func zmpopCommand(c *Ctx) {
	keys, highest, count, ok := mpopArgs(c, "min", "max")
	if !ok {
		return
	}
	if !zsetMPop(c, keys, highest, count) {
		c.noChange()
		c.replyNullArray()
	}
}

// zsetMPop pops up to count members from the first existing sorted set
// among keys and replies [key, members], as ZMPOP and BZMPOP do when they
// need not block; Redis 7.0 propagates it as ZPOPMIN/ZPOPMAX key n. It
// reports whether it replied (popped, or WRONGTYPE); false means none of
// the keys exists.
func zsetMPop(c *Ctx, keys [][]byte, highest bool, count int64) bool {
	for _, key := range keys {
		e, found, ok := c.lookupTypeWrite(key, store.TypeZSet)
		if !ok {
			return true
		}
		if !found {
			continue
		}
		n := e.ZSet().Len()
		zpopGeneric(c, [][]byte{key}, highest, true, count)
		c.propagate(zpopName(highest), key, num.AppendInt(nil, min(count, int64(n))))
		c.touched(c.dbIndex, key) // the key popped, not every key named
		return true
	}
	return false
}

// ---- ZRANDMEMBER ----

func zrandmemberCommand(c *Ctx) {
	argv := c.argv
	if len(argv) >= 3 {
		l, withscores, ok := randCountArgs(c, "withscores")
		if !ok {
			return
		}
		zrandmemberWithCount(c, l, withscores)
		return
	}
	z, ok := c.lookupZSet(argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.replyNull()
		return
	}
	m, _ := z.At(rand.IntN(z.Len()))
	c.replyBulk(m)
}

// zrandmemberWithCount answers ZRANDMEMBER with a count, with the cases of
// Redis 7.0's zrandmemberWithCountCommand: a negative count (or 1) picks
// with repetition; a count at least the size returns the whole set,
// highest first; a smaller count returns distinct members in random order.
func zrandmemberWithCount(c *Ctx, l int64, withscores bool) {
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	if z == nil || l == 0 {
		c.replyEmptyArray()
		return
	}
	size := z.Len()
	if l < 0 || l == 1 {
		count := l
		if l < 0 {
			count = -l
		}
		c.replyScoredLen(int(count), withscores)
		for i := int64(0); i < count; i++ {
			m, s := z.At(rand.IntN(size))
			c.replyScored(m, s, withscores)
			// Like Redis, stop once the client is over its output buffer
			// limit (it is closed after the command) rather than build a
			// reply of up to 2^63 members.
			if i&1023 == 1023 && c.overLimit() {
				break
			}
		}
		return
	}
	if l >= int64(size) {
		c.replyScoredLen(size, withscores)
		z.Descend(size-1, func(m []byte, s float64) bool {
			c.replyScored(m, s, withscores)
			return true
		})
		return
	}
	count := int(l)
	c.replyScoredLen(count, withscores)
	z.Sample(count, func(m []byte, s float64) { c.replyScored(m, s, withscores) })
}

// ---- ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD ----

// zsetOp is the operation of zsetOpGeneric.
type zsetOp uint8

const (
	zsetUnion zsetOp = iota
	zsetInter
	zsetDiff
)

// Aggregations of ZUNION and ZINTER.
const (
	aggrSum = iota
	aggrMin
	aggrMax
)

// memberSet is what a plain set offers as an input of ZUNION, ZINTER and
// ZDIFF, where each of its members scores 1.
type memberSet interface {
	Len() int
	Has(member []byte) bool
	Range(fn func(member []byte) bool)
}

// zsetOperand is one input of ZUNION, ZINTER and ZDIFF: a sorted set, a
// plain set, or nothing (a missing key, which counts as empty).
type zsetOperand struct {
	z      *store.ZSet
	set    memberSet
	weight float64
}

func (o *zsetOperand) len() int {
	switch {
	case o.z != nil:
		return o.z.Len()
	case o.set != nil:
		return o.set.Len()
	}
	return 0
}

func (o *zsetOperand) score(m []byte) (float64, bool) {
	switch {
	case o.z != nil:
		return o.z.Score(m)
	case o.set != nil && o.set.Has(m):
		return 1, true
	}
	return 0, false
}

func (o *zsetOperand) each(fn func(m []byte, score float64) bool) {
	switch {
	case o.z != nil:
		o.z.Ascend(0, fn)
	case o.set != nil:
		o.set.Range(func(m []byte) bool { return fn(m, 1) })
	}
}

// zsetOperandOf returns the input a key's value provides, or ok == false
// for a type that cannot be one.
func zsetOperandOf(e store.Entry) (zsetOperand, bool) {
	if z := e.ZSet(); z != nil {
		return zsetOperand{z: z, weight: 1}, true
	}
	if s := e.Set(); s != nil {
		return zsetOperand{set: s, weight: 1}, true
	}
	return zsetOperand{}, false
}

// zaggregate folds val into *target, like Redis's zunionInterAggregate
// (a sum that is NaN, inf + -inf, counts as 0).
func zaggregate(target *float64, val float64, aggr int) {
	switch aggr {
	case aggrSum:
		*target += val
		if math.IsNaN(*target) {
			*target = 0
		}
	case aggrMin:
		if val < *target {
			*target = val
		}
	case aggrMax:
		if val > *target {
			*target = val
		}
	}
}

// scoredMember is a member of a computed result.
type scoredMember struct {
	member []byte
	score  float64
}

// zsetOpGeneric implements ZUNION, ZINTER, ZDIFF, their STORE forms (dst
// set) and ZINTERCARD (cardOnly), like Redis's
// zunionInterDiffGenericCommand: numkeys at argv[numkeysIdx], then the
// keys, then the options.
func zsetOpGeneric(c *Ctx, dst []byte, numkeysIdx int, op zsetOp, cardOnly bool) {
	argv := c.argv
	setnum, ok := c.intArg(argv[numkeysIdx])
	if !ok {
		return
	}
	if setnum < 1 {
		c.replyError(errNoInputKeys(c.cmd.fullName))
		return
	}
	if setnum > int64(len(argv)-numkeysIdx-1) {
		c.replyError(errSyntax)
		return
	}
	ops := make([]zsetOperand, setnum)
	j := numkeysIdx + 1
	for i := range ops {
		ops[i].weight = 1
		e, found := c.lookupRead(argv[j])
		j++
		if !found {
			continue
		}
		o, ok := zsetOperandOf(e)
		if !ok {
			c.replyError(errWrongType)
			return
		}
		ops[i] = o
	}
	aggr := aggrSum
	withscores := false
	var limit int64
	for j < len(argv) {
		remaining := len(argv) - j
		switch opt := argv[j]; {
		case op != zsetDiff && !cardOnly && remaining >= len(ops)+1 && isOpt(opt, "weights"):
			j++
			for i := range ops {
				w, ok := num.ParseDouble(argv[j])
				if !ok {
					c.replyError(errZWeight)
					return
				}
				ops[i].weight = w
				j++
			}
		case op != zsetDiff && !cardOnly && remaining >= 2 && isOpt(opt, "aggregate"):
			switch a := argv[j+1]; {
			case isOpt(a, "sum"):
				aggr = aggrSum
			case isOpt(a, "min"):
				aggr = aggrMin
			case isOpt(a, "max"):
				aggr = aggrMax
			default:
				c.replyError(errSyntax)
				return
			}
			j += 2
		case dst == nil && !cardOnly && isOpt(opt, "withscores"):
			withscores = true
			j++
		case cardOnly && remaining >= 2 && isOpt(opt, "limit"):
			l, ok := c.rangeArg(argv[j+1], 0, math.MaxInt64, errLimitNegative)
			if !ok {
				return
			}
			limit = l
			j += 2
		default:
			c.replyError(errSyntax)
			return
		}
	}
	if op != zsetDiff {
		// Smallest first (stable, like glibc's merge sort): it speeds up
		// the intersection and fixes the order scores are summed in.
		slices.SortStableFunc(ops, func(a, b zsetOperand) int { return a.len() - b.len() })
	}
	var res []scoredMember
	switch op {
	case zsetUnion:
		res = zunionMembers(ops, aggr)
	case zsetInter:
		var card int64
		res, card = zinterMembers(ops, aggr, cardOnly, limit)
		if cardOnly {
			c.replyInt(card)
			return
		}
	case zsetDiff:
		res = zdiffMembers(ops)
	}
	slices.SortFunc(res, func(a, b scoredMember) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return bytes.Compare(a.member, b.member)
	})
	if dst != nil {
		now := c.now
		if len(res) == 0 {
			c.replyInt(0)
			if c.db.Delete(dst, now) {
				c.notify(notifyGeneric, "del", dst)
			} else {
				c.noChange()
			}
			return
		}
		// Redis builds the result as a skiplist and converts it to a
		// listpack if it fits: create it in its final encoding.
		maxLen := 0
		for _, r := range res {
			maxLen = max(maxLen, len(r.member))
		}
		lim := c.zsetLimits()
		z := store.NewZSetFor(len(res), maxLen, lim)
		for _, r := range res {
			z.Add(r.member, r.score, 0, lim)
		}
		c.db.SetZSet(dst, z, now)
		c.replyInt(int64(z.Len()))
		c.notify(notifyZSet, zsetStoreEvent(op), dst)
		return
	}
	c.replyScoredLen(len(res), withscores)
	for _, r := range res {
		c.replyScored(r.member, r.score, withscores)
	}
}

// weighted returns weight*score, with NaN (0 * inf) counted as 0.
func weighted(weight, score float64) float64 {
	v := weight * score
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// zunionMembers aggregates every member of every input. Members are copied:
// the inputs may be the destination that the result replaces.
func zunionMembers(ops []zsetOperand, aggr int) []scoredMember {
	idx := make(map[string]int)
	var res []scoredMember
	for i := range ops {
		o := &ops[i]
		o.each(func(m []byte, s float64) bool {
			v := weighted(o.weight, s)
			if k, ok := idx[string(m)]; ok {
				zaggregate(&res[k].score, v, aggr)
				return true
			}
			idx[string(m)] = len(res)
			res = append(res, scoredMember{bytes.Clone(m), v})
			return true
		})
	}
	return res
}

// zinterMembers returns the members of the first (smallest) input found in
// every other one, with their aggregated scores, or with cardOnly just
// their number (stopping at limit, if not 0).
func zinterMembers(ops []zsetOperand, aggr int, cardOnly bool, limit int64) ([]scoredMember, int64) {
	var res []scoredMember
	var card int64
	if ops[0].len() == 0 {
		return nil, 0
	}
	ops[0].each(func(m []byte, s float64) bool {
		score := weighted(ops[0].weight, s)
		for i := 1; i < len(ops); i++ {
			v, ok := ops[i].score(m)
			if !ok {
				return true
			}
			zaggregate(&score, v*ops[i].weight, aggr)
		}
		if cardOnly {
			card++
			return limit == 0 || card < limit
		}
		res = append(res, scoredMember{bytes.Clone(m), score})
		return true
	})
	return res, card
}

// zdiffMembers returns the members of the first input found in no other.
func zdiffMembers(ops []zsetOperand) []scoredMember {
	var res []scoredMember
	ops[0].each(func(m []byte, s float64) bool {
		for i := 1; i < len(ops); i++ {
			if _, ok := ops[i].score(m); ok {
				return true
			}
		}
		res = append(res, scoredMember{bytes.Clone(m), s})
		return true
	})
	return res
}

func zunionCommand(c *Ctx)      { zsetOpGeneric(c, nil, 1, zsetUnion, false) }
func zinterCommand(c *Ctx)      { zsetOpGeneric(c, nil, 1, zsetInter, false) }
func zdiffCommand(c *Ctx)       { zsetOpGeneric(c, nil, 1, zsetDiff, false) }
func zintercardCommand(c *Ctx)  { zsetOpGeneric(c, nil, 1, zsetInter, true) }
func zunionstoreCommand(c *Ctx) { zsetOpGeneric(c, c.argv[1], 2, zsetUnion, false) }
func zinterstoreCommand(c *Ctx) { zsetOpGeneric(c, c.argv[1], 2, zsetInter, false) }
func zdiffstoreCommand(c *Ctx)  { zsetOpGeneric(c, c.argv[1], 2, zsetDiff, false) }

// zsetOpStoreGetKeys finds the keys of ZUNIONSTORE, ZINTERSTORE and
// ZDIFFSTORE: the destination, then numkeys keys.
func zsetOpStoreGetKeys(argv [][]byte) []int { return numkeysKeys(argv, 2, true) }

// ---- ZSCAN ----

// zscanCommand is ZSCAN key cursor [MATCH pattern] [COUNT count]. Like
// Redis it checks the cursor, then the key, then the options; the pattern
// filters members (and drops their scores with them).
func zscanCommand(c *Ctx) {
	argv := c.argv
	cursor, ok := parseScanCursor(argv[2])
	if !ok {
		c.replyError(errInvalidCursor)
		return
	}
	z, ok := c.lookupZSet(argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.replyScanHeader(0, 0)
		return
	}
	o, ok := parseScanOpts(c, 3, false)
	if !ok {
		return
	}
	var items []scoredMember
	next := z.Scan(cursor, int(min(o.count, math.MaxInt32)), func(m []byte, s float64) {
		if o.pattern == nil || glob.MatchBytes(o.pattern, m) {
			items = append(items, scoredMember{m, s})
		}
	})
	c.replyScanHeader(next, 2*len(items))
	var buf [32]byte
	for _, it := range items {
		c.replyBulk(it.member)
		c.replyBulk(num.AppendDouble(buf[:0], it.score))
	}
}

// zpopEvent is the keyspace event of a pop of the lowest or (highest) the
// highest members.
func zpopEvent(highest bool) string {
	if highest {
		return "zpopmax"
	}
	return "zpopmin"
}

// zremrangeEvent is the keyspace event of a ZREMRANGEBY* of kind.
func zremrangeEvent(kind zrangeKind) string {
	switch kind {
	case zrangeRank:
		return "zremrangebyrank"
	case zrangeScore:
		return "zremrangebyscore"
	}
	return "zremrangebylex"
}

// zsetStoreEvent is the keyspace event of a Z*STORE of op.
func zsetStoreEvent(op zsetOp) string {
	switch op {
	case zsetUnion:
		return "zunionstore"
	case zsetInter:
		return "zinterstore"
	}
	return "zdiffstore"
}
