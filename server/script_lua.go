package server

import (
	"crypto/sha1"
	"encoding/hex"
	"math"
	"strconv"
	"strings"

	"github.com/kvdserver/kvd/internal/lualib"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// The Lua sandbox that EVAL scripts and FUNCTION libraries run in: a
// gopher-lua state (Lua 5.1, as Redis embeds) opened with the libraries
// Redis loads, the redis API, and Redis 7.0's protections: the globals and
// the library tables are read-only, reading a global that does not exist
// is an error, and os, io, loadfile, dofile, require and print are absent.
//
// gopher-lua has no read-only tables, so each protected table is an empty
// proxy whose metatable reads through to the real table and refuses
// writes; rawset, setmetatable and the table library refuse proxies too,
// and next, pairs, rawget and unpack see through them.

// luaKind tells the two sandboxes apart: EVAL's, and the functions engine's.
type luaKind int

const (
	luaEval luaKind = iota
	luaFunction
)

// luaVM is one Lua state with the redis API bound to a server.
type luaVM struct {
	srv  *Server
	eng  *scriptEngine
	kind luaKind
	L    *lua.LState

	realG   *lua.LTable                 // the globals themselves
	proxyG  *lua.LTable                 // what scripts see as _G and their environment
	proxies map[*lua.LTable]*lua.LTable // read-only proxy -> real table
	roMeta  map[*lua.LTable]bool        // the proxies' metatables

	errHandler *lua.LFunction

	resp       int         // the protocol the running script set (redis.setresp)
	stringMeta *lua.LTable // what getmetatable('') returns: a read-only proxy

	// Scratch space for redis.call's arguments, reused from call to call.
	argv  [][]byte
	arena []byte
}

// Read-only and sandbox errors, as Redis 7.0 words them.
const (
	errLuaReadonly   = "Attempt to modify a readonly table"
	errLuaNoGlobalFn = "Script attempted to access nonexistent global variable '%s'"
)

// luaGlobalsAllowed are the globals Redis 7.0.15's EVAL sandbox has (KEYS,
// ARGV and the libraries are added separately).
var luaBaseAllowed = []string{
	"assert", "collectgarbage", "error", "getmetatable", "ipairs", "load", "loadstring",
	"next", "pairs", "pcall", "rawequal", "rawget", "rawset", "select", "setmetatable",
	"tonumber", "tostring", "type", "unpack", "xpcall", "_VERSION",
}

func init() {
	// gopher-lua keeps integer keys below MaxArrayIndex in a dense slice,
	// so that t[2^25] = 1 would allocate half a gigabyte in one
	// instruction; above the bound keys go to the hash part as in PUC Lua.
	// 4M elements keep # and ipairs right for any realistic array.
	lua.MaxArrayIndex = 1 << 22
}

// newLuaVM creates a sandboxed Lua state of the given kind.
func newLuaVM(s *Server, eng *scriptEngine, kind luaKind) *luaVM {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 1024, RegistrySize: 1024 * 4, RegistryMaxSize: 1024 * 1024})
	vm := &luaVM{srv: s, eng: eng, kind: kind, L: L, proxies: map[*lua.LTable]*lua.LTable{}, roMeta: map[*lua.LTable]bool{}}
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath}, {lua.CoroutineLibName, lua.OpenCoroutine}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	G := L.G.Global
	// Keep only what Redis keeps of the base library.
	keep := map[string]bool{"string": true, "table": true, "math": true, "coroutine": true, "_G": true}
	for _, n := range luaBaseAllowed {
		keep[n] = true
	}
	var drop []string
	G.ForEach(func(k, _ lua.LValue) {
		if ks, ok := k.(lua.LString); ok && !keep[string(ks)] {
			drop = append(drop, string(ks))
		}
	})
	for _, n := range drop {
		G.RawSetString(n, lua.LNil)
	}
	vm.realG = G
	vm.installBaseOverrides()
	vm.installMath()
	vm.installTableLib()
	lualib.Open(L) // cjson, cmsgpack, bit, struct
	// pairs() in Lua 5.1's key order, as cjson.encode and cmsgpack.pack
	// already emit it, so that scripts iterate tables in Redis's order.
	lualib.OpenPairs(L, func(t *lua.LTable) *lua.LTable {
		if r := vm.proxies[t]; r != nil {
			return r
		}
		return t
	})
	if kind == luaEval {
		// EVAL scripts' table constructors too (compile marks them).
		lualib.OpenConstructors(L)
	}
	vm.installRedisAPI()
	if kind == luaEval {
		G.RawSetString("KEYS", L.NewTable())
		G.RawSetString("ARGV", L.NewTable())
	}
	vm.errHandler = L.NewFunction(vm.luaErrorHandler)
	L.SetContext(&eng.hook)
	G.RawSetString("__redis__err__handler", vm.errHandler)

	// Protect the libraries, then the globals.
	for _, name := range []string{"string", "table", "math", "coroutine", "redis", "cjson", "bit", "struct", "cmsgpack"} {
		if t, ok := G.RawGetString(name).(*lua.LTable); ok {
			G.RawSetString(name, vm.readonly(t))
		}
	}
	// Strings get a metatable of their own, read-only, instead of the
	// string library itself (gopher-lua's choice), which getmetatable('')
	// would otherwise hand to scripts.
	strLib := vm.realG.RawGetString("string").(*lua.LTable)
	if real, ok := vm.proxies[strLib]; ok {
		real.RawSetString("__index", lua.LNil)
	}
	smt := L.NewTable()
	smt.RawSetString("__index", strLib)
	vm.stringMeta = vm.readonly(smt)
	L.SetMetatable(lua.LString(""), smt)
	gmeta := L.NewTable()
	gmeta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(errLuaNoGlobalFn, lua.LVAsString(L.Get(2)))
		return 0
	}))
	G.Metatable = gmeta
	vm.proxyG = vm.readonly(G)
	G.RawSetString("_G", vm.proxyG)
	return vm
}

