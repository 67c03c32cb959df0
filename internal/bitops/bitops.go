// Package bitops holds the bit-level helpers behind kvd's bitmap commands
// (SETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD): population counts and bit
// searches over 64-bit words, and reading and writing integers of any width
// at any bit offset. Bits are numbered as Redis numbers them: bit 0 is the
// most significant bit of byte 0.
package bitops

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Popcount returns the number of set bits in b.
func Popcount(b []byte) int64 {
	var n int
	for len(b) >= 32 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b)) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[8:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[16:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[24:]))
		b = b[32:]
	}
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, c := range b {
		n += bits.OnesCount8(c)
	}
	return int64(n)
}

// Bitpos returns the position of the first bit in b equal to bit (0 or 1).
// If there is none it returns -1 when looking for a 1, and len(b)*8 (the
// first bit past the end, as if b were followed by zeros) when looking for
// a 0, as Redis's redisBitpos does.
func Bitpos(b []byte, bit int) int64 {
	// skip is the value of a word holding no bit we look for.
	var skip uint64
	if bit == 0 {
		skip = math.MaxUint64
	}
	pos := int64(0)
	for len(b) >= 8 {
		if w := binary.BigEndian.Uint64(b); w != skip {
			return pos + int64(bits.LeadingZeros64(w^skip))
		}
		b = b[8:]
		pos += 64
	}
	for _, c := range b {
		if v := c ^ uint8(skip); v != 0 {
			return pos + int64(bits.LeadingZeros8(v))
		}
		pos += 8
	}
	if bit == 1 {
		return -1
	}
	return pos
}

// GetUnsigned returns the bits-wide (1..64) unsigned integer stored most
// significant bit first at bit offset off of b. Bits past the end of b
// read as zero.
func GetUnsigned(b []byte, off uint64, bits int) uint64 {
	var v uint64
	end := off + uint64(bits)
	for pos := off; pos < end; {
		i := pos >> 3
		inByte := pos & 7
		n := min(8-inByte, end-pos)
		var c uint64
		if i < uint64(len(b)) {
			c = uint64(b[i])
		}
		v = v<<n | (c>>(8-inByte-n))&(1<<n-1)
		pos += n
	}
	return v
}

// GetSigned is GetUnsigned for a two's complement signed integer.
func GetSigned(b []byte, off uint64, bits int) int64 {
	v := GetUnsigned(b, off, bits)
	if bits < 64 && v&(1<<(bits-1)) != 0 {
		v |= math.MaxUint64 << bits
	}
	return int64(v)
}

// SetUnsigned stores the low bits (1..64) of v most significant bit first
// at bit offset off of b, which must be long enough to hold them.
func SetUnsigned(b []byte, off uint64, bits int, v uint64) {
	end := off + uint64(bits)
	for pos := off; pos < end; {
		i := pos >> 3
		inByte := pos & 7
		n := min(8-inByte, end-pos)
		shift := 8 - inByte - n
		mask := byte((1<<n - 1) << shift)
		chunk := byte((v>>(end-pos-n))&(1<<n-1)) << shift
		b[i] = b[i]&^mask | chunk
		pos += n
	}
}

// Overflow is a BITFIELD overflow policy.
type Overflow uint8

// The overflow policies of BITFIELD's OVERFLOW subcommand.
const (
	Wrap Overflow = iota // wrap around, modulo 2^bits
	Sat                  // saturate at the type's minimum or maximum
	Fail                 // refuse the operation
)

// CheckUnsigned reports whether adding incr to value overflows a bits-wide
// (1..63) unsigned integer: 1 above the maximum, -1 below zero, 0 not at all.
// On overflow, limit is the value to store under Wrap or Sat. value may be
// out of range already (BITFIELD SET checks its argument with incr 0).
//
// The comparisons are Redis's, in 64-bit two's complement arithmetic, so
// that out-of-range inputs classify exactly as they do in Redis.
func CheckUnsigned(value uint64, incr int64, bits int, ow Overflow) (limit uint64, overflow int) {
	max := uint64(1)<<bits - 1
	maxIncr := int64(max - value)
	minIncr := -int64(value)
	switch {
	case value > max || (incr > 0 && incr > maxIncr):
		limit, overflow = max, 1
	case incr < 0 && incr < minIncr:
		limit, overflow = 0, -1
	default:
		return 0, 0
	}
	if ow == Wrap {
		limit = (value + uint64(incr)) &^ (math.MaxUint64 << bits)
	}
	return limit, overflow
}

// CheckSigned is CheckUnsigned for a bits-wide (1..64) signed integer.
func CheckSigned(value, incr int64, bits int, ow Overflow) (limit int64, overflow int) {
	max := int64(math.MaxInt64)
	if bits < 64 {
		max = int64(1)<<(bits-1) - 1
	}
	min := -max - 1
	// Both may wrap; they are only relied upon where they do not.
	maxIncr := int64(uint64(max) - uint64(value))
	minIncr := min - value
	switch {
	case value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		limit, overflow = max, 1
	case value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		limit, overflow = min, -1
	default:
		return 0, 0
	}
	if ow == Wrap {
		c := uint64(value) + uint64(incr)
		if bits < 64 {
			mask := uint64(math.MaxUint64) << bits
			if c&(1<<(bits-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		limit = int64(c)
	}
	return limit, overflow
}
