package store

// Operations behind the type-generic key commands (COPY, SCAN, KEYS, DEL):
// they work on any value type.

// Expired reports whether the key's deadline is at or before now. An entry
// handed out by a lookup never is; ScanEntries hands out expired ones too.
func (x Entry) Expired(now int64) bool {
	return x.e.hasTTL() && x.e.deadline() <= now
}

// Contains reports whether key is in the database, expired or not.
func (db *DB) Contains(key []byte) bool {
	_, ok := db.find(key)
	return ok
}

// ExpiredNotDeleted reports whether key is in the database with a deadline
// at or before now (logically expired, not yet deleted).
func (db *DB) ExpiredNotDeleted(key []byte, now int64) bool {
	e, ok := db.find(key)
	return ok && e.hasTTL() && e.deadline() <= now
}

// ExpireIfNeeded deletes key if its deadline has passed, and reports
// whether it did (like Redis's expireIfNeeded: false for a live key and for
// a key that does not exist).
func (db *DB) ExpireIfNeeded(key []byte, now int64) bool {
	e, ok := db.find(key)
	if !ok || !e.hasTTL() || e.deadline() > now {
		return false
	}
	db.expire(e)
	return true
}

// Copy stores a deep copy of src's value under dst in dstDB (which may be
// db), with src's deadline, replacing whatever dst held. It reports whether
// src existed. The copy keeps the value's encoding and gets a fresh LRU clock.
func (db *DB) Copy(src []byte, dstDB *DB, dst []byte, now int64) bool {
	old, ok := db.lookup(src, now)
	if !ok {
		return false
	}
	e := dstDB.cloneEntry(old, dst, old.deadline(), dstDB.newClock(now))
	if prev, exists := dstDB.lookup(dst, now); exists {
		dstDB.remove(prev)
	}
	dstDB.insert(e)
	dstDB.added(dst)
	return true
}

// ScanEntries is the raw form of Scan: it visits about count keys starting
// at cursor, in the same order and with the same cursors, but hands fn
// every key, expired or not, and removes nothing, so that the caller can
// apply SCAN's filters in Redis's order. fn must not change the database.
func (db *DB) ScanEntries(cursor uint64, count int, fn func(Entry)) uint64 {
	return db.keys.scan(cursor, count, func(e entry) { fn(Entry{e}) })
}
