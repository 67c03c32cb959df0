package store

import (
	"bytes"
	"math"
	"unsafe"

	"github.com/kvdserver/kvd/internal/num"
)

// This file holds the points where type-generic key commands (COPY, OBJECT)
// need to know about each value type. A new type joins by adding one case
// to each switch below: its OBJECT ENCODING name and its deep copy.

// SharedIntegers is how many small integers Redis keeps as shared objects:
// a string value holding an integer in [0, SharedIntegers) is one of them.
const SharedIntegers = 10000

// SharedRefCount is the reference count Redis reports for a shared object
// (OBJ_SHARED_REFCOUNT, INT_MAX).
const SharedRefCount = math.MaxInt32

// EncodingName returns the name OBJECT ENCODING gives the value's internal
// representation.
func (x Entry) EncodingName() string {
	switch x.Type() {
	case TypeString:
		return x.Encoding().String()
	case TypeHash:
		return x.Hash().Encoding()
	case TypeList:
		return x.List().Encoding()
	case TypeSet:
		return x.Set().Encoding()
	case TypeZSet:
		return x.ZSet().Encoding()
	case TypeStream:
		return x.Stream().Encoding()
	default:
		panic("store: OBJECT ENCODING of a value of type " + x.Type().String())
	}
}

// RefCount returns the reference count Redis would report for the value:
// SharedRefCount for a string holding a small integer that Redis keeps as a
// shared object (what SET, INCR and friends store), and 1 for everything
// else, including the private integer a COPY makes.
func (x Entry) RefCount() int64 {
	if x.Type() != TypeString || x.Encoding() != EncInt || x.e.meta&metaPrivate != 0 {
		return 1
	}
	n, ok := num.ParseInt(x.e.str())
	if !ok || n < 0 || n >= SharedIntegers {
		return 1
	}
	return SharedRefCount
}

// cloneObject returns a deep copy of the object a collection value of type
// typ keeps in entry.obj, for COPY.
func cloneObject(typ Type, obj unsafe.Pointer) unsafe.Pointer {
	switch typ {
	case TypeHash:
		return unsafe.Pointer((*Hash)(obj).Clone())
	case TypeList:
		return unsafe.Pointer((*List)(obj).Clone())
	case TypeSet:
		return unsafe.Pointer((*Set)(obj).Clone())
	case TypeZSet:
		return unsafe.Pointer((*ZSet)(obj).Clone())
	case TypeStream:
		return unsafe.Pointer((*Stream)(obj).Clone())
	default:
		panic("store: COPY of a value of type " + typ.String())
	}
}

// cloneEntry builds a new entry for key in db holding a deep copy of src's
// value, with the given deadline and LRU clock. Like Redis's COPY it keeps
// the value's encoding, and a copied integer is private, not shared.
func (db *DB) cloneEntry(src entry, key []byte, deadline int64, lru uint32) entry {
	var e entry
	e.meta = src.meta &^ (metaTTL | metaGrowable | metaPrivate)
	if src.typ() != TypeString {
		e.alloc(key, 0, deadline, lru)
		e.obj = cloneObject(src.typ(), src.obj)
		return e
	}
	if e.meta&metaEncMask == uint16(EncInt)<<metaEncShift {
		e.meta |= metaPrivate
	}
	val := src.str()
	if len(val) <= embedMax {
		copy(e.alloc(key, len(val), deadline, lru), val)
		e.vlen = uint16(len(val))
		return e
	}
	e.alloc(key, 0, deadline, lru)
	b := bytes.Clone(val)
	e.obj = unsafe.Pointer(&b)
	e.meta |= metaGrowable
	return e
}
