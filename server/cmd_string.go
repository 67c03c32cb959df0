package server

import (
	"math"
	"math/big"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

var stringCommands = []*Command{
	{Name: "get", Proc: getCommand},
	{Name: "set", Proc: setCommand},
	{Name: "setnx", Proc: setnxCommand},
	{Name: "setex", Proc: setexCommand},
	{Name: "psetex", Proc: psetexCommand},
	{Name: "append", Proc: appendCommand},
	{Name: "strlen", Proc: strlenCommand},
	{Name: "getdel", Proc: getdelCommand},
	{Name: "getex", Proc: getexCommand},
	{Name: "getset", Proc: getsetCommand},
	{Name: "mget", Proc: mgetCommand},
	{Name: "mset", Proc: msetCommand},
	{Name: "msetnx", Proc: msetnxCommand},
	{Name: "incr", Proc: incrCommand},
	{Name: "decr", Proc: decrCommand},
	{Name: "incrby", Proc: incrbyCommand},
	{Name: "decrby", Proc: decrbyCommand},
	{Name: "incrbyfloat", Proc: incrbyfloatCommand},
	{Name: "getrange", Proc: getrangeCommand},
	{Name: "substr", Proc: getrangeCommand},
	{Name: "setrange", Proc: setrangeCommand},
	{Name: "lcs", Proc: lcsCommand},
}

// lookupString returns key's string value. It replies WRONGTYPE and returns
// ok == false if the key holds another type; found is false for a missing key.
func (c *Ctx) lookupString(key []byte) (val []byte, found, ok bool) {
	e, found, ok := c.lookupType(key, store.TypeString)
	if !found || !ok {
		return nil, found, ok
	}
	return e.Str(), true, true
}

// getGeneric replies with key's string value or null. It returns false if
// it replied WRONGTYPE.
func getGeneric(c *Ctx) bool {
	val, found, ok := c.lookupString(c.argv[1])
	if !ok {
		return false
	}
	if !found {
		c.replyNull()
		return true
	}
	c.replyBulk(val)
	return true
}

func getCommand(c *Ctx) { getGeneric(c) }

// SET option flags.
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setEX
	setPX
	setEXAT
	setPXAT
	setPersist // GETEX only
)

const setExpireFlags = setEX | setPX | setEXAT | setPXAT

// stringOptsFor says which command's options parseStringOpts accepts:
// SET's, or GETEX's (forGetex).
type stringOptsFor int

const (
	forSet stringOptsFor = iota
	forGetex
)

