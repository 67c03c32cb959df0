// Package store holds kvd's keyspace: databases of keys in ordered hash
// tables (kept in hash order, which SCAN cursors rely on), typed values
// (large hashes and large sorted sets in tidwall/btree B-trees, sets in
// open-addressing tables, lists in chunked deques), and expiry (lazy on
// lookup, and an active cycle over a B-tree of (deadline, key)). It knows
// nothing of clients or RESP, and it never reads the clock to decide a
// key's fate: every call that depends on time takes now, in unix
// milliseconds (only the time budgets of ExpireCycle and Rehash measure
// elapsed time). A database reports the keys it expires (DB.OnExpire).
//
// A DB is not safe for concurrent use; kvd calls it from its one executor
// goroutine.
//
// Keys and values passed in are copied before they are stored, so callers
// may pass slices of a reused read buffer. Slices handed out (Entry.Key,
// Entry.Str, collection members) point into the store and stay valid only
// until the DB is next changed.
package store

import (
	"bytes"
	"hash/maphash"
	"time"
	"unsafe"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/tidwall/btree"
)

// embedMax is the longest string value kept in the key's own allocation;
// longer ones get an allocation of their own, so that changing a key's TTL
// never copies a large value.
const embedMax = 64

// DB is one numbered database.
type DB struct {
	keys    keyspace
	expires *btree.BTreeG[expItem] // keys with a deadline, ordered by (deadline, key)
	seed    maphash.Seed

	mem     int          // bytes of keys and values (mem.go)
	pending []pendingMem // objects changed in place, to settle into mem

	// LFU, when set, makes the key clocks LFU counters (an LFU
	// maxmemory policy): see evict.go.
	LFU *LFUParams

	// Stats are counters for INFO.
	Stats Stats

	// OnExpire, if set, is called with the key of every entry the database
	// deletes because its deadline passed (on lookup or in ExpireCycle),
	// once it is deleted. The key is only valid during the call.
	OnExpire func(key []byte)
	// OnNew, if set, is called with the key of every key the database
	// adds where there was none (Redis's dbAdd: a new key, and the
	// destination of Rename and Copy, which replace what was there),
	// once it is added. The key is only valid during the call.
	OnNew func(key []byte)
}

// added reports a key added where there was none.
func (db *DB) added(key []byte) {
	if db.OnNew != nil {
		db.OnNew(key)
	}
}

// Stats counts keyspace events.
type Stats struct {
	Hits        int64 // lookups that found a key
	Misses      int64 // lookups that found none
	ExpiredKeys int64 // keys removed because their deadline passed
}

type expItem struct {
	when int64
	key  string
}

func lessExp(a, b expItem) bool {
	if a.when != b.when {
		return a.when < b.when
	}
	return a.key < b.key
}

// NewDB returns an empty database.
func NewDB() *DB {
	db := &DB{seed: maphash.MakeSeed()}
	db.init()
	return db
}

func (db *DB) init() {
	prev := &db.keys
	ks := newKeyspace(db.seed)
	ks.dropped = prev.dropped + prev.tableBytes()
	if prev.moveStep != 0 { // keep what tests tuned
		ks.hash, ks.syncBelow, ks.moveStep = prev.hash, prev.syncBelow, prev.moveStep
	}
	db.keys = ks
	db.mem = 0
	clear(db.pending)
	db.pending = db.pending[:0]
	db.expires = btree.NewBTreeGOptions(lessExp, btree.Options{NoLocks: true})
}

// LRUClock converts a time to the 24-bit second clock OBJECT IDLETIME uses.
func LRUClock(now int64) uint32 { return uint32(now/1000) & lruMax }

const lruMax = 1<<24 - 1

// IdleMillis returns how long ago, in milliseconds, an LRU clock value was,
// as of now (the clock wraps every 194 days, as Redis's does).
func IdleMillis(lru uint32, now int64) int64 {
	cur := LRUClock(now)
	if cur >= lru {
		return int64(cur-lru) * 1000
	}
	return int64(lruMax-lru+cur) * 1000
}

