package lualib

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// cmsgpackMaxNesting is LUACMSGPACK_MAX_NESTING: tables nested deeper are
// packed as nil (so that circular tables terminate).
const cmsgpackMaxNesting = 16

// OpenCMsgpack registers the global table cmsgpack: lua-cmsgpack 0.4.0 as
// bundled with Redis (pack, unpack, unpack_one, unpack_limit and the
// _NAME/_VERSION/_COPYRIGHT/_DESCRIPTION fields).
func OpenCMsgpack(L *lua.LState) *lua.LTable {
	t := register(L, "cmsgpack", map[string]lua.LGFunction{
		"pack":         mpPack,
		"unpack":       mpUnpack,
		"unpack_one":   mpUnpackOne,
		"unpack_limit": mpUnpackLimit,
	})
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

// ---- packing ----

func mpPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		argError(L, 0, "MessagePack pack needs input.")
	}
	if n > luaMaxCStack {
		argError(L, 0, "Too many arguments for MessagePack pack.")
	}
	var buf []byte
	sc := newScratch(L)
	for i := 1; i <= n; i++ {
		buf = mpEncode(buf, L.Get(i), 0, &sc)
	}
	L.Push(lua.LString(buf))
	return 1
}

// AppendMsgpack appends v encoded as cmsgpack.pack encodes it.
func AppendMsgpack(buf []byte, v lua.LValue) []byte {
	var sc pucScratch
	return mpEncode(buf, v, 0, &sc)
}

func mpEncode(buf []byte, v lua.LValue, level int, sc *pucScratch) []byte {
	switch x := v.(type) {
	case lua.LString:
		return mpEncodeBytes(buf, string(x))
	case lua.LBool:
		if x {
			return append(buf, 0xc3)
		}
		return append(buf, 0xc2)
	case lua.LNumber:
		return mpEncodeNumber(buf, float64(x))
	case *lua.LTable:
		if level == cmsgpackMaxNesting {
			return append(buf, 0xc0)
		}
		if n, ok := mpTableIsArray(x); ok {
			buf = mpEncodeHeader(buf, 0x90, 0xdc, 0xdd, uint64(n))
			for j := 1; j <= n; j++ {
				buf = mpEncode(buf, x.RawGetInt(j), level+1, sc)
			}
			return buf
		}
		count := 0
		for k, _ := x.Next(lua.LNil); k != lua.LNil; k, _ = x.Next(k) {
			count++
		}
		buf = mpEncodeHeader(buf, 0x80, 0xde, 0xdf, uint64(count))
		pucPairs(x, sc, func(k, val lua.LValue) {
			buf = mpEncode(buf, k, level+1, sc)
			buf = mpEncode(buf, val, level+1, sc)
		})
		return buf
	}
	return append(buf, 0xc0)
}

// mpTableIsArray is table_is_an_array: every key a positive integer that
// fits a C int, and as many keys as the largest (so exactly 1..n).
func mpTableIsArray(t *lua.LTable) (int, bool) {
	var count, max int32
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f <= 0 || math.IsInf(f, 0) || float64(DoubleToInt32(f)) != f {
			return 0, false
		}
		if i := int32(f); i > max {
			max = i
		}
		count++
	}
	return int(count), max == count
}

