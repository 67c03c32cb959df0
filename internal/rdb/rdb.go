// Package rdb reads and writes Redis's RDB format: the files SAVE writes
// and start-up loads, and the payloads of DUMP and RESTORE.
//
// An Encoder writes version 10 (Redis 7.0's format) entry by entry; a
// Decoder reads versions 1 to 11 (Redis 2.x to 7.2) with every encoding
// Redis has used for the value types kvd has: plain and LZF-compressed and
// integer-encoded strings, linked lists, ziplists, quicklists of ziplists
// and of listpacks, zipmaps, intsets, listpacks, hash tables and skip
// lists. Module values, streams and functions are recognised and refused
// with errors naming them. The package knows nothing of kvd's store.
//
// The format is described in Redis's rdb.h and rdb.c and in the
// community's "RDB file format" notes; this is an independent
// implementation.
package rdb

import (
	"errors"
	"fmt"
)

// Version is the RDB version the Encoder writes (Redis 7.0's).
const Version = 10

// MaxVersion is the newest RDB version the Decoder reads (Redis 7.2's).
const MaxVersion = 11

// Value types, as the byte before each key names them.
const (
	TypeString          = 0
	TypeList            = 1
	TypeSet             = 2
	TypeZSet            = 3
	TypeHash            = 4
	TypeZSet2           = 5
	TypeModule          = 6
	TypeModule2         = 7
	TypeHashZipmap      = 9
	TypeListZiplist     = 10
	TypeSetIntset       = 11
	TypeZSetZiplist     = 12
	TypeHashZiplist     = 13
	TypeListQuicklist   = 14
	TypeStreamListpacks = 15
	TypeHashListpack    = 16
	TypeZSetListpack    = 17
	TypeListQuicklist2  = 18
	TypeStreamListpack2 = 19
	TypeSetListpack     = 20
	TypeStreamListpack3 = 21
)

// Opcodes: the byte values above the types that introduce something other
// than a key.
const (
	opFunction2    = 245
	opFunctionPre  = 246
	opModuleAux    = 247
	opIdle         = 248
	opFreq         = 249
	opAux          = 250
	opResizeDB     = 251
	opExpireTimeMs = 252
	opExpireTime   = 253
	opSelectDB     = 254
	opEOF          = 255
)

// Length encodings.
const (
	len6bit  = 0
	len14bit = 1
	len32bit = 0x80
	len64bit = 0x81
	lenEnc   = 3 // the two top bits of a special string encoding

	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// Quicklist 2 node containers.
const (
	containerPlain  = 1
	containerPacked = 2
)

// Kind is the kvd type a decoded value has.
type Kind uint8

// Kinds of value.
const (
	KindString Kind = iota + 1
	KindList
	KindSet
	KindZSet
	KindHash
)

// CorruptError reports malformed input: Reason says what, in Redis's words
// where Redis has them, and Offset is how far into the input it was found.
type CorruptError struct {
	Offset int64
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("rdb: %s (at offset %d)", e.Reason, e.Offset)
}

// UnsupportedError reports input that is well formed but holds something
// kvd does not have (a module value, a stream, a function).
type UnsupportedError struct {
	Reason string
}

func (e *UnsupportedError) Error() string { return "rdb: " + e.Reason }

// ErrChecksum reports a file whose CRC-64 trailer does not match.
var ErrChecksum = errors.New("rdb: wrong RDB checksum")

// ErrSignature reports input that does not start with "REDIS".
var ErrSignature = errors.New("rdb: wrong signature")

// VersionError reports an RDB version the decoder cannot read.
type VersionError struct{ Version int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("rdb: can't handle RDB format version %d", e.Version)
}

// ModuleTypeName returns the 9-character name a module type's 64-bit id
// carries in its top 54 bits (the low 10 are its encoding version).
func ModuleTypeName(id uint64) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	id >>= 10
	for j := 8; j >= 0; j-- {
		name[j] = set[id&63]
		id >>= 6
	}
	return string(name[:])
}
