package store

import "encoding/binary"

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