func mpEncodeHeader(buf []byte, fix, b16, b32 byte, n uint64) []byte {
	switch {
	case n <= 15:
		return append(buf, fix|byte(n))
	case n <= 0xffff:
		return append(buf, b16, byte(n>>8), byte(n))
	default:
		return append(buf, b32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func mpEncodeBytes(buf []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		buf = append(buf, 0xa0|byte(n))
	case n <= 0xff:
		buf = append(buf, 0xd9, byte(n))
	case n <= 0xffff:
		buf = append(buf, 0xda, byte(n>>8), byte(n))
	default:
		buf = append(buf, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(buf, s...)
}

func mpEncodeNumber(buf []byte, f float64) []byte {
	if !math.IsInf(f, 0) && float64(DoubleToInt64(f)) == f {
		return mpEncodeInt(buf, DoubleToInt64(f))
	}
	if float64(float32(f)) == f {
		buf = append(buf, 0xca)
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(f)))
	}
	buf = append(buf, 0xcb)
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(f))
}

func mpEncodeInt(buf []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(buf, byte(n))
		case n <= 0xff:
			return append(buf, 0xcc, byte(n))
		case n <= 0xffff:
			return append(buf, 0xcd, byte(n>>8), byte(n))
		case n <= 0xffffffff:
			return append(buf, 0xce, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		}
		return binary.BigEndian.AppendUint64(append(buf, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(buf, byte(n))
	case n >= -128:
		return append(buf, 0xd0, byte(n))
	case n >= -32768:
		return append(buf, 0xd1, byte(n>>8), byte(n))
	case n >= -2147483648:
		return append(buf, 0xd2, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(buf, 0xd3), uint64(n))
}

// ---- unpacking ----

type mpErr int

const (
	mpOK mpErr = iota
	mpEOF
	mpBadFmt
)

type mpDecoder struct {
	L     *lua.LState
	data  string
	pos   int
	err   mpErr
	slots int          // Lua stack slots the C decoder would be using
	vals  []lua.LValue // members of the open arrays and maps
}

func (d *mpDecoder) need(n int) bool {
	if len(d.data)-d.pos < n {
		d.err = mpEOF
		return false
	}
	return true
}

func (d *mpDecoder) checkStack(n int, what string) {
	if d.slots+n > luaMaxCStack {
		raise(d.L, "stack overflow (%s)", what)
	}
}

const mpTooMany = "too many return values at once; use unpack_one or unpack_limit instead."

// decode decodes one value at pos; on error it sets d.err and returns nil.
func (d *mpDecoder) decode() lua.LValue {
	if !d.need(1) {
		return nil
	}
	d.checkStack(1, mpTooMany)
	p := d.data[d.pos:]
	c := p[0]
	switch c {
	case 0xcc:
		if !d.need(2) {
			return nil
		}
		d.pos += 2
		return lua.LNumber(p[1])
	case 0xd0:
		if !d.need(2) {
			return nil
		}
		d.pos += 2
		return lua.LNumber(int8(p[1]))
	case 0xcd:
		if !d.need(3) {
			return nil
		}
		d.pos += 3
		return lua.LNumber(be16(p[1:]))
	case 0xd1:
		if !d.need(3) {
			return nil
		}
		d.pos += 3
		return lua.LNumber(int16(be16(p[1:])))
	case 0xce:
		if !d.need(5) {
			return nil
		}
		d.pos += 5
		return lua.LNumber(be32(p[1:]))
	case 0xd2:
		if !d.need(5) {
			return nil
		}
		d.pos += 5
		return lua.LNumber(int32(be32(p[1:])))
	case 0xcf:
		if !d.need(9) {
			return nil
		}
		d.pos += 9
		// Pushed as a lua_Integer (int64): values of 2^63 and more wrap.
		return lua.LNumber(int64(be64(p[1:])))
	case 0xd3:
		if !d.need(9) {
			return nil
		}
		d.pos += 9
		return lua.LNumber(int64(be64(p[1:])))
	case 0xc0:
		d.pos++
		return lua.LNil
	case 0xc3:
		d.pos++
		return lua.LTrue
	case 0xc2:
		d.pos++
		return lua.LFalse
	case 0xca:
		if !d.need(5) {
			return nil
		}
		d.pos += 5
		return lua.LNumber(math.Float32frombits(be32(p[1:])))
	case 0xcb:
		if !d.need(9) {
			return nil
		}
		d.pos += 9
		return lua.LNumber(math.Float64frombits(be64(p[1:])))
	case 0xd9:
		if !d.need(2) {
			return nil
		}
		return d.str(2, int(p[1]))
	case 0xda:
		if !d.need(3) {
			return nil
		}
		return d.str(3, int(be16(p[1:])))
	case 0xdb:
		if !d.need(5) {
			return nil
		}
		return d.str(5, int(be32(p[1:])))
	case 0xdc:
		if !d.need(3) {
			return nil
		}
		d.pos += 3
		return d.array(int(be16(p[1:])))
	case 0xdd:
		if !d.need(5) {
			return nil
		}
		d.pos += 5
		return d.array(int(be32(p[1:])))
	case 0xde:
		if !d.need(3) {
			return nil
		}
		d.pos += 3
		return d.hash(int(be16(p[1:])))
	case 0xdf:
		if !d.need(5) {
			return nil
		}
		d.pos += 5
		return d.hash(int(be32(p[1:])))
	}
	switch {
	case c&0x80 == 0:
		d.pos++
		return lua.LNumber(c)
	case c&0xe0 == 0xe0:
		d.pos++
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0:
		return d.str(1, int(c&0x1f))
	case c&0xf0 == 0x90:
		d.pos++
		return d.array(int(c & 0xf))
	case c&0xf0 == 0x80:
		d.pos++
		return d.hash(int(c & 0xf))
	}
	d.err = mpBadFmt
	return nil
}

func (d *mpDecoder) str(hdr, n int) lua.LValue {
	if !d.need(hdr + n) {
		return nil
	}
	s := d.data[d.pos+hdr : d.pos+hdr+n]
	d.pos += hdr + n
	return lua.LString(s)
}

// array decodes n elements. Each element takes at least one byte, so a
// forged count fails with "Missing bytes" without allocating for it. The
// elements are collected first and the table created at its final size.
func (d *mpDecoder) array(n int) lua.LValue {
	d.slots++ // the table
	d.checkStack(1, "in function mp_decode_to_lua_array")
	d.slots++ // the index, pushed before the value is decoded
	base := len(d.vals)
	for i := 1; i <= n; i++ {
		v := d.decode()
		if d.err != mpOK {
			return nil
		}
		d.vals = append(d.vals, v)
	}
	t := d.L.CreateTable(n, 0)
	for i, v := range d.vals[base:] {
		if v != lua.LNil { // t[i] = nil sets nothing
			t.RawSetInt(i+1, v)
		}
		d.vals[base+i] = nil
	}
	d.vals = d.vals[:base]
	d.slots -= 2
	return t
}

func (d *mpDecoder) hash(n int) lua.LValue {
	d.slots++ // the table
	base := len(d.vals)
	for i := 0; i < n; i++ {
		k := d.decode()
		if d.err != mpOK {
			return nil
		}
		d.slots++ // the key, while the value is decoded
		v := d.decode()
		if d.err != mpOK {
			return nil
		}
		d.slots--
		switch kk := k.(type) {
		case *lua.LNilType:
			raise0(d.L, "table index is nil")
		case lua.LNumber:
			if kk != kk {
				raise0(d.L, "table index is NaN")
			}
		}
		d.vals = append(d.vals, k, v)
	}
	t := d.L.CreateTable(0, n)
	for i := base; i < len(d.vals); i += 2 {
		t.RawSet(d.vals[i], d.vals[i+1])
		d.vals[i], d.vals[i+1] = nil, nil
	}
	d.vals = d.vals[:base]
	d.slots--
	return t
}

// raise0 raises an error without a position, as the Lua core's own errors
// raised inside a C function are.
func raise0(L *lua.LState, msg string) { L.Error(lua.LString(msg), 0) }

func mpUnpackFull(L *lua.LState, limit, offset int64) int {
	s := checkLString(L, 1)
	if offset < 0 || limit < 0 {
		raise(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	} else if offset > int64(len(s)) {
		raise(L, "Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	decodeAll := limit == 0 && offset == 0
	if decodeAll {
		limit = math.MaxInt32
	}
	d := mpDecoder{L: L, data: s, pos: int(offset), slots: 1}
	var out []lua.LValue
	for cnt := int64(0); d.pos < len(s) && cnt < limit; cnt++ {
		v := d.decode()
		switch d.err {
		case mpEOF:
			raise(L, "Missing bytes in input.")
		case mpBadFmt:
			raise(L, "Bad data format in input.")
		}
		out = append(out, v)
		d.slots++
	}
	if !decodeAll {
		next := lua.LNumber(d.pos)
		if d.pos == len(s) {
			next = -1
		}
		L.Push(next)
	}
	for _, v := range out {
		L.Push(v)
	}
	if decodeAll {
		return len(out)
	}
	return len(out) + 1
}

func be16(s string) uint16 { return uint16(s[0])<<8 | uint16(s[1]) }
func be32(s string) uint32 { return uint32(be16(s))<<16 | uint32(be16(s[2:])) }
func be64(s string) uint64 { return uint64(be32(s))<<32 | uint64(be32(s[4:])) }

func mpUnpack(L *lua.LState) int { return mpUnpackFull(L, 0, 0) }

func mpUnpackOne(L *lua.LState) int {
	offset := optInteger(L, 2, 0)
	if L.GetTop() > 1 {
		L.SetTop(1)
	}
	return mpUnpackFull(L, 1, offset)
}

func mpUnpackLimit(L *lua.LState) int {
	limit := checkInteger(L, 2)
	offset := optInteger(L, 3, 0)
	if L.GetTop() > 1 {
		L.SetTop(1)
	}
	return mpUnpackFull(L, limit, offset)
}