// readonly returns a read-only proxy of t.
func (vm *luaVM) readonly(t *lua.LTable) *lua.LTable {
	L := vm.L
	p := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(errLuaReadonly)
		return 0
	}))
	p.Metatable = mt
	vm.proxies[p] = t
	vm.roMeta[mt] = true
	return p
}

// real returns the table a proxy stands for, or v itself.
func (vm *luaVM) real(v lua.LValue) lua.LValue {
	if t, ok := v.(*lua.LTable); ok {
		if r := vm.proxies[t]; r != nil {
			return r
		}
	}
	return v
}

// isReadonly reports whether v is a protected table (or a proxy's metatable).
func (vm *luaVM) isReadonly(v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	return ok && (vm.proxies[t] != nil || vm.roMeta[t] || t == vm.realG)
}

func (vm *luaVM) installBaseOverrides() {
	L, G := vm.L, vm.realG
	wrapFirst := func(name string) {
		orig := G.RawGetString(name).(*lua.LFunction)
		G.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				L.Replace(1, vm.real(L.Get(1)))
			}
			L.Insert(orig, 1)
			L.Call(L.GetTop()-1, lua.MultRet)
			return L.GetTop()
		}))
	}
	for _, n := range []string{"rawget", "unpack", "ipairs"} {
		wrapFirst(n)
	}
	next := L.NewFunction(func(L *lua.LState) int {
		tb := L.CheckTable(1)
		if r := vm.proxies[tb]; r != nil {
			tb = r
		}
		k, v := tb.Next(L.Get(2))
		if k == lua.LNil {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(k)
		L.Push(v)
		return 2
	})
	G.RawSetString("next", next)
	G.RawSetString("pairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		L.Push(next)
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
	rawset := G.RawGetString("rawset").(*lua.LFunction)
	G.RawSetString("rawset", L.NewFunction(func(L *lua.LState) int {
		if vm.isReadonly(L.Get(1)) {
			L.Error(lua.LString(errLuaReadonly), 0)
		}
		L.Insert(rawset, 1)
		L.Call(L.GetTop()-1, lua.MultRet)
		return L.GetTop()
	}))
	setmt := G.RawGetString("setmetatable").(*lua.LFunction)
	G.RawSetString("setmetatable", L.NewFunction(func(L *lua.LState) int {
		if vm.isReadonly(L.Get(1)) {
			L.Error(lua.LString(errLuaReadonly), 0)
		}
		L.Insert(setmt, 1)
		L.Call(L.GetTop()-1, lua.MultRet)
		return L.GetTop()
	}))
	G.RawSetString("getmetatable", L.NewFunction(func(L *lua.LState) int {
		v := L.CheckAny(1)
		if t, ok := v.(*lua.LTable); ok && vm.proxies[t] != nil {
			L.Push(lua.LNil) // a library table has none for scripts
			return 1
		}
		if _, ok := v.(lua.LString); ok {
			L.Push(vm.stringMeta)
			return 1
		}
		if _, ok := v.(*lua.LUserData); ok {
			L.Push(lua.LNil) // cjson.null and the like
			return 1
		}
		mt := L.GetMetatable(v)
		if t, ok := mt.(*lua.LTable); ok {
			if p := t.RawGetString("__metatable"); p != lua.LNil {
				L.Push(p)
				return 1
			}
		}
		L.Push(mt)
		return 1
	}))
	G.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
		v := L.CheckAny(1)
		if n, ok := v.(lua.LNumber); ok {
			L.Push(lua.LString(luaNumberString(float64(n))))
			return 1
		}
		L.Push(L.ToStringMeta(v))
		return 1
	}))
	G.RawSetString("error", L.NewFunction(func(L *lua.LState) int {
		obj := L.Get(1)
		level := L.OptInt(2, 1)
		if n, ok := obj.(lua.LNumber); ok {
			obj = lua.LString(luaNumberString(float64(n)))
		}
		L.Error(obj, level)
		return 0
	}))
	G.RawSetString("pcall", L.NewFunction(func(L *lua.LState) int {
		// Redis's pcall hands a script the message of an error table
		// (a failed redis.call) rather than the table.
		n := L.GetTop()
		if n == 0 {
			L.ArgError(1, "value expected")
		}
		if err := L.PCall(n-1, lua.MultRet, nil); err != nil {
			var obj lua.LValue = lua.LNil
			if ae, ok := err.(*lua.ApiError); ok {
				obj = ae.Object
			}
			if t, ok := obj.(*lua.LTable); ok {
				if m, ok := t.RawGetString("err").(lua.LString); ok {
					obj = m
				}
			}
			L.SetTop(0)
			L.Push(lua.LFalse)
			L.Push(obj)
			return 2
		}
		L.Insert(lua.LTrue, 1)
		return L.GetTop()
	}))
	for _, name := range []string{"loadstring", "load"} {
		orig := G.RawGetString(name).(*lua.LFunction)
		G.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			// Chunks a script compiles run in the sandbox too.
			L.Insert(orig, 1)
			L.Call(L.GetTop()-1, lua.MultRet)
			if fn, ok := L.Get(1).(*lua.LFunction); ok && !fn.IsG {
				fn.Env = vm.proxyG
			}
			return L.GetTop()
		}))
	}
	tonumber := G.RawGetString("tonumber").(*lua.LFunction)
	G.RawSetString("tonumber", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() == 1 {
			if s, ok := L.Get(1).(lua.LString); ok {
				if f, ok := luaStrToNumber(string(s)); ok {
					L.Push(lua.LNumber(f))
				} else {
					L.Push(lua.LNil)
				}
				return 1
			}
		}
		L.Insert(tonumber, 1)
		L.Call(L.GetTop()-1, lua.MultRet)
		return L.GetTop()
	}))
	G.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(0))
		return 1
	}))
	G.RawSetString("collectgarbage", L.NewFunction(func(L *lua.LState) int {
		opt := L.OptString(1, "collect")
		switch opt {
		case "count":
			L.Push(lua.LNumber(0))
		case "step":
			L.Push(lua.LFalse)
		default:
			L.Push(lua.LNumber(0))
		}
		return 1
	}))
}

