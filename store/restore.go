package store

import (
	"encoding/binary"
	"hash/maphash"
)

// Accessors for persistence (RDB files, DUMP and RESTORE).

// SetLRU sets key's LRU clock (RESTORE IDLETIME, an RDB file's IDLE
// opcode). It reports whether the key exists; expiry is not checked.
func (db *DB) SetLRU(key []byte, lru uint32) bool {
	e, ok := db.find(key)
	if !ok {
		return false
	}
	e.setLRU(lru)
	return true
}

// AppendIntset appends the set's members in Redis's intset layout (width,
// count, then the sorted little-endian integers), which is how kvd keeps
// them: RDB files and DUMP payloads carry an intset as these bytes. The
// set must be an intset.
func (s *Set) AppendIntset(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(s.w()))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(s.Len()))
	return append(dst, s.ints...)
}

// FlushAndReseed removes every key, like Flush, and picks a new hash seed.
// Loading keys in the order an RDB file written from this database holds
// them (DEBUG RELOAD) inserts them in ascending hash order, which the
// ordered table handles badly under its own seed.
func (db *DB) FlushAndReseed() {
	db.Flush() // whatever Flush does besides (a snapshot detached)
	db.seed = maphash.MakeSeed()
	db.init()
}

// Reserve sizes an empty database's table for n keys at once (an RDB
// file's RESIZEDB hint), sparing the resizes of growing to it. It is meant
// for loading, when nothing else (no snapshot) looks at the table.
func (db *DB) Reserve(n int) {
	ks := &db.keys
	if ks.len() != 0 || ks.resizing || n <= 0 {
		return
	}
	size := max(minHomeSlots, n+n/7+1)
	if size <= ks.t.size {
		return
	}
	ks.dropped += ks.t.bytes()
	ks.t = newTable(size, spillFor(size))
}
