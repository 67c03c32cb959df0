// Package lzf compresses and decompresses data in the LZF format of Marc
// Lehmann's liblzf, which Redis uses for long strings in RDB files.
//
// The format is a sequence of items, each led by a control byte c:
//   - c < 32: a literal run; the next c+1 bytes are copied to the output.
//   - otherwise: a back reference; n = c>>5 (7 means 7 plus the next byte)
//     and the offset's high 5 bits are c&31, its low 8 bits the following
//     byte; n+2 bytes are copied from offset+1 bytes back in the output.
//
// No Go library for this format is kept up well enough to depend on, and
// the format is small: this is an independent implementation.
package lzf

import "errors"

const (
	maxLit = 1 << 5          // longest literal run
	maxOff = 1 << 13         // farthest back reference
	maxRef = (1 << 8) + 1<<3 // longest back reference (264 bytes)
	hlog   = 16              // hash table size (log2), as Redis builds liblzf
)

// ErrCorrupt reports compressed data that does not decode to the expected
// length.
var ErrCorrupt = errors.New("lzf: corrupt input")

// Decompress decodes src into dst, which must be exactly as long as the
// original data, and returns an error if src is malformed or decodes to a
// different length. It never reads or writes outside src and dst.
func Decompress(dst, src []byte) error {
	op := 0
	ip := 0
	for ip < len(src) {
		ctrl := int(src[ip])
		ip++
		if ctrl < maxLit {
			n := ctrl + 1
			if ip+n > len(src) || op+n > len(dst) {
				return ErrCorrupt
			}
			copy(dst[op:op+n], src[ip:ip+n])
			op += n
			ip += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if ip >= len(src) {
				return ErrCorrupt
			}
			n += int(src[ip])
			ip++
		}
		if ip >= len(src) {
			return ErrCorrupt
		}
		ref := op - (ctrl&0x1f)<<8 - int(src[ip]) - 1
		ip++
		n += 2
		if ref < 0 || op+n > len(dst) {
			return ErrCorrupt
		}
		if ref+n <= op {
			copy(dst[op:op+n], dst[ref:ref+n])
			op += n
		} else { // overlapping: byte by byte, repeating the pattern
			for i := 0; i < n; i++ {
				dst[op] = dst[ref+i]
				op++
			}
		}
	}
	if op != len(dst) {
		return ErrCorrupt
	}
	return nil
}

// Compressor compresses as liblzf's lzf_compress does with the settings
// Redis builds it with (a 2^16-entry hash table, "very fast" mode), so
// that kvd's RDB files and DUMP payloads are byte-identical to Redis's. It
// keeps its hash table between calls, so that compressing allocates
// nothing. The zero value is ready to use; a Compressor is not safe for
// concurrent use.
type Compressor struct {
	table *[1 << hlog]uint32 // input offset of the last sequence with each hash (0: none)
}

// hashIndex is liblzf's IDX of the 3-byte window kept in h.
func hashIndex(h uint32) uint32 {
	return ((h >> (3*8 - hlog)) - h*5) & (1<<hlog - 1)
}

// Compress compresses src into dst and returns the compressed length, or 0
// if the result would not fit in len(dst) (callers then store src as it is).
func (c *Compressor) Compress(dst, src []byte) int {
	if c.table == nil {
		c.table = new([1 << hlog]uint32)
	} else {
		clear(c.table[:])
	}
	t := c.table
	n := len(src)
	if n == 0 {
		return 0
	}
	out := len(dst)
	// op is where the next byte goes; lit counts the bytes of the open
	// literal run, whose control byte sits at op-lit-1.
	op, lit := 1, 0
	ip := 0
	h := uint32(src[0])<<8 | uint32(src[1%n])
	for ip+2 < n {
		h = h<<8 | uint32(src[ip+2])
		slot := &t[hashIndex(h)]
		ref := int(*slot)
		*slot = uint32(ip)
		if off := ip - ref - 1; ref > 0 && off < maxOff && off >= 0 &&
			src[ref+2] == src[ip+2] && src[ref] == src[ip] && src[ref+1] == src[ip+1] {
			// A back reference: close the literal run first.
			if op+3+1 >= out && op-b2i(lit == 0)+3+1 >= out {
				return 0
			}
			dst[op-lit-1] = byte(lit - 1)
			op -= b2i(lit == 0)
			l := matchLen(src, ref, ip)
			l -= 2 // now the match length minus 1
			ip++
			if l < 7 {
				dst[op] = byte(off>>8 + l<<5)
				op++
			} else {
				dst[op] = byte(off>>8 + 7<<5)
				dst[op+1] = byte(l - 7)
				op += 2
			}
			dst[op] = byte(off)
			op++
			lit = 0
			op++ // room for the next run's control byte
			ip += l + 1
			if ip >= n-2 {
				break
			}
			// Index the last two positions of the match.
			ip -= 2
			h = uint32(src[ip])<<8 | uint32(src[ip+1])
			h = h<<8 | uint32(src[ip+2])
			t[hashIndex(h)] = uint32(ip)
			ip++
			h = h<<8 | uint32(src[ip+2])
			t[hashIndex(h)] = uint32(ip)
			ip++
			continue
		}
		if op >= out {
			return 0
		}
		lit++
		dst[op] = src[ip]
		op++
		ip++
		if lit == maxLit {
			dst[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > out {
		return 0
	}
	for ip < n {
		if op >= out {
			return 0
		}
		lit++
		dst[op] = src[ip]
		op++
		ip++
		if lit == maxLit {
			dst[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	dst[op-lit-1] = byte(lit - 1)
	op -= b2i(lit == 0)
	return op
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// matchLen returns how many bytes from ip match those from ref, knowing
// the first three do, as liblzf measures it: at most maxRef and, except
// as its unrolled first 16 comparisons allow, at most n-ip-2.
func matchLen(src []byte, ref, ip int) int {
	l := 2
	maxLen := min(len(src)-ip-2, maxRef)
	if maxLen > 16 {
		for k := 0; k < 16; k++ {
			l++
			if src[ref+l] != src[ip+l] {
				return l
			}
		}
	}
	for {
		l++
		if l >= maxLen || src[ref+l] != src[ip+l] {
			return l
		}
	}
}
