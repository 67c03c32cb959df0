package lualib

import (
	"encoding/binary"
	"math"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// callLib calls lib.fn(args...) and returns its results, or the Lua error.
// A Go panic inside the library (rather than a Lua error) fails the test.
func callLib(t *testing.T, L *lua.LState, lib, fn string, args ...lua.LValue) ([]lua.LValue, error) {
	t.Helper()
	f := L.GetGlobal(lib).(*lua.LTable).RawGetString(fn)
	top := L.GetTop()
	L.Push(f)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), lua.MultRet, nil)
	if err != nil {
		if ae, ok := err.(*lua.ApiError); ok && ae.Type == lua.ApiErrorPanic {
			t.Fatalf("%s.%s panicked: %v", lib, fn, err)
		}
		L.SetTop(top)
		return nil, err
	}
	out := make([]lua.LValue, 0, L.GetTop()-top)
	for i := top + 1; i <= L.GetTop(); i++ {
		out = append(out, L.Get(i))
	}
	L.SetTop(top)
	return out, nil
}

var jsonSeeds = []string{
	`{"id":1,"name":"kvd","tags":["a","b"],"nested":{"x":[1,2.5,-3e10,{"y":null}],"ok":true,"no":false}}`,
	`[1,2,3]`, `"\u00e9\ud83d\ude00\n\"\\\/"`, `{"a":{"b":{"c":{"d":[[[[]]]]}}}}`, `0x10`, `-Infinity`, `nan`,
	`[1,`, `{"a" 1}`, "\x00[", `"\udc00"`, `1e400`, `[` + string(make([]byte, 10)) + `]`,
}

// FuzzCJSONDecode: cjson.decode never panics, and whatever it decodes
// encodes to a document that decodes and encodes to itself again.
func FuzzCJSONDecode(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	L := newState()
	f.Fuzz(func(t *testing.T, doc string) {
		res, err := callLib(t, L, "cjson", "decode", lua.LString(doc))
		if err != nil {
			return
		}
		enc, err := callLib(t, L, "cjson", "encode", res[0])
		if err != nil {
			return // NaN, sparse arrays... are legal to decode, not to encode
		}
		again, err := callLib(t, L, "cjson", "decode", enc[0])
		if err != nil {
			t.Fatalf("decode(encode(decode(%q))) = %v (encoded %q)", doc, err, enc[0])
		}
		// Member order follows Lua 5.1's table layout, so compare values.
		enc2, err := callLib(t, L, "cjson", "encode", again[0])
		if err != nil {
			t.Fatalf("encode(decode(%q)) = %v", enc[0], err)
		}
		again2, err := callLib(t, L, "cjson", "decode", enc2[0])
		if err != nil || canon(again2[0]) != canon(again[0]) {
			t.Fatalf("encoding of %q not stable: %q then %q (%v)", doc, enc[0], enc2[0], err)
		}
	})
}

// FuzzCMsgpackUnpack: cmsgpack.unpack never panics, and a single unpacked
// value, packed and unpacked twice, gives the same value both times.
func FuzzCMsgpackUnpack(f *testing.F) {
	L := newState()
	for _, s := range jsonSeeds {
		if v, err := callLib(&testing.T{}, L, "cjson", "decode", lua.LString(s)); err == nil {
			f.Add(string(AppendMsgpack(nil, v[0])))
		}
	}
	f.Add("\x93\x01\xa1x\xc0")
	f.Add("\xdd\xff\xff\xff\xff\x01")
	f.Add("\xcf\xff\xff\xff\xff\xff\xff\xff\xff")
	f.Add("\x81\xc0\x01")
	f.Fuzz(func(t *testing.T, data string) {
		res, err := callLib(t, L, "cmsgpack", "unpack", lua.LString(data))
		if err != nil || len(res) != 1 {
			return
		}
		p := AppendMsgpack(nil, res[0])
		again, err := callLib(t, L, "cmsgpack", "unpack", lua.LString(p))
		if err != nil || len(again) != 1 {
			t.Fatalf("unpack(pack(unpack(%q))) = %v, %v", data, again, err)
		}
		// Tables nested deeper than 16 pack as nil, so compare the second
		// generation with the first, in a form independent of key order.
		p2 := AppendMsgpack(nil, again[0])
		again2, err := callLib(t, L, "cmsgpack", "unpack", lua.LString(p2))
		if err != nil || len(again2) != 1 || canon(again2[0]) != canon(again[0]) {
			t.Fatalf("packing of %q not stable: %q then %q (%v)", data, p, p2, err)
		}
	})
}