// find returns the entry for key without regard to expiry.
func (db *DB) find(key []byte) (entry, bool) {
	return db.keys.get(key)
}

// lookup returns the live entry for key, deleting it first if it expired.
func (db *DB) lookup(key []byte, now int64) (entry, bool) {
	e, ok := db.find(key)
	if !ok {
		return e, false
	}
	if e.hasTTL() && e.deadline() <= now {
		db.expire(e)
		return entry{}, false
	}
	return e, true
}

// LookupFlags change what a lookup records.
type LookupFlags uint8

// Lookup flags.
const (
	// NoTouch leaves the key's LRU clock alone (OBJECT, TYPE, CLIENT NO-TOUCH).
	NoTouch LookupFlags = 1 << iota
	// NoStats leaves the hit/miss counters alone (lookups for writing).
	NoStats
)

// Lookup returns key's value for a command that reads it, recording the
// access (LRU clock, hit/miss counters). Expired keys are deleted and reported missing.
func (db *DB) Lookup(key []byte, now int64) (Entry, bool) {
	return db.LookupWith(key, now, 0)
}

// LookupWith is Lookup with flags saying what not to record.
func (db *DB) LookupWith(key []byte, now int64, flags LookupFlags) (Entry, bool) {
	e, ok := db.lookup(key, now)
	if !ok {
		if flags&NoStats == 0 {
			db.Stats.Misses++
		}
		return Entry{}, false
	}
	if flags&NoStats == 0 {
		db.Stats.Hits++
	} else {
		// A lookup for writing: the command may change the value in place.
		if db.keys.snap != nil {
			db.keys.beforeWrite(e)
		}
		db.noteWrite(e)
	}
	if flags&NoTouch == 0 {
		db.touch(e, now)
	}
	return Entry{e}, true
}

// Exists reports whether key exists (and has not expired).
func (db *DB) Exists(key []byte, now int64) bool {
	_, ok := db.lookup(key, now)
	return ok
}

// TakeDropped returns how many bytes of keyspace tables the database has
// let go of (replaced when it grew or shrank, or flushed) since the last
// call. That memory goes back to the operating system only after the
// garbage collector frees it and the runtime scavenges it, which can take
// a long time: a server may hand large amounts back sooner itself.
func (db *DB) TakeDropped() int {
	n := db.keys.dropped
	db.keys.dropped = 0
	return n
}

// Rehash moves keys into a resized keyspace table for about d, like
// Redis's active rehashing, and reports whether a resize is still under
// way. Writes move a few keys each; a server calls this from its cron so
// that a resize also ends when the database is only read.
func (db *DB) Rehash(d time.Duration) bool { return db.keys.rehash(d) }

// Len returns the number of keys, including expired keys not yet removed (like DBSIZE).
func (db *DB) Len() int { return db.keys.len() }

// ExpiresLen returns the number of keys that have a deadline.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// remove deletes an entry that is known to exist.
func (db *DB) remove(e entry) {
	db.memRemove(e)
	db.keys.del(e)
	if e.hasTTL() {
		db.expires.Delete(expItem{e.deadline(), e.key()})
	}
}

// expire deletes an entry whose deadline passed.
func (db *DB) expire(e entry) {
	db.remove(e)
	db.Stats.ExpiredKeys++
	if db.OnExpire != nil {
		db.OnExpire(e.keyBytes())
	}
}

// Delete removes key. It reports whether the key existed (and had not expired).
func (db *DB) Delete(key []byte, now int64) bool {
	e, ok := db.lookup(key, now)
	if ok {
		db.remove(e)
	}
	return ok
}

// SetOptions says how SetString treats the key's existing deadline.
type SetOptions struct {
	// Deadline is the new expiry time in unix milliseconds, or -1 for none.
	Deadline int64
	// KeepTTL keeps the deadline the key had (Deadline is ignored).
	KeepTTL bool
}

