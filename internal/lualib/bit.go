package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// OpenBit registers the global table bit: LuaBitOp 1.0.2 as bundled with
// Redis (tobit, tohex, bnot, band, bor, bxor, lshift, rshift, arshift, rol,
// ror, bswap). Operations work on 32-bit integers; results are signed.
func OpenBit(L *lua.LState) *lua.LTable {
	return register(L, "bit", map[string]lua.LGFunction{
		"tobit":   bitTobit,
		"bnot":    bitBnot,
		"band":    bitBand,
		"bor":     bitBor,
		"bxor":    bitBxor,
		"lshift":  bitShift(func(b, n uint32) uint32 { return b << n }),
		"rshift":  bitShift(func(b, n uint32) uint32 { return b >> n }),
		"arshift": bitShift(func(b, n uint32) uint32 { return uint32(int32(b) >> n) }),
		"rol":     bitShift(func(b, n uint32) uint32 { return b<<n | b>>(32-n) }),
		"ror":     bitShift(func(b, n uint32) uint32 { return b<<(32-n) | b>>n }),
		"bswap":   bitBswap,
		"tohex":   bitTohex,
	})
}

// barg converts argument i to 32 bits as LuaBitOp does: the number is
// rounded to an integer by adding 2^52+2^51 and the low 32 bits of the
// double's representation are kept (so 2^32+3 gives 3 and 2.5 gives 2).
func barg(L *lua.LState, i int) uint32 {
	f, ok := toNumber(L.Get(i))
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !ok {
		typeError(L, i, "number")
	}
	return b
}

func bret(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func bitTobit(L *lua.LState) int { return bret(L, barg(L, 1)) }
func bitBnot(L *lua.LState) int  { return bret(L, ^barg(L, 1)) }

func bitBand(L *lua.LState) int {
	b := barg(L, 1)
	for i := L.GetTop(); i > 1; i-- {
		b &= barg(L, i)
	}
	return bret(L, b)
}

func bitBor(L *lua.LState) int {
	b := barg(L, 1)
	for i := L.GetTop(); i > 1; i-- {
		b |= barg(L, i)
	}
	return bret(L, b)
}

func bitBxor(L *lua.LState) int {
	b := barg(L, 1)
	for i := L.GetTop(); i > 1; i-- {
		b ^= barg(L, i)
	}
	return bret(L, b)
}

func bitShift(op func(b, n uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := barg(L, 1)
		n := barg(L, 2) & 31
		return bret(L, op(b, n))
	}
}

func bitBswap(L *lua.LState) int {
	b := barg(L, 1)
	return bret(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
}

func bitTohex(L *lua.LState) int {
	b := barg(L, 1)
	n := int32(8)
	if L.GetTop() >= 2 {
		n = int32(barg(L, 2))
	}
	digits := "0123456789abcdef"
	if n == math.MinInt32 {
		n = math.MinInt32 + 1
	}
	if n < 0 {
		n = -n
		digits = "0123456789ABCDEF"
	}
	if n > 8 {
		n = 8
	}
	var buf [8]byte
	for i := int(n) - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf[:n]))
	return 1
}
