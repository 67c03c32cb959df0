package lualib

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchDoc is a nested document of the kind scripts keep in Redis: an
// object with nested objects, arrays, strings that need escaping, numbers.
const benchDoc = `{"id":12345,"user":{"name":"Ada Lovelace","email":"ada@example.com","roles":["admin","dev"],` +
	`"address":{"street":"12 St James's Square","city":"London","zip":"SW1Y 4JH"}},` +
	`"items":[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-22","qty":1,"price":5.5},{"sku":"C\/333","qty":10,"price":0.25}],` +
	`"note":"line one\nline \"two\"","paid":true,"coupon":null,"ts":1700000000.123}`

// benchCall calls lib.fn(arg) b.N times.
func benchCall(b *testing.B, L *lua.LState, lib, fn string, arg lua.LValue) {
	f := L.GetGlobal(lib).(*lua.LTable).RawGetString(fn)
	p := lua.P{Fn: f, NRet: 1, Protect: true}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := L.CallByParam(p, arg); err != nil {
			b.Fatal(err)
		}
		L.Pop(1)
	}
}

func benchValue(b *testing.B, L *lua.LState) lua.LValue {
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("cjson").(*lua.LTable).RawGetString("decode"), NRet: 1, Protect: true}, lua.LString(benchDoc)); err != nil {
		b.Fatal(err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

func BenchmarkCJSONDecode(b *testing.B) {
	L := newState()
	b.SetBytes(int64(len(benchDoc)))
	benchCall(b, L, "cjson", "decode", lua.LString(benchDoc))
}

func BenchmarkCJSONEncode(b *testing.B) {
	L := newState()
	benchCall(b, L, "cjson", "encode", benchValue(b, L))
}

func BenchmarkCMsgpackPack(b *testing.B) {
	L := newState()
	benchCall(b, L, "cmsgpack", "pack", benchValue(b, L))
}

func BenchmarkCMsgpackUnpack(b *testing.B) {
	L := newState()
	packed := lua.LString(AppendMsgpack(nil, benchValue(b, L)))
	b.SetBytes(int64(len(packed)))
	benchCall(b, L, "cmsgpack", "unpack", packed)
}

func BenchmarkStructUnpack(b *testing.B) {
	L := newState()
	f := L.GetGlobal("struct").(*lua.LTable).RawGetString("unpack")
	p := lua.P{Fn: f, NRet: lua.MultRet, Protect: true}
	data := lua.LString("\x01\x00\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00hello\x00")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := L.CallByParam(p, lua.LString("<hiLs"), data); err != nil {
			b.Fatal(err)
		}
		L.SetTop(0)
	}
}

func BenchmarkBitBand(b *testing.B) {
	L := newState()
	f := L.GetGlobal("bit").(*lua.LTable).RawGetString("band")
	p := lua.P{Fn: f, NRet: 1, Protect: true}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := L.CallByParam(p, lua.LNumber(0xff00ff), lua.LNumber(0x0ff0)); err != nil {
			b.Fatal(err)
		}
		L.Pop(1)
	}
}
