package store

import "unsafe"

// Raw access for DEBUG: the commands that inspect the keyspace as it is,
// logically expired keys included, without recording an access.

// EachRaw calls fn for every key in the database, expired or not, in the
// keyspace's internal order, until fn returns false. Nothing is removed and
// no access is recorded; fn must not change the database.
func (db *DB) EachRaw(fn func(Entry) bool) {
	db.keys.each(func(e entry) bool { return fn(Entry{e}) })
}

// Peek returns key's entry whether or not it has expired, recording no
// access (LRU clock, hit/miss counters) and removing nothing.
func (db *DB) Peek(key []byte) (Entry, bool) {
	e, ok := db.find(key)
	return Entry{e}, ok
}

// Addr returns the address of the key's allocation, which DEBUG OBJECT
// shows where Redis shows its object's.
func (x Entry) Addr() uintptr { return uintptr(unsafe.Pointer(x.e.kv)) }

// IntWidth returns the bytes each integer of an intset takes (2, 4 or 8).
func (s *Set) IntWidth() int { return s.w() }

// IntsetBytes returns an intset's integers as Redis's intset keeps them:
// sorted, little-endian, IntWidth bytes each. They must not be modified.
func (s *Set) IntsetBytes() []byte { return s.ints[:s.Len()*s.w()] }

// TableStats describes the keyspace's tables for DEBUG HTSTATS: the slots
// and occupied slots of the table keys live in, and while a resize moves
// keys, of the table they move from (Redis's rehashing source, reported
// first). Keys whose hashes collide are kept aside and counted in neither.
type TableStats struct {
	Slots, Used       int
	Resizing          bool
	OldSlots, OldUsed int
}

// TableStats returns the keyspace tables' statistics.
func (db *DB) TableStats() TableStats {
	ks := &db.keys
	st := TableStats{Slots: len(ks.t.ents), Used: ks.t.n, Resizing: ks.resizing}
	if ks.resizing {
		st.OldSlots, st.OldUsed = len(ks.old.ents), ks.old.n
	}
	return st
}
