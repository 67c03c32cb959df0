package store

// SetRange overwrites key's string value with val starting at offset,
// padding with zero bytes where the value is shorter than offset, and
// returns the new length (SETRANGE). A missing key is created. The key
// must not hold another type, and val must not be empty (SETRANGE changes
// nothing then). The value becomes raw, as in Redis.
func (db *DB) SetRange(key []byte, offset int, val []byte, now int64) int {
	end := offset + len(val)
	p := db.MutableString(key, now)
	if p == nil {
		// Like Redis, size a new value exactly rather than greedily.
		b := make([]byte, end)
		copy(b[offset:], val)
		db.insertGrowable(key, &b, -1, now)
		db.added(key)
		return end
	}
	b := *p
	if end > len(b) {
		if end <= cap(b) {
			b = b[:end]
			clear(b[len(*p):])
		} else {
			nb := make([]byte, end, growCap(end))
			copy(nb, b)
			b = nb
		}
	}
	copy(b[offset:], val)
	*p = b
	return len(b)
}
