// Package lualib provides, for github.com/yuin/gopher-lua, the Lua libraries
// that Redis 7.0 bundles with its Lua 5.1 interpreter: cjson (lua-cjson
// 2.1.0 with Redis's settings), cmsgpack (lua-cmsgpack 0.4.0), bit (LuaBitOp
// 1.0.2) and struct (Roberto Ierusalimschy's struct library 1.4).
//
// The libraries are written from their documented and observed behaviour:
// every output byte, number format and error message is meant to equal what
// redis-server 7.0.15 produces for the same script (tests/lualib_test.go
// checks this against a real redis-server). Behaviour that depends on the C
// implementation (integer conversions of out-of-range doubles, the shifts of
// an x86-64 CPU) follows what an x86-64 build of Redis does.
//
// Key order: PUC Lua visits hash keys in the order of its internal hash
// layout, gopher-lua in insertion order. cjson.encode and cmsgpack.pack emit
// members in Lua 5.1's order by replaying the table's construction on a
// model of Lua 5.1's tables (order.go): byte-identical to Redis for decoded
// documents and tables filled key by key, and for constructors with several
// fields ({a = 1, b = 2, c = 3}, which Lua 5.1 presizes) when the engine
// marks them (MarkConstructors). OpenPairs gives scripts' pairs() the same
// order. See docs/lualib.md.
package lualib

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Open registers cjson, cmsgpack, bit and struct as global tables in L (as
// Redis's scripting does). Each call creates independent library state
// (cjson's configuration), so two interpreters never share anything.
func Open(L *lua.LState) {
	OpenCJSON(L)
	OpenCMsgpack(L)
	OpenBit(L)
	OpenStruct(L)
}

// register creates a table holding funcs, sets it as global name and returns it.
func register(L *lua.LState, name string, funcs map[string]lua.LGFunction) *lua.LTable {
	t := L.NewTable()
	for _, k := range sortedNames(funcs) {
		t.RawSetString(k, L.NewFunction(funcs[k]))
	}
	L.SetGlobal(name, t)
	return t
}

func sortedNames(funcs map[string]lua.LGFunction) []string {
	names := make([]string, 0, len(funcs))
	for k := range funcs {
		names = append(names, k)
	}
	// Insertion order decides gopher-lua's pairs() order; keep it stable.
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

// ---- errors, worded and positioned as Lua 5.1's lauxlib does ----

// where returns the "chunk:line:" prefix luaL_where(L, 1) gives: the
// position of the Lua function that called the running Go function, or ""
// when the caller is not a Lua function (pcall(cjson.encode, ...)).
func where(L *lua.LState) string {
	dbg, ok := L.GetStack(1)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
		return ""
	}
	if dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	src := dbg.Source
	if strings.HasPrefix(src, "@") || strings.HasPrefix(src, "=") {
		src = src[1:]
	}
	return src + ":" + strconv.Itoa(dbg.CurrentLine) + ": "
}

// raise raises a Lua error the way luaL_error does.
func raise(L *lua.LState, format string, args ...interface{}) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	L.Error(lua.LString(where(L)+msg), 0)
}

// funcName is the name luaL_argerror reports for the running function.
func funcName(L *lua.LState) string {
	dbg, ok := L.GetStack(0)
	if !ok {
		return "?"
	}
	if _, err := L.GetInfo("n", dbg, lua.LNil); err != nil {
		return "?"
	}
	switch n := dbg.Name; {
	case n == "" || n == "(anonymous)" || n == "main chunk" || n == "corountine" || strings.HasPrefix(n, "<"):
		return "?"
	default:
		return n
	}
}

// argError raises luaL_argerror's "bad argument #n to 'f' (msg)".
func argError(L *lua.LState, n int, msg string) {
	raise(L, "bad argument #%d to '%s' (%s)", n, funcName(L), msg)
}

// typeName is luaL_typename: "no value" for an absent argument.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// typeError raises luaL_typerror's "t expected, got u".
func typeError(L *lua.LState, n int, want string) {
	argError(L, n, want+" expected, got "+typeName(L, n))
}

// ---- argument conversions as Lua 5.1's C API performs them ----

// toNumber is lua_tonumber: numbers, and strings Lua 5.1 converts to numbers.
func toNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return StringToNumber(string(x))
	}
	return 0, false
}

// checkNumber is luaL_checknumber.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

// checkInteger is luaL_checkinteger (lua_Integer is 64 bits on x86-64).
func checkInteger(L *lua.LState, n int) int64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return DoubleToInt64(f)
}

// optInteger is luaL_optinteger.
func optInteger(L *lua.LState, n int, def int64) int64 {
	if v := L.Get(n); v == lua.LNil {
		return def
	}
	return checkInteger(L, n)
}

