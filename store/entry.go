package store

import (
	"encoding/binary"
	"unsafe"
)

// Type is the type of the value a key holds.
type Type uint8

// The value types.
const (
	TypeNone Type = iota
	TypeString
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

// String returns the name TYPE replies with.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeHash:
		return "hash"
	case TypeStream:
		return "stream"
	}
	return "none"
}

// Encoding is how a string value is represented, as OBJECT ENCODING names it.
// Collection types report their encoding through their own objects.
type Encoding uint8

// String encodings.
const (
	EncRaw Encoding = iota
	EncEmbstr
	EncInt
)

// String returns the name OBJECT ENCODING replies with.
func (e Encoding) String() string {
	switch e {
	case EncInt:
		return "int"
	case EncEmbstr:
		return "embstr"
	}
	return "raw"
}

// meta bits.
const (
	metaTypeMask uint16 = 0x7
	metaEncShift        = 3
	metaEncMask  uint16 = 0x3 << metaEncShift
	metaTTL      uint16 = 1 << 5 // the allocation carries an expiry deadline
	metaGrowable uint16 = 1 << 6 // string value lives in obj (*[]byte) with spare capacity
	metaPrivate  uint16 = 1 << 7 // an int-encoded string that is not a shared integer (see RefCount)
	metaCollided uint16 = 1 << 8 // other keys with this entry's hash live in DB.collide
	// metaSnap marks a table slot ahead of a snapshot's walk whose key the
	// walk must skip: handed over early, or created since (snapshot.go).
	// Only keyspace.put sets it, and the walk clears it as it passes.
	metaSnap uint16 = 1 << 9
)

// entry is one key in the keyspace, stored by value (24 bytes).
//
// kv points at the key's bytes inside one allocation laid out as
//
//	[deadline int64, only if metaTTL][lru uint32][key][embedded string value]
//
// so the header is read at negative offsets from kv, and the key and a small
// string value cost one allocation (a 11-byte key with a 16-byte value fits
// Go's 32-byte size class). Collections (and growable strings) hang off obj.
type entry struct {
	kv   *byte
	obj  unsafe.Pointer
	kl   uint32 // key length
	vlen uint16 // embedded value length (at most embedMax)
	meta uint16
}

const (
	lruSize      = 4
	deadlineSize = 8
)

func (e *entry) klen() uint32 { return e.kl }

func (e *entry) key() string { return unsafe.String(e.kv, e.klen()) }

func (e *entry) keyBytes() []byte { return unsafe.Slice(e.kv, e.klen()) }

func (e *entry) typ() Type { return Type(e.meta & metaTypeMask) }

func (e *entry) hasTTL() bool { return e.meta&metaTTL != 0 }

// header returns the allocation's header: [deadline][lru].
func (e *entry) header() []byte {
	n := lruSize
	if e.hasTTL() {
		n += deadlineSize
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(e.kv), -n)), n)
}

// deadline returns the expiry time in unix milliseconds, or -1.
func (e *entry) deadline() int64 {
	if !e.hasTTL() {
		return -1
	}
	return int64(binary.LittleEndian.Uint64(e.header()))
}

func (e *entry) lru() uint32 {
	h := e.header()
	return binary.LittleEndian.Uint32(h[len(h)-lruSize:])
}

func (e *entry) setLRU(v uint32) {
	h := e.header()
	binary.LittleEndian.PutUint32(h[len(h)-lruSize:], v)
}

// str returns the string value.
func (e *entry) str() []byte {
	if e.meta&metaGrowable != 0 {
		return *(*[]byte)(e.obj)
	}
	if e.vlen == 0 {
		// kv+klen would point one past the end of the allocation, which
		// the garbage collector (and -race's checkptr) forbids.
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(e.kv), e.klen())), e.vlen)
}

// alloc builds the key allocation for key with room for an embedded value
// of vlen bytes, and points e.kv at its key.
func (e *entry) alloc(key []byte, vlen int, deadline int64, lru uint32) []byte {
	hdr := lruSize
	if deadline >= 0 {
		hdr += deadlineSize
		e.meta |= metaTTL
	} else {
		e.meta &^= metaTTL
	}
	size := hdr + len(key) + vlen
	if len(key)+vlen == 0 {
		size++ // kv must point inside the allocation, never one past its end
	}
	buf := make([]byte, size)
	if deadline >= 0 {
		binary.LittleEndian.PutUint64(buf, uint64(deadline))
	}
	binary.LittleEndian.PutUint32(buf[hdr-lruSize:], lru)
	copy(buf[hdr:], key)
	e.kv = &buf[hdr]
	e.kl = uint32(len(key))
	return buf[hdr+len(key) : hdr+len(key)+vlen]
}

// Entry is a read-only view of one key's value. It stays valid until the
// database is next changed; copy what must outlive that.
type Entry struct {
	e entry
}

// Key returns the key. The bytes must not be modified.
func (x Entry) Key() []byte { return x.e.keyBytes() }

// Type returns the value's type.
func (x Entry) Type() Type { return x.e.typ() }

// Str returns a string value's bytes (nil for other types). They must not be modified.
func (x Entry) Str() []byte {
	if x.e.typ() != TypeString {
		return nil
	}
	return x.e.str()
}

// Encoding returns a string value's encoding.
func (x Entry) Encoding() Encoding { return Encoding((x.e.meta & metaEncMask) >> metaEncShift) }

// Deadline returns the expiry time in unix milliseconds, or -1 if the key
// does not expire.
func (x Entry) Deadline() int64 { return x.e.deadline() }

// LRU returns the key's LRU clock: the second (mod 2^24) it was last used.
func (x Entry) LRU() uint32 { return x.e.lru() }

// Object returns the value object of a collection type, to be asserted by
// the type-specific accessors.
func (x Entry) object() unsafe.Pointer { return x.e.obj }
