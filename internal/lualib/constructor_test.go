package lualib

import (
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

func TestFloatingPointByte(t *testing.T) {
	// Lua 5.1 rounds sizes of 8 and more up to what eeeeexxx can hold.
	for n, want := range map[int]int{0: 0, 1: 1, 7: 7, 8: 8, 15: 15, 16: 16, 17: 18, 19: 20, 33: 36, 100: 104, 1000: 1024} {
		if got := fb2int(int2fb(n)); got != want {
			t.Errorf("fb2int(int2fb(%d)) = %d, want %d", n, got, want)
		}
	}
}

// runMarked runs script with its constructors marked, as an engine would.
func runMarked(t *testing.T, L *lua.LState, script string) string {
	t.Helper()
	chunk, err := parse.Parse(strings.NewReader(script), "user_script")
	if err != nil {
		t.Fatal(err)
	}
	MarkConstructors(chunk)
	proto, err := lua.Compile(chunk, "user_script")
	if err != nil {
		t.Fatal(err)
	}
	defer ResetConstructors(L)
	L.Push(L.NewFunctionFromProto(proto))
	if err := L.PCall(0, 1, nil); err != nil {
		t.Fatal(err)
	}
	defer L.Pop(1)
	return L.Get(-1).String()
}

// TestMarkConstructors checks constructor order against replies recorded
// from redis-server 7.0.15, and that marking changes nothing else.
func TestMarkConstructors(t *testing.T) {
	L := newState()
	defer L.Close()
	OpenConstructors(L)
	OpenPairs(L, nil)
	for _, tc := range []struct{ script, want string }{
		// Presized to 4 nodes: grown from {} these keys would come out as
		// status, count, id.
		{`return cjson.encode({id = 1, status = 2, count = 3})`, `{"id":1,"count":3,"status":2}`},
		{`return cmsgpack.pack({id = 1, status = 2, count = 3}) == cmsgpack.pack(cjson.decode('{"id":1,"count":3,"status":2}'))`, "true"},
		{`return cjson.encode({status = 1, count = 2, items = 3, ok = 4})`, `{"status":1,"ok":4,"count":2,"items":3}`},
		{`local t = {status = 1, count = 2, items = 3, ok = 4} local o = {} for k in pairs(t) do o[#o+1] = k end return table.concat(o, ",")`, "status,ok,count,items"},
		{`return select('#', unpack({1, 2, a = 1, b = 2, c = 3}))`, "2"},
		{`local function f() return {x = 1, y = 2, z = 3} end return f().y`, "2"},
		{`return #{a = 1, b = 2, c = 3, 10, 20, (function() return 1, 2, 3 end)()}`, "5"},
	} {
		if got := runMarked(t, L, tc.script); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.script, got, tc.want)
		}
	}
}

// TestCtorRecordSweeps checks that recorded constructors do not keep their
// tables alive: once collected, their entries are swept as the record grows.
func TestCtorRecordSweeps(t *testing.T) {
	var r ctorRecord
	live := &lua.LTable{}
	r.add(live, ctorHint{narray: 0, nhash: 4})
	for i := 0; i < 100000; i++ {
		r.add(&lua.LTable{}, ctorHint{nhash: 3})
		if i%10000 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	r.sweep = len(r.hints) // force a sweep on the next add
	r.add(&lua.LTable{}, ctorHint{nhash: 3})
	if len(r.hints) > 2*minCtorSweep {
		t.Errorf("record holds %d entries after collection", len(r.hints))
	}
	if h, ok := r.get(live); !ok || h.nhash != 4 {
		t.Errorf("live table's hint lost: %v %v", h, ok)
	}
	runtime.KeepAlive(live)
}