// checkLString is luaL_checklstring: a string, or a number converted as
// Lua 5.1 converts numbers to strings.
func checkLString(L *lua.LState, n int) string {
	switch x := L.Get(n).(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return FormatNumber(float64(x))
	}
	typeError(L, n, "string")
	return ""
}

// DoubleToInt64 converts as a C cast of a double to int64_t does on x86-64
// (CVTTSD2SI): truncation toward zero, and math.MinInt64 for NaN and values
// out of range.
func DoubleToInt64(f float64) int64 {
	if f != f || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

// DoubleToInt32 converts as a C cast of a double to int does on x86-64.
func DoubleToInt32(f float64) int32 {
	if f != f || f >= 2147483648.0 || f <= -2147483649.0 {
		return math.MinInt32
	}
	return int32(f)
}

// FormatNumber formats a number as Lua 5.1 converts numbers to strings
// (LUA_NUMBER_FMT "%.14g", with glibc's spelling of infinities and NaNs).
func FormatNumber(f float64) string {
	return string(AppendNumber(nil, f, 14))
}

// AppendNumber appends f formatted as C's "%.<prec>g" (glibc spelling).
func AppendNumber(b []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f != f:
		if math.Signbit(f) {
			return append(b, "-nan"...)
		}
		return append(b, "nan"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e14 && prec >= 14 {
		// The common integral case, without the float formatter.
		if f == 0 && math.Signbit(f) {
			return append(b, "-0"...)
		}
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', prec, 64)
}

// StringToNumber converts s as Lua 5.1's lua_tonumber does (luaO_str2d):
// C strtod over the whole string (surrounding white space allowed), or a
// hexadecimal integer.
func StringToNumber(s string) (float64, bool) {
	f, n := strtod(s, 0)
	if n == 0 {
		return 0, false
	}
	if n < len(s) && (s[n] == 'x' || s[n] == 'X') {
		// strtod stopped at the x of "0x": Lua reads a hexadecimal integer
		// with strtoul.
		v, m, ok := strtoul16(s)
		if !ok {
			return 0, false
		}
		f, n = v, m
	}
	// The C string ends at the first NUL byte.
	for n < len(s) && isSpace(s[n]) {
		n++
	}
	if n != len(s) && s[n] != 0 {
		return 0, false
	}
	return f, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// strtoul16 is strtoul(s, &end, 16) as luaO_str2d uses it: white space, a
// sign, an optional 0x, hex digits. The value saturates at ULONG_MAX.
func strtoul16(s string) (float64, int, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && hexVal(s[i+2]) >= 0 {
		i += 2
	}
	start := i
	var v uint64
	over := false
	for i < len(s) && hexVal(s[i]) >= 0 {
		if v > math.MaxUint64>>4 {
			over = true
		}
		v = v<<4 | uint64(hexVal(s[i]))
		i++
	}
	if i == start {
		return 0, 0, false
	}
	if over {
		v = math.MaxUint64
	} else if neg {
		v = -v
	}
	return float64(v), i, true
}

// strtod parses the longest prefix of s[i:] that C's strtod accepts and
// returns its value and the index just past it (i when nothing parses).
func strtod(s string, i int) (float64, int) {
	start := i
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return sign(math.Inf(1)), i + 8
	case hasPrefixFold(rest, "inf"):
		return sign(math.Inf(1)), i + 3
	case hasPrefixFold(rest, "nan"):
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (isDigit(s[k]) || s[k] == '_' || (s[k]|0x20 >= 'a' && s[k]|0x20 <= 'z')) {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		return sign(math.NaN()), j
	}
	if len(rest) >= 3 && rest[0] == '0' && (rest[1]|0x20) == 'x' && (hexVal(rest[2]) >= 0 || (rest[2] == '.' && len(rest) > 3 && hexVal(rest[3]) >= 0)) {
		j := i + 2
		for j < len(s) && hexVal(s[j]) >= 0 {
			j++
		}
		if j < len(s) && s[j] == '.' {
			j++
			for j < len(s) && hexVal(s[j]) >= 0 {
				j++
			}
		}
		mant := s[i:j]
		exp := "p0"
		if j+1 < len(s) && (s[j]|0x20) == 'p' {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			if k < len(s) && isDigit(s[k]) {
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				exp = s[j:k]
				j = k
			}
		}
		f, _ := strconv.ParseFloat(mant+exp, 64)
		return sign(f), j
	}
	j := i
	digits := 0
	for j < len(s) && isDigit(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
			digits++
		}
		if digits > 0 {
			j = k
		}
	}
	if digits == 0 {
		return 0, start
	}
	if j < len(s) && (s[j]|0x20) == 'e' {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(s[i:j], 64)
	if err != nil {
		// Out of range: ParseFloat gives ±Inf or 0 like strtod; a mantissa
		// with a huge exponent string may still fail to parse.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			f = 0
		}
	}
	return sign(f), j
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
