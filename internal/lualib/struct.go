package lualib

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// OpenStruct registers the global table struct: Roberto Ierusalimschy's
// struct library (struct.c 1.4) as bundled with Redis: pack, unpack, size.
// Sizes are those of x86-64 Linux (short 2, int 4, long 8, size_t 8, native
// little endian, maximum alignment 8).
func OpenStruct(L *lua.LState) *lua.LTable {
	return register(L, "struct", map[string]lua.LGFunction{
		"pack":   structPack,
		"unpack": structUnpack,
		"size":   structSize,
	})
}

const (
	structMaxIntSize = 32
	structMaxAlign   = 8
)

type structHeader struct {
	little bool
	align  int
}

type structFmt struct {
	L   *lua.LState
	fmt string
	i   int
	h   structHeader
}

func newStructFmt(L *lua.LState, f string) *structFmt {
	return &structFmt{L: L, fmt: f, h: structHeader{little: true, align: 1}}
}

// more reports whether an option is left; the format is a C string, so it
// ends at a NUL byte too.
func (f *structFmt) more() bool { return f.i < len(f.fmt) && f.fmt[f.i] != 0 }

// getnum reads a decimal count, erroring on int overflow as Redis's
// patched struct.c does.
func (f *structFmt) getnum(def int) int {
	if f.i >= len(f.fmt) || !isDigit(f.fmt[f.i]) {
		return def
	}
	a := 0
	for f.i < len(f.fmt) && isDigit(f.fmt[f.i]) {
		d := int(f.fmt[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			raise(f.L, "integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

// optsize is the size of option opt (reading its count, if any).
func (f *structFmt) optsize(opt byte) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return f.getnum(1)
	case 'i', 'I':
		sz := f.getnum(4)
		if sz > structMaxIntSize {
			raise(f.L, "integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

// toalign is gettoalign: the padding before an option of size at len.
func (f *structFmt) toalign(len int, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > f.h.align {
		size = f.h.align
	}
	return (size - (len & (size - 1))) & (size - 1)
}

// control handles the options that change the header (or fails on an
// unknown option).
func (f *structFmt) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.h.little = false
	case '<':
		f.h.little = true
	case '!':
		a := f.getnum(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			raise(f.L, "alignment %d is not a power of 2", a)
		}
		f.h.align = a
	default:
		argError(f.L, 1, "invalid format option '"+string(opt)+"'")
	}
}

func structPack(L *lua.LState) int {
	f := newStructFmt(L, checkLString(L, 1))
	arg := 2
	// struct.c pushes a nil to separate the arguments from its buffer: a
	// missing argument right after the last one reads as nil.
	L.Push(lua.LNil)
	var b []byte
	total := 0
	for f.more() {
		opt := f.fmt[f.i]
		f.i++
		size := f.optsize(opt)
		pad := f.toalign(total, opt, size)
		total += pad
		for ; pad > 0; pad-- {
			b = append(b, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := checkNumber(L, arg)
			arg++
			var v uint64
			if n < 0 {
				v = uint64(DoubleToInt64(n))
			} else {
				v = doubleToUint64(n)
			}
			b = putInteger(b, v, f.h.little, size)
		case 'x':
			b = append(b, 0)
		case 'f':
			v := math.Float32bits(float32(checkNumber(L, arg)))
			arg++
			if f.h.little {
				b = binary.LittleEndian.AppendUint32(b, v)
			} else {
				b = binary.BigEndian.AppendUint32(b, v)
			}
		case 'd':
			v := math.Float64bits(checkNumber(L, arg))
			arg++
			if f.h.little {
				b = binary.LittleEndian.AppendUint64(b, v)
			} else {
				b = binary.BigEndian.AppendUint64(b, v)
			}
		case 'c', 's':
			s := checkLString(L, arg)
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				argError(L, arg, "string too short")
			}
			b = append(b, s[:size]...)
			if opt == 's' {
				b = append(b, 0)
				size++
			}
		default:
			f.control(opt)
		}
		total += size
	}
	L.Push(lua.LString(b))
	return 1
}

// doubleToUint64 converts as a C cast of a double to unsigned long does on
// x86-64 (values from 2^63 are converted through a subtraction of 2^63).
func doubleToUint64(n float64) uint64 {
	if !(n >= 9223372036854775808.0) { // NaN too
		return uint64(DoubleToInt64(n))
	}
	return uint64(DoubleToInt64(n-9223372036854775808.0)) ^ (1 << 63)
}

// putInteger appends the low size bytes of v (zeros beyond 8 bytes).
func putInteger(b []byte, v uint64, little bool, size int) []byte {
	var buf [structMaxIntSize]byte
	if little {
		for i := 0; i < size; i++ {
			buf[i] = byte(v)
			v = shr8(v)
		}
	} else {
		for i := size - 1; i >= 0; i-- {
			buf[i] = byte(v)
			v = shr8(v)
		}
	}
	return append(b, buf[:size]...)
}

func shr8(v uint64) uint64 { return v >> 8 }

// getInteger reads size bytes as struct.c does into a 64-bit unsigned long.
func getInteger(s string, little, signed bool, size int) float64 {
	var l uint64
	if !little {
		for i := 0; i < size; i++ {
			l = l<<8 | uint64(s[i])
		}
	} else {
		for i := size - 1; i >= 0; i-- {
			l = l<<8 | uint64(s[i])
		}
	}
	if !signed {
		return float64(l)
	}
	// x86-64 masks the shift count to 6 bits.
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

func structUnpack(L *lua.LState) int {
	f := newStructFmt(L, checkLString(L, 1))
	data := checkLString(L, 2)
	ld := len(data)
	off := optInteger(L, 3, 1)
	if off == 0 {
		// Redis's struct.c checks the offset as an unsigned size_t.
		argError(L, 3, "offset must be 1 or greater")
	}
	pos := uint64(off - 1)
	var out []lua.LValue
	for f.more() {
		opt := f.fmt[f.i]
		f.i++
		size := uint64(f.optsize(opt))
		pos += uint64(f.toalign(int(pos), opt, int(size)))
		if pos+size > uint64(ld) || pos > uint64(ld) {
			argError(L, 2, "data string too short")
		}
		if 2+len(out)+1 > luaMaxCStack {
			raise(L, "stack overflow (too many results)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a'
			out = append(out, lua.LNumber(getInteger(data[pos:], f.h.little, signed, int(size))))
		case 'x':
		case 'f':
			var v uint32
			if f.h.little {
				v = binary.LittleEndian.Uint32([]byte(data[pos : pos+4]))
			} else {
				v = binary.BigEndian.Uint32([]byte(data[pos : pos+4]))
			}
			out = append(out, lua.LNumber(math.Float32frombits(v)))
		case 'd':
			var v uint64
			if f.h.little {
				v = binary.LittleEndian.Uint64([]byte(data[pos : pos+8]))
			} else {
				v = binary.BigEndian.Uint64([]byte(data[pos : pos+8]))
			}
			out = append(out, lua.LNumber(math.Float64frombits(v)))
		case 'c':
			if size == 0 {
				var n float64
				ok := false
				if len(out) > 0 {
					n, ok = toNumber(out[len(out)-1])
				}
				if !ok {
					raise(L, "format 'c0' needs a previous size")
				}
				out = out[:len(out)-1]
				size = doubleToUint64(n)
				if pos+size > uint64(ld) || size > uint64(ld) {
					argError(L, 2, "data string too short")
				}
			}
			out = append(out, lua.LString(data[pos:pos+size]))
		case 's':
			e := -1
			for j := int(pos); j < ld; j++ {
				if data[j] == 0 {
					e = j
					break
				}
			}
			if e < 0 {
				raise(L, "unfinished string in data")
			}
			size = uint64(e) - pos + 1
			out = append(out, lua.LString(data[pos:e]))
		default:
			f.control(opt)
		}
		pos += size
	}
	for _, v := range out {
		L.Push(v)
	}
	L.Push(lua.LNumber(pos + 1))
	return len(out) + 1
}

func structSize(L *lua.LState) int {
	f := newStructFmt(L, checkLString(L, 1))
	pos := 0
	for f.more() {
		opt := f.fmt[f.i]
		f.i++
		size := f.optsize(opt)
		pos += f.toalign(pos, opt, size)
		if opt == 's' {
			argError(L, 1, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}