// parseStringOpts parses SET's (or GETEX's) options from argv[from:] with
// the rules of Redis's parseExtendedStringArgumentsOrReply. It returns the
// flags and the expire argument, or ok == false after replying an error.
func parseStringOpts(c *Ctx, from int, mode stringOptsFor) (flags int, expire []byte, ok bool) {
	argv := c.argv
	for j := from; j < len(argv); j++ {
		opt := argv[j]
		hasNext := j < len(argv)-1
		switch {
		case isOpt(opt, "nx") && flags&setXX == 0 && mode == forSet:
			flags |= setNX
		case isOpt(opt, "xx") && flags&setNX == 0 && mode == forSet:
			flags |= setXX
		case isOpt(opt, "get") && mode == forSet:
			flags |= setGet
		case isOpt(opt, "keepttl") && flags&(setPersist|setExpireFlags) == 0 && mode == forSet:
			flags |= setKeepTTL
		case isOpt(opt, "persist") && mode == forGetex && flags&(setExpireFlags|setKeepTTL) == 0:
			flags |= setPersist
		case isOpt(opt, "ex") && flags&(setKeepTTL|setPersist|setEXAT|setPX|setPXAT) == 0 && hasNext:
			flags |= setEX
			expire = argv[j+1]
			j++
		case isOpt(opt, "px") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPXAT) == 0 && hasNext:
			flags |= setPX
			expire = argv[j+1]
			j++
		case isOpt(opt, "exat") && flags&(setKeepTTL|setPersist|setEX|setPX|setPXAT) == 0 && hasNext:
			flags |= setEXAT
			expire = argv[j+1]
			j++
		case isOpt(opt, "pxat") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPX) == 0 && hasNext:
			flags |= setPXAT
			expire = argv[j+1]
			j++
		default:
			c.replyError(errSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireDeadline converts an expire argument to an absolute deadline in unix
// ms, replying Redis's error if it is not a positive integer or overflows.
// seconds says the unit is seconds; relative says it counts from now.
func expireDeadline(c *Ctx, arg []byte, seconds, relative bool) (int64, bool) {
	n, ok := c.intArg(arg)
	if !ok {
		return 0, false
	}
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		c.replyInvalidExpire()
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if relative {
		now := c.now
		if n > math.MaxInt64-now {
			c.replyInvalidExpire()
			return 0, false
		}
		n += now
	}
	return n, true
}

func (c *Ctx) replyInvalidExpire() {
	c.replyError(errInvalidExpire(c.cmd.fullName))
}

// setGeneric implements SET and its variants once the options are known.
// okReply/abortReply are what SETNX-style callers answer instead of OK/null.
func setGeneric(c *Ctx, key, val []byte, flags int, expire []byte, okReply, abortReply func()) {
	deadline := int64(-1)
	if expire != nil {
		var ok bool
		deadline, ok = expireDeadline(c, expire, flags&(setEX|setEXAT) != 0, flags&(setEX|setPX) != 0)
		if !ok {
			return
		}
	}
	if flags&setGet != 0 && !getGeneric(c) {
		return
	}
	db, now := c.db, c.now
	_, found := c.lookupWrite(key)
	if (flags&setNX != 0 && found) || (flags&setXX != 0 && !found) {
		c.noChange()
		if flags&setGet == 0 {
			if abortReply != nil {
				abortReply()
			} else {
				c.replyNull()
			}
		}
		return
	}
	db.SetString(key, val, store.ClassifyString(val), store.SetOptions{Deadline: deadline, KeepTTL: flags&setKeepTTL != 0}, now)
	c.notify(notifyString, "set", key)
	if expire != nil {
		c.notify(notifyGeneric, "expire", key)
		// Like Redis 7.0: a relative or second-based expiry propagates
		// as an absolute one, SET key value PXAT <ms>.
		c.propagateSetAt(key, val, deadline)
	}
	if flags&setGet == 0 {
		if okReply != nil {
			okReply()
		} else {
			c.replyOK()
		}
	}
}

func setCommand(c *Ctx) {
	flags, expire, ok := parseStringOpts(c, 3, forSet)
	if !ok {
		return
	}
	setGeneric(c, c.argv[1], c.argv[2], flags, expire, nil, nil)
}

func setnxCommand(c *Ctx) {
	setGeneric(c, c.argv[1], c.argv[2], setNX, nil, func() { c.replyInt(1) }, func() { c.replyInt(0) })
}

func setexCommand(c *Ctx) {
	setGeneric(c, c.argv[1], c.argv[3], setEX, c.argv[2], nil, nil)
}

func psetexCommand(c *Ctx) {
	setGeneric(c, c.argv[1], c.argv[3], setPX, c.argv[2], nil, nil)
}

// checkStringLength replies an error and returns false if a string of
// size+grow bytes would exceed proto-max-bulk-len.
func (c *Ctx) checkStringLength(size, grow int64) bool {
	if size > c.cfg.ProtoMaxBulkLen-grow {
		c.replyError(errStringTooLong)
		return false
	}
	return true
}

func getsetCommand(c *Ctx) {
	if !getGeneric(c) {
		return
	}
	val := c.argv[2]
	c.db.SetString(c.argv[1], val, store.ClassifyString(val), store.SetOptions{Deadline: -1}, c.now)
	c.notify(notifyString, "set", c.argv[1])
}

func getdelCommand(c *Ctx) {
	if !getGeneric(c) {
		return
	}
	if !c.db.Delete(c.argv[1], c.now) {
		c.noChange()
		return
	}
	c.notify(notifyGeneric, "del", c.argv[1])
	c.propagateDel(c.argv[1]) // as Redis 7.0 propagates GETDEL
}

func getexCommand(c *Ctx) {
	flags, expire, ok := parseStringOpts(c, 2, forGetex)
	if !ok {
		return
	}
	key := c.argv[1]
	val, found, ok := c.lookupString(key)
	if !ok {
		return
	}
	if !found {
		c.noChange()
		c.replyNull()
		return
	}
	deadline := int64(-1)
	if expire != nil {
		deadline, ok = expireDeadline(c, expire, flags&(setEX|setEXAT) != 0, flags&(setEX|setPX) != 0)
		if !ok {
			return
		}
	}
	// Reply before the value can change or go.
	c.replyBulk(val)
	now := c.now
	// Propagated as Redis 7.0 does: DEL, PEXPIREAT or PERSIST.
	switch {
	case flags&(setEXAT|setPXAT) != 0 && deadline <= now:
		c.db.Delete(key, now)
		c.propagateDel(key)
		c.notify(notifyGeneric, "del", key)
	case expire != nil:
		c.db.SetDeadline(key, deadline, now)
		c.propagateExpiryAt(key, deadline)
		c.notify(notifyGeneric, "expire", key)
	case flags&setPersist != 0:
		if !c.db.Persist(key, now) {
			c.noChange()
			return
		}
		c.propagate(bPERSIST, key)
		c.notify(notifyGeneric, "persist", key)
	default:
		c.noChange()
	}
}

func mgetCommand(c *Ctx) {
	keys := c.argv[1:]
	c.replyArray(len(keys))
	for _, key := range keys {
		e, found := c.lookupRead(key)
		if !found || e.Type() != store.TypeString {
			c.replyNull()
			continue
		}
		c.replyBulk(e.Str())
	}
}

// msetGeneric implements MSET and, with nx, MSETNX.
func msetGeneric(c *Ctx, nx bool) {
	argv := c.argv
	if len(argv)%2 == 0 {
		c.replyError(errWrongArgs(c.cmd.fullName))
		return
	}
	if nx {
		for j := 1; j < len(argv); j += 2 {
			if _, found := c.lookupWrite(argv[j]); found {
				c.noChange()
				c.replyInt(0)
				return
			}
		}
	}
	now := c.now
	for j := 1; j < len(argv); j += 2 {
		val := argv[j+1]
		c.db.SetString(argv[j], val, store.ClassifyString(val), store.SetOptions{Deadline: -1}, now)
		c.notify(notifyString, "set", argv[j])
	}
	if nx {
		c.replyInt(1)
	} else {
		c.replyOK()
	}
}

func msetCommand(c *Ctx)   { msetGeneric(c, false) }
func msetnxCommand(c *Ctx) { msetGeneric(c, true) }

func appendCommand(c *Ctx) {
	key, val := c.argv[1], c.argv[2]
	cur, found, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	now := c.now
	if !found {
		// A new key gets the argument's own encoding, as in Redis.
		c.db.SetString(key, val, store.ClassifyString(val), store.SetOptions{Deadline: -1}, now)
		c.notify(notifyString, "append", key)
		c.replyInt(int64(len(val)))
		return
	}
	if !c.checkStringLength(int64(len(cur)), int64(len(val))) {
		return
	}
	n := c.db.AppendString(key, val, now)
	c.notify(notifyString, "append", key)
	c.replyInt(int64(n))
}

// lookupStringWrite is lookupString for commands that may change the key.
func (c *Ctx) lookupStringWrite(key []byte) (val []byte, found, ok bool) {
	e, found, ok := c.lookupTypeWrite(key, store.TypeString)
	if !found || !ok {
		return nil, found, ok
	}
	return e.Str(), true, true
}

func strlenCommand(c *Ctx) {
	val, _, ok := c.lookupString(c.argv[1])
	if ok {
		c.replyInt(int64(len(val)))
	}
}

// incrDecr adds incr to the integer in key (0 if missing), keeping its TTL,
// and replies with the result.
func incrDecr(c *Ctx, incr int64) {
	key := c.argv[1]
	cur, found, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	var value int64
	if found {
		if value, ok = num.ParseInt(cur); !ok {
			c.replyError(errNotInteger)
			return
		}
	}
	if (incr < 0 && value < 0 && incr < math.MinInt64-value) ||
		(incr > 0 && value > 0 && incr > math.MaxInt64-value) {
		c.replyError(errOverflow)
		return
	}
	value += incr
	var buf [num.MaxInt64Len]byte
	c.db.SetString(key, num.AppendInt(buf[:0], value), store.EncInt, store.SetOptions{KeepTTL: true}, c.now)
	c.notify(notifyString, "incrby", key)
	c.replyInt(value)
}

func incrCommand(c *Ctx) { incrDecr(c, 1) }
func decrCommand(c *Ctx) { incrDecr(c, -1) }

func incrbyCommand(c *Ctx) {
	if incr, ok := c.intArg(c.argv[2]); ok {
		incrDecr(c, incr)
	}
}

func decrbyCommand(c *Ctx) {
	decr, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	if decr == math.MinInt64 {
		c.replyError(errDecrOverflow)
		return
	}
	incrDecr(c, -decr)
}

// incrbyfloatCommand adds in C long double arithmetic, as Redis does, and
// stores the result printed like Redis's "%.17Lf" with zeros trimmed.
func incrbyfloatCommand(c *Ctx) {
	key := c.argv[1]
	cur, found, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	value := new(big.Float)
	if found {
		if value, ok = num.ParseLongDouble(cur); !ok {
			c.replyError(errNotFloat)
			return
		}
	}
	incr, ok := c.longDoubleArg(c.argv[2])
	if !ok {
		return
	}
	sum, ok := num.AddLongDouble(value, incr)
	if !ok {
		c.replyError(errNaNOrInfinity)
		return
	}
	var buf [64]byte
	s := num.AppendLongDoubleHuman(buf[:0], sum)
	c.db.SetString(key, s, store.LengthEncoding(s), store.SetOptions{KeepTTL: true}, c.now)
	c.notify(notifyString, "incrbyfloat", key)
	c.replyBulk(s)
	// As Redis does: float formatting must not differ between the master
	// and what applies the stream, so the result is propagated.
	c.propagate(bSET, key, s, bKEEPTTL)
}

// getrangeCommand implements GETRANGE and SUBSTR.
func getrangeCommand(c *Ctx) {
	start, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	end, ok := c.intArg(c.argv[3])
	if !ok {
		return
	}
	val, _, ok := c.lookupString(c.argv[1])
	if !ok {
		return
	}
	n := int64(len(val))
	if start < 0 && end < 0 && start > end {
		c.replyBulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.replyBulk(nil)
		return
	}
	c.replyBulk(val[start : end+1])
}

func setrangeCommand(c *Ctx) {
	key, val := c.argv[1], c.argv[3]
	offset, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	if offset < 0 {
		c.replyError(errOffsetRange)
		return
	}
	cur, _, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	if len(val) == 0 {
		// Nothing to write: the length as it is, and no key created.
		c.replyInt(int64(len(cur)))
		return
	}
	if !c.checkStringLength(offset, int64(len(val))) {
		return
	}
	n := c.db.SetRange(key, int(offset), val, c.now)
	c.notify(notifyString, "setrange", key)
	c.replyInt(int64(n))
}

// lcsMatch is one range LCS IDX reports: a[aStart..aEnd] == b[bStart..bEnd].
type lcsMatch struct {
	aStart, aEnd, bStart, bEnd int64
}

// lcsCommand implements LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n]
// [WITHMATCHLEN] with Redis's dynamic-programming table, so that the
// subsequence and the match ranges it picks are Redis's.
func lcsCommand(c *Ctx) {
	ea, fa := c.lookupRead(c.argv[1])
	eb, fb := c.lookupRead(c.argv[2])
	if (fa && ea.Type() != store.TypeString) || (fb && eb.Type() != store.TypeString) {
		c.replyError(errLCSWrongType)
		return
	}
	var a, b []byte
	if fa {
		a = ea.Str()
	}
	if fb {
		b = eb.Str()
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.argv); j++ {
		opt := c.argv[j]
		switch {
		case isOpt(opt, "idx"):
			getIdx = true
		case isOpt(opt, "len"):
			getLen = true
		case isOpt(opt, "withmatchlen"):
			withMatchLen = true
		case isOpt(opt, "minmatchlen") && j < len(c.argv)-1:
			n, ok := c.intArg(c.argv[j+1])
			if !ok {
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.replyError(errSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.replyError(errLCSLenAndIdx)
		return
	}
	if int64(len(a)) >= math.MaxUint32-1 || int64(len(b)) >= math.MaxUint32-1 {
		c.replyError(errLCSTooLong)
		return
	}
	// The table holds (len(a)+1) × (len(b)+1) uint32 cells; Redis refuses
	// one bigger than proto-max-bulk-len.
	rows, cols := uint64(len(a))+1, uint64(len(b))+1
	cells := rows * cols
	if cells/rows != cols || cells > math.MaxInt/4 {
		c.replyError(errLCSAllocFailed)
		return
	}
	if cells*4 > uint64(c.cfg.ProtoMaxBulkLen) {
		c.replyError(errLCSTooMuchMem)
		return
	}
	lcs := make([]uint32, cells)
	at := func(i, j int) uint32 { return lcs[j+i*int(cols)] }
	for i := 1; i <= len(a); i++ {
		row, prev := lcs[i*int(cols):(i+1)*int(cols)], lcs[(i-1)*int(cols):i*int(cols)]
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				row[j] = prev[j-1] + 1
			} else {
				row[j] = max(prev[j], row[j-1])
			}
		}
	}
	total := at(len(a), len(b))
	if getLen {
		c.replyInt(int64(total))
		return
	}

	// Walk back from the end of both strings, collecting the subsequence
	// (backwards) and, for IDX, the ranges of contiguous matches.
	result := make([]byte, total)
	idx := total
	var matches []lcsMatch
	alen := int64(len(a))
	cur := lcsMatch{aStart: alen} // aStart == alen: no range open
	for i, j := len(a), len(b); i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			switch {
			case cur.aStart == alen:
				cur = lcsMatch{int64(i - 1), int64(i - 1), int64(j - 1), int64(j - 1)}
			case cur.aStart == int64(i) && cur.bStart == int64(j):
				cur.aStart--
				cur.bStart--
			default:
				emit = true
			}
			if cur.aStart == 0 || cur.bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if at(i-1, j) > at(i, j-1) {
				i--
			} else {
				j--
			}
			if cur.aStart != alen {
				emit = true
			}
		}
		if emit {
			if matchLen := cur.aEnd - cur.aStart + 1; getIdx && (minMatchLen == 0 || matchLen >= minMatchLen) {
				matches = append(matches, cur)
			}
			cur.aStart = alen
		}
	}
	if !getIdx {
		c.replyBulk(result)
		return
	}
	c.replyMap(2)
	c.replyBulkString("matches")
	c.replyArray(len(matches))
	for _, m := range matches {
		if withMatchLen {
			c.replyArray(3)
		} else {
			c.replyArray(2)
		}
		c.replyArray(2)
		c.replyInt(m.aStart)
		c.replyInt(m.aEnd)
		c.replyArray(2)
		c.replyInt(m.bStart)
		c.replyInt(m.bEnd)
		if withMatchLen {
			c.replyInt(m.aEnd - m.aStart + 1)
		}
	}
	c.replyBulkString("len")
	c.replyInt(int64(total))
}
