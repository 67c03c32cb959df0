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
	hlog   = 14              // hash table size (log2)
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

// Compressor compresses; it keeps its hash table between calls so that
// compressing allocates nothing. The zero value is ready to use; a
// Compressor is not safe for concurrent use.
type Compressor struct {
	table *[1 << hlog]int32 // position+1 of the last 3-byte sequence with each hash
}

func hash3(v uint32) uint32 {
	return (v * 2654435761) >> (32 - hlog)
}

// Compress compresses src into dst and returns the compressed length, or 0
// if the result would not fit in len(dst) (callers then store src as it is).
func (c *Compressor) Compress(dst, src []byte) int {
	if c.table == nil {
		c.table = new([1 << hlog]int32)
	} else {
		clear(c.table[:])
	}
	t := c.table
	out := 0
	litStart := 0 // start of the pending literal run
	// flushLit writes src[litStart:end] as literal runs.
	flushLit := func(end int) bool {
		for litStart < end {
			n := min(end-litStart, maxLit)
			if out+1+n > len(dst) {
				return false
			}
			dst[out] = byte(n - 1)
			copy(dst[out+1:], src[litStart:litStart+n])
			out += 1 + n
			litStart += n
		}
		return true
	}
	ip := 0
	for ip+2 < len(src) {
		v := uint32(src[ip]) | uint32(src[ip+1])<<8 | uint32(src[ip+2])<<16
		h := hash3(v)
		ref := int(t[h]) - 1
		t[h] = int32(ip + 1)
		if ref >= 0 && ip-ref <= maxOff && src[ref] == src[ip] && src[ref+1] == src[ip+1] && src[ref+2] == src[ip+2] {
			n := 3
			limit := min(len(src)-ip, maxRef)
			for n < limit && src[ref+n] == src[ip+n] {
				n++
			}
			if !flushLit(ip) {
				return 0
			}
			off := ip - ref - 1
			l := n - 2
			if l < 7 {
				if out+2 > len(dst) {
					return 0
				}
				dst[out] = byte(l<<5 | off>>8)
				dst[out+1] = byte(off)
				out += 2
			} else {
				if out+3 > len(dst) {
					return 0
				}
				dst[out] = byte(7<<5 | off>>8)
				dst[out+1] = byte(l - 7)
				dst[out+2] = byte(off)
				out += 3
			}
			// Index the sequences inside the match (cheaply: its last two).
			end := ip + n
			for p := max(ip+1, end-2); p+2 < len(src) && p < end; p++ {
				w := uint32(src[p]) | uint32(src[p+1])<<8 | uint32(src[p+2])<<16
				t[hash3(w)] = int32(p + 1)
			}
			ip = end
			litStart = ip
			continue
		}
		ip++
	}
	if !flushLit(len(src)) {
		return 0
	}
	return out
}
