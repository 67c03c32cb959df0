package server

import (
	"math"
	"strconv"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

var hashCommands = []*Command{
	{Name: "hset", Proc: hsetCommand},
	{Name: "hsetnx", Proc: hsetnxCommand},
	{Name: "hget", Proc: hgetCommand},
	{Name: "hmset", Proc: hsetCommand},
	{Name: "hmget", Proc: hmgetCommand},
	{Name: "hdel", Proc: hdelCommand},
	{Name: "hlen", Proc: hlenCommand},
	{Name: "hstrlen", Proc: hstrlenCommand},
	{Name: "hexists", Proc: hexistsCommand},
	{Name: "hkeys", Proc: hkeysCommand},
	{Name: "hvals", Proc: hvalsCommand},
	{Name: "hgetall", Proc: hgetallCommand},
	{Name: "hincrby", Proc: hincrbyCommand},
	{Name: "hincrbyfloat", Proc: hincrbyfloatCommand},
	{Name: "hrandfield", Proc: hrandfieldCommand},
	{Name: "hscan", Proc: hscanCommand},
}

// hashLimits returns the server's hash encoding thresholds.
func (c *Ctx) hashLimits() store.HashLimits {
	return store.HashLimits{
		MaxListpackEntries: int64(c.cfg.HashMaxListpackEntries),
		MaxListpackValue:   c.cfg.HashMaxListpackValue,
	}
}

// lookupHash finds key's hash for reading. It returns nil for a missing
// key, and ok == false after replying WRONGTYPE.
func (c *Ctx) lookupHash(key []byte) (h *store.Hash, ok bool) {
	e, found, ok := c.lookupType(key, store.TypeHash)
	if !found || !ok {
		return nil, ok
	}
	return e.Hash(), true
}

// lookupHashWrite finds key's hash for a command that may change it. It
// returns nil for a missing key, and ok == false after replying WRONGTYPE.
func (c *Ctx) lookupHashWrite(key []byte) (h *store.Hash, ok bool) {
	e, found, ok := c.lookupTypeWrite(key, store.TypeHash)
	if !found || !ok {
		return nil, ok
	}
	return e.Hash(), true
}

// newHash creates an empty hash under key, which must be missing. The
// caller adds at least one field before the command ends: no hash is ever
// left empty.
func (c *Ctx) newHash(key []byte) *store.Hash {
	h := store.NewHash()
	c.db.AddHash(key, h, c.now)
	return h
}

// ---- HSET, HMSET, HSETNX ----

// hsetCommand serves HSET (replying how many fields are new) and HMSET
// (replying OK).
func hsetCommand(c *Ctx) {
	argv := c.argv
	if len(argv)%2 == 1 {
		c.replyError(errWrongArgs(c.cmd.fullName))
		return
	}
	h, ok := c.lookupHashWrite(argv[1])
	if !ok {
		return
	}
	lim := c.hashLimits()
	if h == nil {
		h = c.newHash(argv[1])
		reserveListpack(h, argv[2:], lim)
	}
	var added int64
	for i := 2; i < len(argv); i += 2 {
		if h.Set(argv[i], argv[i+1], lim) {
			added++
		}
	}
	if c.cmd.Name == "hmset" {
		c.replyOK()
	} else {
		c.replyInt(added)
	}
	c.notify(notifyHash, "hset", argv[1])
}

// reserveListpack sizes a new hash's listpack for all the fields and
// values in pairs at once, unless they will not stay a listpack.
func reserveListpack(h *store.Hash, pairs [][]byte, lim store.HashLimits) {
	if int64(len(pairs)/2) > lim.MaxListpackEntries {
		return
	}
	n := 0
	for i := 0; i < len(pairs); i += 2 {
		if int64(len(pairs[i])) > lim.MaxListpackValue || int64(len(pairs[i+1])) > lim.MaxListpackValue {
			return
		}
		n += store.ReserveSize(pairs[i], pairs[i+1])
	}
	h.Reserve(n)
}

func hsetnxCommand(c *Ctx) {
	h, ok := c.lookupHashWrite(c.argv[1])
	if !ok {
		return
	}
	if h == nil {
		h = c.newHash(c.argv[1])
	} else if h.Exists(c.argv[2]) {
		c.noChange()
		c.replyInt(0)
		return
	}
	h.Set(c.argv[2], c.argv[3], c.hashLimits())
	c.replyInt(1)
	c.notify(notifyHash, "hset", c.argv[1])
}

// ---- HGET, HMGET, HSTRLEN, HEXISTS, HLEN ----

func hgetCommand(c *Ctx) {
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	if h != nil {
		if v, found := h.Get(c.argv[2]); found {
			c.replyBulk(v)
			return
		}
	}
	c.replyNull()
}

func hmgetCommand(c *Ctx) {
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	fields := c.argv[2:]
	c.replyArray(len(fields))
	for _, f := range fields {
		if h != nil {
			if v, found := h.Get(f); found {
				c.replyBulk(v)
				continue
			}
		}
		c.replyNull()
	}
}

func hstrlenCommand(c *Ctx) {
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	var n int
	if h != nil {
		v, _ := h.Get(c.argv[2])
		n = len(v)
	}
	c.replyInt(int64(n))
}

func hexistsCommand(c *Ctx) {
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	if h != nil && h.Exists(c.argv[2]) {
		c.replyInt(1)
		return
	}
	c.replyInt(0)
}

func hlenCommand(c *Ctx) {
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	var n int
	if h != nil {
		n = h.Len()
	}
	c.replyInt(int64(n))
}

// ---- HDEL ----

func hdelCommand(c *Ctx) {
	key := c.argv[1]
	h, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	var deleted int64
	removed := false
	if h != nil {
		for _, f := range c.argv[2:] {
			if h.Delete(f) {
				deleted++
				if h.Len() == 0 {
					c.db.Delete(key, c.now)
					removed = true
					break
				}
			}
		}
	}
	if deleted == 0 {
		c.noChange() // no key changed: no WATCH, dirty count or cache touched, as in Redis
	} else {
		c.notify(notifyHash, "hdel", key)
		if removed {
			c.notify(notifyGeneric, "del", key)
		}
	}
	c.replyInt(deleted)
}

// ---- HKEYS, HVALS, HGETALL ----

// What hgetallGeneric replies with.
const (
	hashReplyFields = 1 << iota
	hashReplyValues
)

// hgetallGeneric serves HKEYS, HVALS and HGETALL: fields, values or both
// (a map in RESP3), in the hash's order.
func hgetallGeneric(c *Ctx, what int) {
	both := what == hashReplyFields|hashReplyValues
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if both {
		c.replyMap(n)
	} else {
		c.replyArray(n)
	}
	if h == nil {
		return
	}
	h.Range(func(f, v []byte) bool {
		if what&hashReplyFields != 0 {
			c.replyBulk(f)
		}
		if what&hashReplyValues != 0 {
			c.replyBulk(v)
		}
		return true
	})
}

func hkeysCommand(c *Ctx)   { hgetallGeneric(c, hashReplyFields) }
func hvalsCommand(c *Ctx)   { hgetallGeneric(c, hashReplyValues) }
func hgetallCommand(c *Ctx) { hgetallGeneric(c, hashReplyFields|hashReplyValues) }

// ---- HINCRBY, HINCRBYFLOAT ----

func hincrbyCommand(c *Ctx) {
	incr, ok := c.intArg(c.argv[3])
	if !ok {
		return
	}
	key, field := c.argv[1], c.argv[2]
	h, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	var value int64
	if h != nil {
		if v, found := h.Get(field); found {
			if value, ok = num.ParseInt(v); !ok {
				c.replyError(errHashNotInteger)
				return
			}
		}
	}
	if incr < 0 && value < 0 && incr < math.MinInt64-value ||
		incr > 0 && value > 0 && incr > math.MaxInt64-value {
		c.replyError(errOverflow)
		return
	}
	value += incr
	if h == nil {
		h = c.newHash(key)
	}
	var buf [num.MaxInt64Len]byte
	h.Set(field, strconv.AppendInt(buf[:0], value, 10), c.hashLimits())
	c.replyInt(value)
	c.notify(notifyHash, "hincrby", key)
}

func hincrbyfloatCommand(c *Ctx) {
	incr, ok := c.longDoubleArg(c.argv[3])
	if !ok {
		return
	}
	if incr.IsInf() {
		c.replyError(errHashIncrNaNInf)
		return
	}
	key, field := c.argv[1], c.argv[2]
	h, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	value := incr // a missing field counts as 0, and 0+incr is incr
	if h != nil {
		if v, found := h.Get(field); found {
			cur, ok := num.ParseLongDouble(v)
			if !ok {
				c.replyError(errHashNotFloat)
				return
			}
			if value, ok = num.AddLongDouble(cur, incr); !ok {
				c.replyError(errNaNOrInfinity)
				return
			}
		}
	} else {
		h = c.newHash(key)
	}
	var buf [64]byte
	s := num.AppendLongDoubleHuman(buf[:0], value)
	h.Set(field, s, c.hashLimits())
	c.replyBulk(s)
	c.notify(notifyHash, "hincrbyfloat", key)
	c.propagate(bHSET, key, field, s) // the result, as Redis propagates it
}

// ---- HRANDFIELD ----

func hrandfieldCommand(c *Ctx) {
	argv := c.argv
	if len(argv) >= 3 {
		count, withValues, ok := randCountArgs(c, "withvalues")
		if !ok {
			return
		}
		hrandfieldWithCount(c, count, withValues)
		return
	}
	h, ok := c.lookupHash(argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.replyNull()
		return
	}
	f, _ := h.RandomPair()
	c.replyBulk(f)
}

// hrandfieldWithCount serves HRANDFIELD with a count: a negative count
// picks fields independently (repeats allowed), a positive one distinct
// fields, at most the whole hash. WITHVALUES adds each field's value, as a
// pair in RESP3.
func hrandfieldWithCount(c *Ctx, l int64, withValues bool) {
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.replyEmptyArray()
		return
	}
	count, distinct := l, true
	if l < 0 {
		count, distinct = -l, false
	}
	if count == 0 {
		c.replyEmptyArray()
		return
	}
	flat := withValues && c.proto == 2
	replyPair := func(f, v []byte) {
		if withValues && !flat {
			c.replyArray(2)
		}
		c.replyBulk(f)
		if withValues {
			c.replyBulk(v)
		}
	}
	size := int64(h.Len())
	if !distinct || count == 1 {
		if flat {
			c.replyArray(int(count * 2))
		} else {
			c.replyArray(int(count))
		}
		n := 0
		h.RandomPairs(int(count), func(f, v []byte) bool {
			replyPair(f, v)
			// Like Redis, stop early once the client is over its output
			// limit: it is about to be closed.
			n++
			return n%1024 != 0 || !c.overLimit()
		})
		return
	}
	n := min(count, size)
	if flat {
		c.replyArray(int(n * 2))
	} else {
		c.replyArray(int(n))
	}
	if count >= size {
		h.Range(func(f, v []byte) bool { replyPair(f, v); return true })
		return
	}
	h.RandomDistinctPairs(int(count), replyPair)
}

// ---- HSCAN ----

// hscanCommand serves HSCAN with Redis's order of checks: the cursor, then
// the key (a missing key answers an empty scan whatever the options), then
// the options. A listpack hash is returned whole with cursor 0; a larger
// one about COUNT fields at a time, with a cursor that is the hash of the
// next field (see store.Hash.Scan).
func hscanCommand(c *Ctx) {
	cursor, ok := parseScanCursor(c.argv[2])
	if !ok {
		c.replyError(errInvalidCursor)
		return
	}
	h, ok := c.lookupHash(c.argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.replyScanHeader(0, 0)
		return
	}
	o, ok := parseScanOpts(c, 3, false)
	if !ok {
		return
	}
	// Nothing changes the hash until the reply is written, so the items
	// can alias it.
	var items [][]byte
	next := h.Scan(cursor, int(min(o.count, math.MaxInt32)), func(f, v []byte) {
		if o.pattern == nil || glob.MatchBytes(o.pattern, f) {
			items = append(items, f, v)
		}
	})
	c.replyScanHeader(next, len(items))
	c.replyBulkItems(items)
}
