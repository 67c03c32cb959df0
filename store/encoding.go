package store

import (
	"encoding/binary"
	"unsafe"
)

// Length-prefixed strings, as the compact encodings store them: the
// length as a uvarint, then the bytes. (List chunks add the length again
// after the bytes, reversed, to be walked backwards: see putElem.)

// uvarintLen returns the size of x encoded as a uvarint.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// lenPrefixedSize returns the size of a length-prefixed string of n bytes.
func lenPrefixedSize(n int) int { return uvarintLen(uint64(n)) + n }

// putLenPrefixed writes b with its length prefix at the start of dst,
// which must have room for it, and returns the size written.
func putLenPrefixed(dst, b []byte) int {
	k := binary.PutUvarint(dst, uint64(len(b)))
	return k + copy(dst[k:], b)
}

// readLenPrefixed decodes the length-prefixed string at off and returns it
// and the offset just past it.
func readLenPrefixed(buf []byte, off int) (s []byte, next int) {
	n := uint64(buf[off])
	off++
	if n >= 0x80 {
		var k int
		n, k = binary.Uvarint(buf[off-1:])
		off += k - 1
	}
	end := off + int(n)
	return buf[off:end:end], end
}

// lenPrefixedAt returns the length-prefixed string at p, the last thing in
// its allocation. It decodes the length byte by byte (the allocation may
// end right after it) and forms no pointer past the allocation's end.
func lenPrefixedAt(p unsafe.Pointer) []byte {
	var n uint64
	for shift := 0; ; shift += 7 {
		b := *(*byte)(p)
		n |= uint64(b&0x7f) << shift
		if b < 0x80 {
			break
		}
		p = unsafe.Add(p, 1)
	}
	if n == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Add(p, 1)), n)
}