// ClassifyString returns the encoding Redis's tryObjectEncoding would give a
// string value: int for a canonical integer of at most 20 bytes, embstr up
// to 44 bytes, raw beyond.
func ClassifyString(val []byte) Encoding {
	if len(val) <= 20 {
		if _, ok := num.ParseInt(val); ok {
			return EncInt
		}
	}
	return LengthEncoding(val)
}

// LengthEncoding returns the encoding Redis gives a new string object of
// val's length without trying the integer form: embstr up to 44 bytes, raw beyond.
func LengthEncoding(val []byte) Encoding {
	if len(val) <= 44 {
		return EncEmbstr
	}
	return EncRaw
}

// SetString sets key to the string val with the given OBJECT ENCODING,
// replacing any value of any type.
func (db *DB) SetString(key, val []byte, enc Encoding, opt SetOptions, now int64) {
	old, exists := db.lookup(key, now)
	deadline := opt.Deadline
	if opt.KeepTTL {
		deadline = -1
		if exists {
			deadline = old.deadline()
		}
	}
	meta := uint16(TypeString) | uint16(enc)<<metaEncShift
	if exists && db.keys.snap != nil {
		db.keys.beforeWrite(old)
	}
	// Overwrite in place when the shape is unchanged: no allocation and no
	// tree update, which keeps SET of a same-sized value allocation-free.
	if exists && old.typ() == TypeString && old.deadline() == deadline {
		if old.meta&metaGrowable == 0 && int(old.vlen) == len(val) {
			copy(old.str(), val)
			db.touch(old, now)
			if old.meta&^(metaTTL) != meta {
				old.meta = meta | old.meta&metaTTL
				db.keys.put(old)
			}
			return
		}
		// A large value reuses its buffer when the new one fits without
		// wasting more than half of it.
		if p := (*[]byte)(old.obj); old.meta&metaGrowable != 0 && len(val) > embedMax && len(val) <= cap(*p) && cap(*p) <= 2*len(val) {
			*p = append((*p)[:0], val...)
			db.touch(old, now)
			if m := meta | metaGrowable | old.meta&metaTTL; old.meta&^metaCollided != m {
				old.meta = m
				db.keys.put(old)
			}
			return
		}
	}
	if exists {
		db.remove(old)
	}
	var e entry
	e.meta = meta
	if len(val) <= embedMax {
		dst := e.alloc(key, len(val), deadline, db.newClock(now))
		copy(dst, val)
		e.vlen = uint16(len(val))
	} else {
		e.alloc(key, 0, deadline, db.newClock(now))
		b := bytes.Clone(val)
		e.obj = unsafe.Pointer(&b)
		e.meta |= metaGrowable
	}
	db.insert(e)
	if !exists {
		db.added(key)
	}
}

// AppendString appends val to key's string value (creating it if missing)
// and returns the new length. The key must not hold another type. The value
// becomes raw, with room to grow, as Redis's APPEND leaves it.
func (db *DB) AppendString(key, val []byte, now int64) int {
	old, exists := db.lookup(key, now)
	if exists && old.meta&metaGrowable != 0 {
		db.keys.beforeWrite(old)
		p := (*[]byte)(old.obj)
		db.noteWrite(old)
		*p = append(*p, val...)
		if old.meta&metaEncMask != uint16(EncRaw)<<metaEncShift {
			old.meta = old.meta&^metaEncMask | uint16(EncRaw)<<metaEncShift
			db.keys.put(old)
		}
		return len(*p)
	}
	var cur []byte
	deadline := int64(-1)
	if exists {
		cur = old.str()
		deadline = old.deadline()
	}
	b := make([]byte, 0, growCap(len(cur)+len(val)))
	b = append(append(b, cur...), val...)
	if exists {
		db.remove(old)
	}
	db.insertGrowable(key, &b, deadline, now)
	if !exists {
		db.added(key)
	}
	return len(b)
}