// luaNumberString formats a number as Lua 5.1's tostring does ("%.14g").
func luaNumberString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		if f == 0 && math.Signbit(f) {
			return "-0"
		}
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// luaArgNumber formats a number argument of redis.call as Redis does ("%.17g").
func luaArgNumber(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(b, "-nan"...)
		}
		return append(b, "nan"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		if f == 0 && math.Signbit(f) {
			return append(b, "-0"...)
		}
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}

// installMath replaces math.random and math.randomseed with Redis's
// (rand48, one state per server shared by scripts and functions) and
// fixes math.huge.
func (vm *luaVM) installMath() {
	L := vm.L
	m := vm.realG.RawGetString("math").(*lua.LTable)
	m.RawSetString("huge", lua.LNumber(math.Inf(1)))
	m.RawSetString("random", L.NewFunction(func(L *lua.LState) int {
		r := float64(vm.srv.scripts.rand.next()%2147483647) / 2147483647
		switch L.GetTop() {
		case 0:
			L.Push(lua.LNumber(r))
		case 1:
			u := L.CheckInt(1)
			if u < 1 {
				L.RaiseError("bad argument #1 to 'random' (interval is empty)")
			}
			L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
		case 2:
			lo, up := L.CheckInt(1), L.CheckInt(2)
			if lo > up {
				L.RaiseError("bad argument #2 to 'random' (interval is empty)")
			}
			L.Push(lua.LNumber(math.Floor(r*float64(up-lo+1)) + float64(lo)))
		default:
			L.RaiseError("wrong number of arguments")
		}
		return 1
	}))
	m.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
		vm.srv.scripts.rand.seed(int32(L.CheckInt(1)))
		return 0
	}))
}

// rand48 is the drand48 generator Redis gives math.random.
type rand48 struct{ x uint64 }

func newRand48() rand48 { return rand48{x: 0x1234ABCD330E} }

func (r *rand48) seed(s int32) { r.x = uint64(uint32(s))<<16 | 0x330E }

func (r *rand48) next() int64 {
	r.x = (0x5DEECE66D*r.x + 0xB) & (1<<48 - 1)
	return int64(r.x >> 17)
}

