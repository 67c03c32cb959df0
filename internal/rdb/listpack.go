package rdb

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Listpacks (Redis 7's compact encoding):
//
//	[total bytes u32 LE][count u16 LE, 65535 = unknown][entries...][0xFF]
//
// Each entry is an encoding byte (and data), then its own length written
// backwards ("backlen") so the list can be walked from the end.

const lpHeaderSize = 6

// Listpack builds a listpack. The zero value is empty and ready to use;
// Reset makes it empty again, keeping its memory.
type Listpack struct {
	buf []byte
	n   int
}

// Reset empties the listpack.
func (lp *Listpack) Reset() {
	lp.buf = append(lp.buf[:0], 0, 0, 0, 0, 0, 0)
	lp.n = 0
}

// Len returns the number of entries.
func (lp *Listpack) Len() int { return lp.n }

// Size returns the size of the listpack as Bytes would return it.
func (lp *Listpack) Size() int {
	if len(lp.buf) == 0 {
		return lpHeaderSize + 1
	}
	return len(lp.buf) + 1
}

// Append adds an entry holding s, as an integer when s is one in canonical
// form (as Redis's listpack stores it).
func (lp *Listpack) Append(s []byte) {
	if v, ok := parseCanonicalInt(s); ok {
		lp.AppendInt(v)
		return
	}
	if len(lp.buf) == 0 {
		lp.Reset()
	}
	start := len(lp.buf)
	switch n := len(s); {
	case n < 64:
		lp.buf = append(lp.buf, 0x80|byte(n))
	case n < 4096:
		lp.buf = append(lp.buf, 0xe0|byte(n>>8), byte(n))
	default:
		lp.buf = append(lp.buf, 0xf0, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	lp.buf = append(lp.buf, s...)
	lp.finish(start)
}

// AppendInt adds an integer entry.
func (lp *Listpack) AppendInt(v int64) {
	if len(lp.buf) == 0 {
		lp.Reset()
	}
	start := len(lp.buf)
	switch {
	case v >= 0 && v <= 127:
		lp.buf = append(lp.buf, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		lp.buf = append(lp.buf, 0xc0|byte(u>>8), byte(u))
	case v >= -1<<15 && v < 1<<15:
		lp.buf = append(lp.buf, 0xf1, byte(v), byte(v>>8))
	case v >= -1<<23 && v < 1<<23:
		lp.buf = append(lp.buf, 0xf2, byte(v), byte(v>>8), byte(v>>16))
	case v >= -1<<31 && v < 1<<31:
		lp.buf = append(lp.buf, 0xf3, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	default:
		lp.buf = append(lp.buf, 0xf4)
		lp.buf = binary.LittleEndian.AppendUint64(lp.buf, uint64(v))
	}
	lp.finish(start)
}

// AppendFloat adds a sorted-set score, written as Redis writes scores into
// a listpack: an integer when it is one, else its shortest decimal form.
func (lp *Listpack) AppendFloat(f float64, scratch []byte) []byte {
	if f > -(1<<52-1) && f < 1<<52 && f == float64(int64(f)) && !(f == 0 && math.Signbit(f)) {
		lp.AppendInt(int64(f))
		return scratch
	}
	scratch = AppendScore(scratch[:0], f)
	lp.Append(scratch)
	return scratch
}

// AppendScore formats a score as Redis 7.0's listpacks spell it: "inf",
// "-inf", "nan", or printf's %.17g.
func AppendScore(dst []byte, f float64) []byte {
	switch {
	case f != f:
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// finish writes the backlen of the entry that starts at start.
func (lp *Listpack) finish(start int) {
	l := uint64(len(lp.buf) - start)
	switch {
	case l < 128:
		lp.buf = append(lp.buf, byte(l))
	case l < 16384:
		lp.buf = append(lp.buf, byte(l>>7), byte(l&127)|128)
	case l < 2097152:
		lp.buf = append(lp.buf, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case l < 268435456:
		lp.buf = append(lp.buf, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	default:
		lp.buf = append(lp.buf, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
	lp.n++
}

// Bytes returns the finished listpack. It stays valid until the next change.
func (lp *Listpack) Bytes() []byte {
	if len(lp.buf) == 0 {
		lp.Reset()
	}
	b := append(lp.buf, 0xff)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint16(b[4:], uint16(min(lp.n, 65535)))
	return b
}

// lpEntrySize returns how many bytes Append(s) adds.
func lpEntrySize(s []byte) int {
	var l int
	if v, ok := parseCanonicalInt(s); ok {
		l = lpIntSize(v)
	} else {
		switch n := len(s); {
		case n < 64:
			l = 1 + n
		case n < 4096:
			l = 2 + n
		default:
			l = 5 + n
		}
	}
	return l + backlenSize(l)
}

// LPEntrySize returns how many bytes appending s to a listpack adds.
func LPEntrySize(s []byte) int { return lpEntrySize(s) }

func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -1<<15 && v < 1<<15:
		return 3
	case v >= -1<<23 && v < 1<<23:
		return 4
	case v >= -1<<31 && v < 1<<31:
		return 5
	}
	return 9
}

func backlenSize(l int) int {
	switch {
	case l < 128:
		return 1
	case l < 16384:
		return 2
	case l < 2097152:
		return 3
	case l < 268435456:
		return 4
	}
	return 5
}

// parseCanonicalInt parses s as Redis's string2ll does: an optional minus
// sign, no leading zeros or spaces or plus sign, within int64.
func parseCanonicalInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return int64(s[0] - '0'), true
	}
	neg := s[0] == '-'
	p := s
	if neg {
		p = s[1:]
	}
	if len(p) == 0 || p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// lpIter walks a listpack's entries, checking every bound.
type lpIter struct {
	b   []byte
	off int
}

// newLPIter checks a listpack's header and terminator and returns an
// iterator and its declared count (65535: unknown).
func newLPIter(b []byte) (lpIter, int, bool) {
	if len(b) < lpHeaderSize+1 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		return lpIter{}, 0, false
	}
	return lpIter{b: b, off: lpHeaderSize}, int(binary.LittleEndian.Uint16(b[4:])), true
}

// next returns the next entry: a string (str non-nil or isInt false) or an
// integer. done is true at the terminator; ok false on malformed input.
func (it *lpIter) next() (str []byte, v int64, isInt, done, ok bool) {
	b := it.b
	end := len(b) - 1 // the terminator
	if it.off >= end {
		return nil, 0, false, it.off == end, it.off == end
	}
	p := it.off
	c := b[p]
	var l int // encoding+data length
	switch {
	case c&0x80 == 0:
		v, isInt, l = int64(c), true, 1
	case c&0xc0 == 0x80:
		n := int(c & 0x3f)
		if p+1+n > end {
			return
		}
		str, l = b[p+1:p+1+n], 1+n
	case c&0xe0 == 0xc0:
		if p+2 > end {
			return
		}
		u := uint64(c&0x1f)<<8 | uint64(b[p+1])
		v = int64(u)
		if u >= 1<<12 {
			v = int64(u) - 1<<13
		}
		isInt, l = true, 2
	case c&0xf0 == 0xe0:
		if p+2 > end {
			return
		}
		n := int(c&0x0f)<<8 | int(b[p+1])
		if p+2+n > end {
			return
		}
		str, l = b[p+2:p+2+n], 2+n
	default:
		var w int
		switch c {
		case 0xf0:
			if p+5 > end {
				return
			}
			n := int(binary.LittleEndian.Uint32(b[p+1:]))
			if n < 0 || n > end-p-5 {
				return
			}
			str, l = b[p+5:p+5+n], 5+n
		case 0xf1:
			w = 2
		case 0xf2:
			w = 3
		case 0xf3:
			w = 4
		case 0xf4:
			w = 8
		default:
			return
		}
		if w > 0 {
			if p+1+w > end {
				return
			}
			var u uint64
			for i := w - 1; i >= 0; i-- {
				u = u<<8 | uint64(b[p+1+i])
			}
			shift := 64 - 8*w
			v, isInt, l = int64(u<<shift)>>shift, true, 1+w
		}
	}
	bl := backlenSize(l)
	if p+l+bl > end {
		return nil, 0, false, false, false
	}
	// The backlen must say l.
	var got uint64
	q := p + l + bl - 1
	for shift := 0; q >= p+l; q, shift = q-1, shift+7 {
		got |= uint64(b[q]&127) << shift
	}
	if got != uint64(l) {
		return nil, 0, false, false, false
	}
	it.off = p + l + bl
	if !isInt && str == nil {
		str = b[p:p]
	}
	return str, v, isInt, false, true
}