// growCap gives room for repeated appends, like sds's greedy growth.
func growCap(n int) int {
	if n < 1<<20 {
		return 2 * n
	}
	return n + 1<<20
}

// MutableString returns key's string value as a growable buffer the caller
// may change in place (SETRANGE, SETBIT, BITFIELD), converting the value to
// the raw encoding first. It returns nil if key is missing or not a string.
func (db *DB) MutableString(key []byte, now int64) *[]byte {
	old, exists := db.lookup(key, now)
	if !exists || old.typ() != TypeString {
		return nil
	}
	if old.meta&metaGrowable != 0 {
		db.keys.beforeWrite(old)
		db.noteWrite(old)
		if Encoding((old.meta&metaEncMask)>>metaEncShift) != EncRaw {
			old.meta = old.meta&^metaEncMask | uint16(EncRaw)<<metaEncShift
			db.keys.put(old)
		}
		return (*[]byte)(old.obj)
	}
	b := bytes.Clone(old.str())
	deadline := old.deadline()
	db.remove(old)
	return db.insertGrowable(key, &b, deadline, now)
}

func (db *DB) insertGrowable(key []byte, p *[]byte, deadline, now int64) *[]byte {
	var e entry
	e.meta = uint16(TypeString) | uint16(EncRaw)<<metaEncShift | metaGrowable
	e.alloc(key, 0, deadline, db.newClock(now))
	e.obj = unsafe.Pointer(p)
	db.insert(e)
	return p
}

// setObject stores a collection object under key, replacing any value.
func (db *DB) setObject(key []byte, typ Type, obj unsafe.Pointer, deadline, now int64) {
	old, found := db.lookup(key, now)
	if found {
		db.remove(old)
	}
	var e entry
	e.meta = uint16(typ)
	e.alloc(key, 0, deadline, db.newClock(now))
	e.obj = obj
	db.insert(e)
	if !found {
		db.added(key)
	}
}

func (db *DB) insert(e entry) {
	db.memAdd(e)
	db.keys.put(e)
	if e.hasTTL() {
		db.expires.Set(expItem{e.deadline(), string(e.keyBytes())})
	}
}

// SetDeadline sets key's expiry time (unix ms). It reports whether the key exists.
func (db *DB) SetDeadline(key []byte, deadline, now int64) bool {
	old, ok := db.lookup(key, now)
	if !ok {
		return false
	}
	if old.deadline() == deadline {
		return true
	}
	db.rekey(old, key, deadline)
	return true
}

// Persist removes key's deadline. It reports whether there was one to remove.
func (db *DB) Persist(key []byte, now int64) bool {
	old, ok := db.lookup(key, now)
	if !ok || !old.hasTTL() {
		return false
	}
	db.rekey(old, key, -1)
	return true
}

// rekey replaces old (which must exist) by the same value under key with the
// given deadline.
func (db *DB) rekey(old entry, key []byte, deadline int64) {
	db.remove(old)
	var e entry
	e.meta = old.meta
	e.obj = old.obj
	lru := old.lru()
	if old.meta&metaGrowable == 0 && old.typ() == TypeString {
		dst := e.alloc(key, int(old.vlen), deadline, lru)
		copy(dst, old.str())
		e.vlen = old.vlen
	} else {
		e.alloc(key, 0, deadline, lru)
	}
	db.insert(e)
}

// Deadline returns key's expiry time (unix ms): -1 if it has none, -2 if
// the key does not exist.
func (db *DB) Deadline(key []byte, now int64) int64 {
	e, ok := db.lookup(key, now)
	if !ok {
		return -2
	}
	return e.deadline()
}

