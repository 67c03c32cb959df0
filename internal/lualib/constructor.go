package lualib

import (
	"reflect"
	"strconv"
	"weak"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// Table constructors. Lua 5.1 creates the table of a constructor such as
// {a = 1, b = 2, c = 3} presized for its fields (OP_NEWTABLE's size hints),
// so its keys land in another layout than the same keys assigned one by one
// to {} would, and cjson.encode, cmsgpack.pack and pairs() visit them in
// another order. gopher-lua keeps no trace of how a table was made. With
// MarkConstructors the engine rewrites each constructor with three or more
// keyed fields into a call that records the hint Lua 5.1 would have used,
// and the order model starts those tables presized. The record holds weak
// pointers, so it keeps no table alive.

// CtorFunction is the global function MarkConstructors' rewritten
// constructors call; OpenConstructors defines it.
const CtorFunction = "__lualib_ctor"

// minCtorSweep is the number of recorded constructors at which the record
// is first swept of collected tables (the threshold then doubles with the
// live entries).
const minCtorSweep = 1024

type ctorHint struct{ narray, nhash int }

// ctorRecord maps tables made by marked constructors to their size hints.
// It holds weak pointers: a recorded table is still collected when the
// script drops it, and its entry is swept once the record has grown.
type ctorRecord struct {
	hints map[weak.Pointer[lua.LTable]]ctorHint
	sweep int // sweep collected entries when len(hints) reaches this
}

func (r *ctorRecord) add(t *lua.LTable, h ctorHint) {
	if r.hints == nil {
		r.hints = make(map[weak.Pointer[lua.LTable]]ctorHint)
		r.sweep = minCtorSweep
	}
	if len(r.hints) >= r.sweep {
		for k := range r.hints {
			if k.Value() == nil {
				delete(r.hints, k)
			}
		}
		r.sweep = max(minCtorSweep, 2*len(r.hints))
	}
	r.hints[weak.Make(t)] = h
}

func (r *ctorRecord) get(t *lua.LTable) (ctorHint, bool) {
	if r == nil || len(r.hints) == 0 {
		return ctorHint{}, false
	}
	h, ok := r.hints[weak.Make(t)]
	return h, ok
}

// libState is the per-interpreter state of the libraries, kept in the Lua
// registry (out of scripts' reach).
type libState struct {
	ctors ctorRecord
}

const registryKey = "kvd.lualib"

func stateOf(L *lua.LState) *libState {
	reg := L.G.Registry
	if ud, ok := reg.RawGetString(registryKey).(*lua.LUserData); ok {
		if st, ok := ud.Value.(*libState); ok {
			return st
		}
	}
	st := &libState{}
	ud := L.NewUserData()
	ud.Value = st
	reg.RawSetString(registryKey, ud)
	return st
}

// ctorHints returns the constructor record of L (nil if none).
func ctorHints(L *lua.LState) *ctorRecord {
	if ud, ok := L.G.Registry.RawGetString(registryKey).(*lua.LUserData); ok {
		if st, ok := ud.Value.(*libState); ok {
			return &st.ctors
		}
	}
	return nil
}

// OpenConstructors defines CtorFunction, which records a constructor's size
// hint for the order model and returns the table.
func OpenConstructors(L *lua.LState) {
	st := stateOf(L)
	L.SetGlobal(CtorFunction, L.NewFunction(func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok {
			na, _ := L.Get(2).(lua.LNumber)
			nh, _ := L.Get(3).(lua.LNumber)
			st.ctors.add(t, ctorHint{narray: int(na), nhash: int(nh)})
		}
		L.SetTop(1)
		return 1
	}))
}

// ResetConstructors forgets the recorded constructors. Optional: the record
// does not keep tables alive and sweeps itself as it grows; an engine may
// call it when a script ends to drop the record at once.
func ResetConstructors(L *lua.LState) { stateOf(L).ctors = ctorRecord{} }

var exprType = reflect.TypeOf((*ast.Expr)(nil)).Elem()

// MarkConstructors rewrites, in a parsed chunk, every table constructor with
// three or more keyed fields into CtorFunction(table, narray, nhash), with
// the sizes Lua 5.1's parser would give OP_NEWTABLE. Compile the chunk
// after, in a state opened with OpenConstructors.
func MarkConstructors(chunk []ast.Stmt) {
	markValue(reflect.ValueOf(chunk))
}

func markValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		markValue(v.Elem())
		if v.Type() == exprType && v.CanSet() {
			if te, ok := v.Interface().(*ast.TableExpr); ok {
				if call := wrapConstructor(te); call != nil {
					v.Set(reflect.ValueOf(call))
				}
			}
		}
	case reflect.Ptr:
		if !v.IsNil() {
			markValue(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				markValue(f)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			markValue(v.Index(i))
		}
	}
}

// wrapConstructor returns the call recording te's size hints, or nil when
// te has fewer than three keyed fields (its layout is then the same as if
// grown from {}).
func wrapConstructor(te *ast.TableExpr) ast.Expr {
	na, nh := 0, 0
	for i, f := range te.Fields {
		if f.Key != nil {
			nh++
			continue
		}
		if i == len(te.Fields)-1 && isMultRet(f.Value) {
			continue // Lua 5.1 does not count a last open call or ...
		}
		na++
	}
	if nh < 3 {
		return nil
	}
	num := func(n int) ast.Expr {
		e := &ast.NumberExpr{Value: strconv.Itoa(fb2int(int2fb(n)))}
		e.SetLine(te.Line())
		e.SetLastLine(te.LastLine())
		return e
	}
	fn := &ast.IdentExpr{Value: CtorFunction}
	fn.SetLine(te.Line())
	fn.SetLastLine(te.LastLine())
	call := &ast.FuncCallExpr{Func: fn, Args: []ast.Expr{te, num(na), num(nh)}}
	call.SetLine(te.Line())
	call.SetLastLine(te.LastLine())
	return call
}

func isMultRet(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.FuncCallExpr:
		return !x.AdjustRet
	case *ast.Comma3Expr:
		return !x.AdjustRet
	}
	return false
}

// int2fb and fb2int are Lua 5.1's "floating point byte" size encoding of
// OP_NEWTABLE's operands (sizes of 8 and more are rounded up).
func int2fb(x int) int {
	e := 0
	for x >= 16 {
		x = (x + 1) >> 1
		e++
	}
	if x < 8 {
		return x
	}
	return ((e + 1) << 3) | (x - 8)
}

func fb2int(x int) int {
	e := (x >> 3) & 31
	if e == 0 {
		return x
	}
	return ((x & 7) + 8) << (e - 1)
}
