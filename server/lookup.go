package server

import "github.com/kvdserver/kvd/store"

// lookupFlags returns what the client's lookups must not record.
func (c *Ctx) lookupFlags() store.LookupFlags {
	if c.client.flags&flagNoTouch != 0 {
		return store.NoTouch
	}
	return 0
}

// lookupRead finds key for a command that reads it (counting a keyspace hit
// or miss, like Redis's lookupKeyRead).
func (c *Ctx) lookupRead(key []byte) (store.Entry, bool) {
	e, ok := c.db.LookupWith(key, c.now, c.lookupFlags())
	if !ok {
		c.notify(notifyKeyMiss, "keymiss", key)
	}
	return e, ok
}

// lookupWrite finds key for a command that may change it (no hit/miss
// statistics, like Redis's lookupKeyWrite).
func (c *Ctx) lookupWrite(key []byte) (store.Entry, bool) {
	return c.db.LookupWith(key, c.now, c.lookupFlags()|store.NoStats)
}

// lookupType finds key for reading and checks it holds typ. It returns
// found == false for a missing key; if the key holds another type it replies
// WRONGTYPE and returns ok == false.
func (c *Ctx) lookupType(key []byte, typ store.Type) (e store.Entry, found, ok bool) {
	e, found = c.lookupRead(key)
	if found && e.Type() != typ {
		c.replyError(errWrongType)
		return e, true, false
	}
	return e, found, true
}

// lookupTypeWrite is lookupType for commands that may change the key.
func (c *Ctx) lookupTypeWrite(key []byte, typ store.Type) (e store.Entry, found, ok bool) {
	e, found = c.lookupWrite(key)
	if found && e.Type() != typ {
		c.replyError(errWrongType)
		return e, true, false
	}
	return e, found, true
}