// Rename moves src's value and deadline to dst in dstDB (which may be db),
// replacing whatever dst held. It reports whether src existed.
func (db *DB) Rename(src []byte, dstDB *DB, dst []byte, now int64) bool {
	old, ok := db.lookup(src, now)
	if !ok {
		return false
	}
	deadline := old.deadline()
	db.remove(old)
	if prev, exists := dstDB.lookup(dst, now); exists {
		dstDB.remove(prev)
	}
	var e entry
	e.meta = old.meta
	e.obj = old.obj
	if old.meta&metaGrowable == 0 && old.typ() == TypeString {
		d := e.alloc(dst, int(old.vlen), deadline, old.lru())
		copy(d, old.str())
		e.vlen = old.vlen
	} else {
		e.alloc(dst, 0, deadline, old.lru())
	}
	dstDB.insert(e)
	dstDB.added(dst)
	return true
}

// Flush removes every key.
func (db *DB) Flush() {
	db.keys.detachSnapshot()
	db.init()
}

// Swap exchanges the contents of two databases (SWAPDB).
func (db *DB) Swap(other *DB) {
	db.keys, other.keys = other.keys, db.keys
	db.expires, other.expires = other.expires, db.expires
	db.mem, other.mem = other.mem, db.mem
	db.pending, other.pending = other.pending, db.pending
	db.seed, other.seed = other.seed, db.seed
	// A snapshot walking either keyspace follows it.
	if d := db.keys.snap; d != nil {
		d.ks = &db.keys
	}
	if d := other.keys.snap; d != nil {
		d.ks = &other.keys
	}
}

// Ascend calls fn for every key that has not expired, in the keyspace's
// internal order, until fn returns false. fn must not change the database.
func (db *DB) Ascend(now int64, fn func(Entry) bool) {
	db.keys.each(func(e entry) bool {
		if e.hasTTL() && e.deadline() <= now {
			return true
		}
		return fn(Entry{e})
	})
}

// Scan visits about count keys starting at cursor and returns the cursor to
// continue from (0 when the iteration is complete). Keys present for a whole
// iteration are visited at least once; expired keys are removed, not visited.
// A cursor is the hash of the next key to visit, so it survives any change
// to the keyspace between calls; it is below 2^63, as clients need.
func (db *DB) Scan(cursor uint64, count int, now int64, fn func(Entry)) uint64 {
	var expired []entry
	next := db.keys.scan(cursor, count, func(e entry) {
		if e.hasTTL() && e.deadline() <= now {
			expired = append(expired, e)
			return
		}
		fn(Entry{e})
	})
	for _, e := range expired {
		db.expire(e)
	}
	return next
}

// RandomKey returns a random live key, or false if there is none. Like a
// Redis master it deletes the expired keys it happens to pick and tries
// again, so it ends once it finds a live key or the database is empty.
func (db *DB) RandomKey(now int64) ([]byte, bool) {
	for {
		e, ok := db.keys.random()
		if !ok {
			return nil, false
		}
		if !e.hasTTL() || e.deadline() > now {
			return e.keyBytes(), true
		}
		db.expire(e)
	}
}

// ExpireCycle deletes keys whose deadline is at or before now, earliest
// first, until none is left or budget has passed. It returns how many keys
// it deleted and whether it stopped for the budget.
func (db *DB) ExpireCycle(now int64, budget time.Duration) (deleted int, timedOut bool) {
	start := time.Now()
	for {
		it, ok := db.expires.Min()
		if !ok || it.when > now {
			return deleted, false
		}
		e, ok := db.find(unsafe.Slice(unsafe.StringData(it.key), len(it.key)))
		if ok && e.deadline() == it.when {
			db.expire(e)
			deleted++
		} else {
			db.expires.Delete(it) // stale; cannot happen while the index is kept in step
		}
		if deleted%16 == 0 && time.Since(start) > budget {
			return deleted, true
		}
	}
}

// AvgTTL returns the average remaining time to live, in milliseconds, of
// keys with a deadline (0 if none), estimated from up to 64 of them.
func (db *DB) AvgTTL(now int64) int64 {
	var sum, n int64
	db.expires.Scan(func(it expItem) bool {
		if it.when > now {
			sum += it.when - now
			n++
		}
		return n < 64
	})
	if n == 0 {
		return 0
	}
	return sum / n
}