// FuzzStructUnpack: struct.unpack and struct.size never panic or allocate
// beyond their input.
func FuzzStructUnpack(f *testing.F) {
	f.Add(">bBhHiIlLT", "\xff\xff\xff\xfe\x01\x02\xff\xff\xff\xfd\x00\x00\x00\x04\xff\xff\xff\xff\xff\xff\xff\xfb\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00\x07")
	f.Add("!4bibd", "\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10@")
	f.Add("bc0s", "\x03abchello\x00")
	f.Add("<i16>I9f d", "0123456789abcdef0123456789abcdef0123456789")
	f.Add("c999999999", "x")
	L := newState()
	f.Fuzz(func(t *testing.T, format, data string) {
		callLib(t, L, "struct", "unpack", lua.LString(format), lua.LString(data))
		callLib(t, L, "struct", "unpack", lua.LString(format), lua.LString(data), lua.LNumber(2))
		callLib(t, L, "struct", "size", lua.LString(format))
	})
}

// canon renders v with table keys sorted, for comparing values whatever
// their iteration order. Tables nested deeper than 20 render as "...".
func canon(v lua.LValue) string { return canonDepth(v, 0) }

func canonDepth(v lua.LValue, depth int) string {
	t, ok := v.(*lua.LTable)
	if !ok {
		return v.Type().String() + ":" + v.String()
	}
	if depth > 20 {
		return "..."
	}
	var parts []string
	for k, val := t.Next(lua.LNil); k != lua.LNil; k, val = t.Next(k) {
		parts = append(parts, canonDepth(k, depth+1)+"="+canonDepth(val, depth+1))
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// FuzzKeyOrder builds tables from random keys (strings, integers, floats,
// booleans, deletions) and checks that the Lua 5.1 order model returns a
// permutation of the table's keys, and that the encoders do not panic.
func FuzzKeyOrder(f *testing.F) {
	f.Add([]byte("\x00\x03abc\x00\x02xy\x01\x05\x02\x40\x09\x21\xfb\x54\x44\x2d\x18\x03\x01"))
	f.Add([]byte("\x01\x01\x01\x02\x01\x03\x01\x04\x00\x01a\x00\x01b\x04\x00\x01a"))
	L := newState()
	f.Fuzz(func(t *testing.T, data []byte) {
		tb := L.NewTable()
		var last lua.LValue
		for len(data) > 0 {
			op := data[0] % 5
			data = data[1:]
			var k lua.LValue
			switch op {
			case 0: // string
				n := 0
				if len(data) > 0 {
					n = int(data[0]) % 40
					data = data[1:]
				}
				if n > len(data) {
					n = len(data)
				}
				k = lua.LString(data[:n])
				data = data[n:]
			case 1: // small integer, possibly negative or zero
				if len(data) == 0 {
					continue
				}
				k = lua.LNumber(int8(data[0]))
				data = data[1:]
			case 2: // any double but NaN
				if len(data) < 8 {
					continue
				}
				v := math.Float64frombits(binary.LittleEndian.Uint64(data))
				data = data[8:]
				if v != v || (v == math.Trunc(v) && v > 256 && v <= 1<<27) {
					continue // NaN, or a key gopher-lua would pad its array to
				}
				k = lua.LNumber(v)
			case 3:
				k = lua.LBool(len(data)%2 == 0)
			case 4: // delete the last key set
				if last != nil {
					tb.RawSet(last, lua.LNil)
				}
				continue
			}
			tb.RawSet(k, lua.LTrue)
			last = k
		}
		want := map[lua.LValue]int{}
		n := 0
		for k, _ := tb.Next(lua.LNil); k != lua.LNil; k, _ = tb.Next(k) {
			want[k]++
			n++
		}
		var sc pucScratch
		if keys, ok := pucKeyOrder(tb, &sc); ok {
			if len(keys) != n {
				t.Fatalf("model gave %d keys, table has %d", len(keys), n)
			}
			for _, k := range keys {
				if want[k]--; want[k] < 0 {
					t.Fatalf("model gave key %v twice or a key not in the table", k)
				}
			}
		}
		callLib(t, L, "cjson", "encode", tb)
		callLib(t, L, "cmsgpack", "pack", tb)
	})
}