// installTableLib makes the table library refuse read-only tables and adds
// the Lua 5.1 functions gopher-lua lacks.
func (vm *luaVM) installTableLib() {
	L := vm.L
	t := vm.realG.RawGetString("table").(*lua.LTable)
	for _, name := range []string{"insert"} {
		orig := t.RawGetString(name).(*lua.LFunction)
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if vm.isReadonly(L.Get(1)) {
				L.Error(lua.LString(errLuaReadonly), 0)
			}
			L.Insert(orig, 1)
			L.Call(L.GetTop()-1, lua.MultRet)
			return L.GetTop()
		}))
	}
	for _, name := range []string{"concat", "getn", "maxn"} {
		orig := t.RawGetString(name).(*lua.LFunction)
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				L.Replace(1, vm.real(L.Get(1)))
			}
			L.Insert(orig, 1)
			L.Call(L.GetTop()-1, lua.MultRet)
			return L.GetTop()
		}))
	}
	t.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
	t.RawSetString("foreachi", L.NewFunction(func(L *lua.LState) int {
		tb := L.CheckTable(1)
		fn := L.CheckFunction(2)
		if r, ok := vm.real(tb).(*lua.LTable); ok {
			tb = r
		}
		for i := 1; i <= tb.Len(); i++ {
			L.Push(fn)
			L.Push(lua.LNumber(i))
			L.Push(tb.RawGetInt(i))
			L.Call(2, 1)
			if v := L.Get(-1); v != lua.LNil {
				return 1
			}
			L.Pop(1)
		}
		return 0
	}))
	t.RawSetString("foreach", L.NewFunction(func(L *lua.LState) int {
		tb := L.CheckTable(1)
		fn := L.CheckFunction(2)
		if r, ok := vm.real(tb).(*lua.LTable); ok {
			tb = r
		}
		k, v := tb.Next(lua.LNil)
		for k != lua.LNil {
			L.Push(fn)
			L.Push(k)
			L.Push(v)
			L.Call(2, 1)
			if r := L.Get(-1); r != lua.LNil {
				return 1
			}
			L.Pop(1)
			k, v = tb.Next(k)
		}
		return 0
	}))
}

// luaErrorHandler is the message handler scripts run under: like Redis's
// __redis__err__handler it turns an error into a table {err=..., source=...,
// line=...} naming where in the script it was raised.
func (vm *luaVM) luaErrorHandler(L *lua.LState) int {
	e := L.Get(1)
	var t *lua.LTable
	if et, ok := e.(*lua.LTable); ok {
		t = et
	} else {
		t = L.NewTable()
		var msg string
		switch v := e.(type) {
		case lua.LNumber:
			msg = luaNumberString(float64(v))
		case lua.LString:
			msg = string(v)
		default:
			msg = lua.LVAsString(L.ToStringMeta(v))
		}
		for _, hookErr := range []error{errScriptKilled, errLoadTimeout} {
			if strings.HasSuffix(msg, ": "+hookErr.Error()) {
				msg = hookErr.Error() // raised by the hook: no position, as Redis
			}
		}
		t.RawSetString("err", lua.LString(errERR+msg))
	}
	// Level 1 is the function that raised the error; if it is a Go
	// function (redis.call, error), the script's line is one level up.
	for level := 1; level <= 2; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			break
		}
		if dbg.What == "G" || dbg.CurrentLine < 0 {
			continue
		}
		t.RawSetString("source", lua.LString("@"+dbg.Source))
		t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
		break
	}
	L.Push(t)
	return 1
}

// compile compiles a script body (source named name) into a function whose
// environment is the sandbox's globals.
func (vm *luaVM) compile(body, name string) (*lua.LFunction, error) {
	chunk, err := parse.Parse(strings.NewReader(body), name)
	if err != nil {
		return nil, err
	}
	if vm.kind == luaEval {
		lualib.MarkConstructors(chunk)
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, err
	}
	fn := vm.L.NewFunctionFromProto(proto)
	fn.Env = vm.proxyG
	return fn, nil
}

// sha1hex returns the lower-case hex SHA1 of s.
func sha1hex(s []byte) string {
	h := sha1.Sum(s)
	return hex.EncodeToString(h[:])
}

// luaStrToNumber converts a string as Lua 5.1's lua_str2number: strtod, or
// a hexadecimal integer, with spaces around it.
func luaStrToNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\r\f\v")
	if s == "" {
		return 0, false
	}
	body, neg := s, false
	if body[0] == '-' || body[0] == '+' {
		neg, body = body[0] == '-', body[1:]
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		n, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		f := float64(n)
		if neg {
			f = -f
		}
		return f, true
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; c == '_' || c == 'p' || c == 'P' || c == 'x' || c == 'X' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}
