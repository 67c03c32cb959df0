package server

import (
	"bytes"
	"math"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

var keyCommands = []*Command{
	{Name: "del", Proc: delCommand},
	{Name: "unlink", Proc: delCommand},
	{Name: "exists", Proc: existsCommand},
	{Name: "type", Proc: typeCommand},
	{Name: "expire", Proc: expireCommand},
	{Name: "pexpire", Proc: pexpireCommand},
	{Name: "expireat", Proc: expireatCommand},
	{Name: "pexpireat", Proc: pexpireatCommand},
	{Name: "ttl", Proc: ttlCommand},
	{Name: "pttl", Proc: pttlCommand},
	{Name: "expiretime", Proc: expiretimeCommand},
	{Name: "pexpiretime", Proc: pexpiretimeCommand},
	{Name: "persist", Proc: persistCommand},
	{Name: "rename", Proc: renameCommand},
	{Name: "renamenx", Proc: renamenxCommand},
	{Name: "copy", Proc: copyCommand},
	{Name: "move", Proc: moveCommand},
	{Name: "touch", Proc: touchCommand},
	{Name: "keys", Proc: keysCommand},
	{Name: "scan", Proc: scanCommand},
	{Name: "randomkey", Proc: randomkeyCommand},
	{Name: "swapdb", Proc: swapdbCommand},
	{Name: "object", Subcommands: []*Command{
		{Name: "encoding", Proc: objectEncodingCommand},
		{Name: "freq", Proc: objectFreqCommand},
		{Name: "help", Proc: objectHelpCommand},
		{Name: "idletime", Proc: objectIdletimeCommand},
		{Name: "refcount", Proc: objectRefcountCommand},
	}},
}

// lookupNoTouch finds key for a command that only inspects it (TYPE,
// EXISTS, TTL, OBJECT): the access counts as a keyspace hit or miss but
// leaves the key's LRU clock alone, like Redis's LOOKUP_NOTOUCH.
func (c *Ctx) lookupNoTouch(key []byte) (store.Entry, bool) {
	e, ok := c.db.LookupWith(key, c.now, store.NoTouch)
	if !ok {
		c.notify(notifyKeyMiss, "keymiss", key)
	}
	return e, ok
}

// ---- DEL, UNLINK, EXISTS, TYPE, TOUCH ----

// delCommand serves DEL and UNLINK: both free memory through the garbage
// collector, so UNLINK's lazy freeing is DEL's.
func delCommand(c *Ctx) {
	now := c.now
	var n int64
	for _, key := range c.argv[1:] {
		if c.db.Delete(key, now) {
			c.touched(c.dbIndex, key)
			c.notify(notifyGeneric, "del", key)
			n++
		}
	}
	c.touchedSelf = true
	c.setChanges(int(n)) // one change per key deleted, as Redis counts
	c.replyInt(n)
}

func existsCommand(c *Ctx) {
	var n int64
	for _, key := range c.argv[1:] {
		if _, ok := c.lookupNoTouch(key); ok {
			n++
		}
	}
	c.replyInt(n)
}

func typeCommand(c *Ctx) {
	t := store.TypeNone
	if e, ok := c.lookupNoTouch(c.argv[1]); ok {
		t = e.Type()
	}
	c.replyStatus(t.String())
}

// touchCommand updates the keys' LRU clocks even for a CLIENT NO-TOUCH
// client, as Redis 7.2 (which added NO-TOUCH) does: touching is what it was
// asked to do.
func touchCommand(c *Ctx) {
	now := c.now
	var n int64
	for _, key := range c.argv[1:] {
		if _, ok := c.db.Lookup(key, now); ok {
			n++
		} else {
			c.notify(notifyKeyMiss, "keymiss", key)
		}
	}
	c.replyInt(n)
}

// ---- EXPIRE family, TTL family, PERSIST ----

// EXPIRE condition flags.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags parses EXPIRE's NX/XX/GT/LT options from argv[3:],
// replying an error and returning ok == false if they are invalid.
func parseExpireFlags(c *Ctx) (flags int, ok bool) {
	for _, opt := range c.argv[3:] {
		switch {
		case isOpt(opt, "nx"):
			flags |= expireNX
		case isOpt(opt, "xx"):
			flags |= expireXX
		case isOpt(opt, "gt"):
			flags |= expireGT
		case isOpt(opt, "lt"):
			flags |= expireLT
		default:
			c.replyError(errExpireOption(opt))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.replyError(errExpireNXAndGT)
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.replyError(errExpireGTAndLT)
		return 0, false
	}
	return flags, true
}

// expireGeneric implements the EXPIRE family: the time argument is in
// seconds or milliseconds, relative to base (now, or 0 for the -AT forms).
// A time at or before now deletes the key.
func expireGeneric(c *Ctx, base int64, seconds bool) {
	flags, ok := parseExpireFlags(c)
	if !ok {
		return
	}
	when, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.replyInvalidExpire()
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.replyInvalidExpire()
		return
	}
	when += base
	key := c.argv[1]
	e, found := c.lookupWrite(key)
	if !found {
		c.noChange()
		c.replyInt(0)
		return
	}
	if flags != 0 {
		cur := e.Deadline() // -1: no deadline, which counts as infinite
		if flags&expireNX != 0 && cur != -1 ||
			flags&expireXX != 0 && cur == -1 ||
			flags&expireGT != 0 && (cur == -1 || when <= cur) ||
			flags&expireLT != 0 && cur != -1 && when >= cur {
			c.noChange()
			c.replyInt(0)
			return
		}
	}
	// Propagated as Redis 7.0 does: a deadline already passed deletes the
	// key (DEL); any other becomes PEXPIREAT with an absolute time.
	now := c.now
	if when <= now {
		c.db.Delete(key, now)
		c.propagateDel(key)
		c.notify(notifyGeneric, "del", key)
	} else {
		c.db.SetDeadline(key, when, now)
		c.propagateExpiryAt(key, when, c.argv[3:]...)
		c.replyInt(1) // before the event, as in Redis
		c.notify(notifyGeneric, "expire", key)
		return
	}
	c.replyInt(1)
}

func expireCommand(c *Ctx)    { expireGeneric(c, c.now, true) }
func pexpireCommand(c *Ctx)   { expireGeneric(c, c.now, false) }
func expireatCommand(c *Ctx)  { expireGeneric(c, 0, true) }
func pexpireatCommand(c *Ctx) { expireGeneric(c, 0, false) }

// ttlGeneric implements TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for a
// missing key, -1 for one without a deadline, else the time left (or the
// deadline itself when abs), in milliseconds or rounded to seconds.
func ttlGeneric(c *Ctx, ms, abs bool) {
	e, ok := c.lookupNoTouch(c.argv[1])
	if !ok {
		c.replyInt(-2)
		return
	}
	t := e.Deadline()
	if t == -1 {
		c.replyInt(-1)
		return
	}
	if !abs {
		t = max(t-c.now, 0)
	}
	if !ms {
		t = t/1000 + (t%1000+500)/1000 // rounded, without overflow near MaxInt64
	}
	c.replyInt(t)
}

func ttlCommand(c *Ctx)         { ttlGeneric(c, false, false) }
func pttlCommand(c *Ctx)        { ttlGeneric(c, true, false) }
func expiretimeCommand(c *Ctx)  { ttlGeneric(c, false, true) }
func pexpiretimeCommand(c *Ctx) { ttlGeneric(c, true, true) }

func persistCommand(c *Ctx) {
	if _, ok := c.lookupWrite(c.argv[1]); ok && c.db.Persist(c.argv[1], c.now) {
		c.notify(notifyGeneric, "persist", c.argv[1])
		c.replyInt(1)
		return
	}
	c.noChange()
	c.replyInt(0)
}

// ---- RENAME, RENAMENX, COPY, MOVE, SWAPDB ----

// renameGeneric implements RENAME and RENAMENX. Renaming a key to itself
// succeeds without doing anything, but still requires the key to exist.
func renameGeneric(c *Ctx, nx bool) {
	src, dst := c.argv[1], c.argv[2]
	if _, ok := c.lookupWrite(src); !ok {
		c.replyError(errNoSuchKey)
		return
	}
	renamed := false
	if !bytes.Equal(src, dst) {
		if _, exists := c.lookupWrite(dst); !exists || !nx {
			c.db.Rename(src, c.db, dst, c.now)
			renamed = true
			c.notify(notifyGeneric, "rename_from", src)
			c.notify(notifyGeneric, "rename_to", dst)
		}
	}
	if !renamed {
		c.noChange() // the same name, or RENAMENX onto an existing key
	}
	switch {
	case !nx:
		c.replyOK()
	case renamed:
		c.replyInt(1)
	default:
		c.replyInt(0)
	}
}

func renameCommand(c *Ctx)   { renameGeneric(c, false) }
func renamenxCommand(c *Ctx) { renameGeneric(c, true) }

// dbIndexArg parses a database index the way Redis's getIntFromObjectOrReply
// does: an integer that fits in 32 bits. msg, if not empty, replaces both of
// its error replies. It replies the error and returns ok == false on failure.
func dbIndexArg(c *Ctx, arg []byte, msg string) (int64, bool) {
	n, ok := num.ParseInt(arg)
	if ok && (n < math.MinInt32 || n > math.MaxInt32) {
		ok = false
		if msg == "" {
			msg = errIntRange
		}
	}
	if !ok {
		if msg == "" {
			msg = errNotInteger
		}
		c.replyError(msg)
	}
	return n, ok
}

// dbByIndex returns the database numbered id, or nil if there is none.
func (s *Server) dbByIndex(id int64) *store.DB {
	if id < 0 || id >= int64(len(s.dbs)) {
		return nil
	}
	return s.dbs[id]
}

func copyCommand(c *Ctx) {
	dstDB, dstIndex := c.db, c.dbIndex
	replace := false
	argv := c.argv
	for j := 3; j < len(argv); j++ {
		switch {
		case isOpt(argv[j], "replace"):
			replace = true
		case isOpt(argv[j], "db") && j+1 < len(argv):
			id, ok := dbIndexArg(c, argv[j+1], "")
			if !ok {
				return
			}
			if dstDB = c.dbAt(id); dstDB == nil {
				c.replyError(errDBIndex)
				return
			}
			dstIndex = int(id)
			j++
		default:
			c.replyError(errSyntax)
			return
		}
	}
	src, dst := argv[1], argv[2]
	if dstDB == c.db && bytes.Equal(src, dst) {
		c.replyError(errSameObject)
		return
	}
	if _, ok := c.lookupRead(src); !ok {
		c.noChange()
		c.replyInt(0)
		return
	}
	now := c.now
	if _, exists := dstDB.LookupWith(dst, now, c.lookupFlags()|store.NoStats); exists && !replace {
		c.noChange()
		c.replyInt(0)
		return
	}
	c.db.Copy(src, dstDB, dst, now)
	c.touched(dstIndex, dst)
	c.notifyIn(notifyGeneric, "copy_to", dst, dstIndex)
	if dstDB != c.db {
		c.srv.signalKey(dstIndex, dst)
	}
	c.replyInt(1)
}

func moveCommand(c *Ctx) {
	id, ok := dbIndexArg(c, c.argv[2], "")
	if !ok {
		return
	}
	dstDB := c.dbAt(id)
	if dstDB == nil {
		c.replyError(errDBIndex)
		return
	}
	if dstDB == c.db {
		c.replyError(errSameObject)
		return
	}
	key := c.argv[1]
	if _, ok := c.lookupWrite(key); !ok {
		c.noChange()
		c.replyInt(0)
		return
	}
	now := c.now
	if _, exists := dstDB.LookupWith(key, now, c.lookupFlags()|store.NoStats); exists {
		c.noChange()
		c.replyInt(0)
		return
	}
	c.db.Rename(key, dstDB, key, now)
	c.touched(c.dbIndex, key)
	c.touched(int(id), key)
	c.notify(notifyGeneric, "move_from", key)
	c.notifyIn(notifyGeneric, "move_to", key, int(id))
	c.srv.signalKey(int(id), key)
	c.replyInt(1)
}

// swapdbCommand exchanges two databases' contents. Clients keep their
// selected database number, so they see the other contents from then on.
func swapdbCommand(c *Ctx) {
	id1, ok := dbIndexArg(c, c.argv[1], errSwapDBFirst)
	if !ok {
		return
	}
	id2, ok := dbIndexArg(c, c.argv[2], errSwapDBSecond)
	if !ok {
		return
	}
	db1, db2 := c.dbAt(id1), c.dbAt(id2)
	if db1 == nil || db2 == nil {
		c.replyError(errDBIndex)
		return
	}
	if db1 != db2 {
		c.srv.touchAllWatchedKeys(int(id1), db2, c.now)
		c.srv.touchAllWatchedKeys(int(id2), db1, c.now)
		db1.Swap(db2)
		c.srv.signalDB(int(id1))
		c.srv.signalDB(int(id2))
	}
	c.touchedSelf = true
	c.replyOK()
}

// ---- KEYS, SCAN, RANDOMKEY ----

// keysCommand replies with every live key matching the pattern. Like Redis
// it skips expired keys without deleting them.
func keysCommand(c *Ctx) {
	pattern := c.argv[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	var keys [][]byte
	c.db.Ascend(c.now, func(e store.Entry) bool {
		if all || glob.MatchBytes(pattern, e.Key()) {
			keys = append(keys, e.Key())
		}
		return true
	})
	c.replyArray(len(keys))
	c.replyBulkItems(keys)
}

// scanCommand visits about COUNT keys from the cursor, then filters them as
// Redis does, in its order: by pattern; by type (a lookup that counts a
// keyspace hit or miss and deletes the key if expired; a missing key's type
// is "none"); and by expiry (deleting expired keys). kvd's cursors are key
// hashes, so keys present for a whole iteration are returned whatever
// changes between calls.
func scanCommand(c *Ctx) {
	cursor, ok := parseScanCursor(c.argv[1])
	if !ok {
		c.replyError(errInvalidCursor)
		return
	}
	o, ok := parseScanOpts(c, 2, true)
	if !ok {
		return
	}
	// Copy the visited keys out of the store: the filters below may delete keys.
	var arena []byte
	var ends []int
	next := c.db.ScanEntries(cursor, int(min(o.count, math.MaxInt32)), func(e store.Entry) {
		arena = append(arena, e.Key()...)
		ends = append(ends, len(arena))
	})
	now := c.now
	keys := make([][]byte, 0, len(ends))
	start := 0
	for _, end := range ends {
		key := arena[start:end:end]
		start = end
		if o.pattern != nil && !glob.MatchBytes(o.pattern, key) {
			continue
		}
		if o.typ != nil {
			t := store.TypeNone
			if e, found := c.lookupNoTouch(key); found {
				t = e.Type()
			}
			if !isOpt(o.typ, t.String()) {
				continue
			}
		}
		if c.db.ExpireIfNeeded(key, now) {
			continue
		}
		keys = append(keys, key)
	}
	c.replyScanHeader(next, len(keys))
	c.replyBulkItems(keys)
}

func randomkeyCommand(c *Ctx) {
	key, ok := c.db.RandomKey(c.now)
	if !ok {
		c.replyNull()
		return
	}
	c.replyBulk(key)
}

// ---- OBJECT ----

// objectLookup finds OBJECT's key without touching it, replying null if it
// is missing.
func objectLookup(c *Ctx) (store.Entry, bool) {
	e, ok := c.db.LookupWith(c.argv[2], c.now, store.NoTouch) // no keymiss event, as in Redis
	if !ok {
		c.replyNull()
	}
	return e, ok
}

func objectEncodingCommand(c *Ctx) {
	if e, ok := objectLookup(c); ok {
		c.replyBulkString(e.EncodingName())
	}
}

func objectRefcountCommand(c *Ctx) {
	if e, ok := objectLookup(c); ok {
		c.replyInt(e.RefCount())
	}
}

// objectIdletimeCommand replies with the seconds since the key was last
// used; under an LFU policy the clock holds a counter instead (evict.go).
func objectIdletimeCommand(c *Ctx) {
	if e, ok := objectLookup(c); ok {
		if c.srv.evict.policy.lfu() {
			c.replyError(errLRUNotTaken)
			return
		}
		c.replyInt(store.IdleMillis(e.LRU(), c.now) / 1000)
	}
}

// objectFreqCommand replies with the key's LFU counter, decayed to now,
// under an LFU maxmemory policy (evict.go).
func objectFreqCommand(c *Ctx) {
	if e, ok := objectLookup(c); ok {
		if !c.srv.evict.policy.lfu() {
			c.replyError(errLFUNotTaken)
			return
		}
		c.replyInt(int64(store.LFUDecay(e.LRU(), c.now, c.srv.evict.lfu.DecayTime)))
	}
}

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

func objectHelpCommand(c *Ctx) { c.replyHelpLines("OBJECT", objectHelp) }
