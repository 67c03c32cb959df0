package lualib

import (
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
		enc2, err := callLib(t, L, "cjson", "encode", again[0])
		if err != nil || enc2[0].String() != enc[0].String() {
			t.Fatalf("encoding of %q not stable: %q then %q (%v)", doc, enc[0], enc2, err)
		}
	})
}

// FuzzCMsgpackUnpack: cmsgpack.unpack never panics, and a single unpacked
// value packs to bytes that unpack and pack to themselves again.
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
		if p2 := AppendMsgpack(nil, again[0]); string(p2) != string(p) {
			t.Fatalf("packing of %q not stable: %q then %q", data, p, p2)
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
