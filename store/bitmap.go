package store

// GrowString returns key's string value as a buffer the caller may change
// in place (SETBIT, BITFIELD, PFADD), zero-extended to at least size bytes.
// A missing key is created holding exactly size zero bytes. The value
// becomes raw, as Redis's lookupStringForBitCommand leaves it, and keeps
// its TTL. The key must not hold another type.
func (db *DB) GrowString(key []byte, size int, now int64) *[]byte {
	p := db.MutableString(key, now)
	if p == nil {
		b := make([]byte, size)
		p = db.insertGrowable(key, &b, -1, now)
		db.added(key)
		return p
	}
	b := *p
	if size > len(b) {
		if size <= cap(b) {
			b = b[:size]
			clear(b[len(*p):])
		} else {
			nb := make([]byte, size, growCap(size))
			copy(nb, b)
			b = nb
		}
		*p = b
	}
	return p
}

// SetStringOwned sets key to the raw string b, replacing any value of any
// type and dropping any TTL, as Redis's setKey does for BITOP's result or a
// new HyperLogLog. The store keeps b itself, not a copy: the caller must
// not use b afterwards except through the returned buffer, which it may
// change in place like MutableString's.
func (db *DB) SetStringOwned(key, b []byte, now int64) *[]byte {
	old, found := db.lookup(key, now)
	if found {
		db.remove(old)
	}
	p := db.insertGrowable(key, &b, -1, now)
	if !found {
		db.added(key)
	}
	return p
}
