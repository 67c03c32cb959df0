package lualib

import (
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// luaMaxCStack is LUAI_MAXCSTACK: Lua 5.1's lua_checkstack refuses to let
// a C function use more stack slots than this. The bundled libraries hit it
// on deep nesting, and their error messages depend on when; the encoders and
// decoders here count the slots the C code would use to fail at the same
// point.
const luaMaxCStack = 8000

// cjsonConfig is one cjson module's configuration (lua-cjson keeps it in a
// userdata shared by the module's functions). Redis 7.0's defaults.
type cjsonConfig struct {
	sparseConvert  int
	sparseRatio    int32
	sparseSafe     int32
	encodeMaxDepth int32
	decodeMaxDepth int32
	encodeInvalid  int // 0 off, 1 on, 2 null
	decodeInvalid  int
	keepBuffer     int
	precision      int32
	buf            []byte
	null           *lua.LUserData
}

func newCJSONConfig(null *lua.LUserData) *cjsonConfig {
	return &cjsonConfig{
		sparseRatio:    2,
		sparseSafe:     10,
		encodeMaxDepth: 1000,
		decodeMaxDepth: 1000,
		decodeInvalid:  1,
		keepBuffer:     1,
		precision:      14,
		null:           null,
	}
}

// nullMarker is the Value of the userdata that stands for cjson.null.
type nullMarker struct{}

// IsNull reports whether v is cjson.null (JSON null as cjson.decode returns
// it). Redis converts it, like any userdata, to a null reply.
func IsNull(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return false
	}
	_, ok = ud.Value.(nullMarker)
	return ok
}

// newNull makes the value cjson.null: in C a NULL light userdata, here a
// userdata whose tostring is the same "userdata: (nil)".
func newNull(L *lua.LState) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = nullMarker{}
	mt := L.NewTable()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("userdata: (nil)"))
		return 1
	}))
	ud.Metatable = mt
	return ud
}

// OpenCJSON registers the global table cjson: lua-cjson 2.1.0 as Redis 7.0
// bundles it (encode, decode, the configuration functions, new, null,
// _NAME, _VERSION).
func OpenCJSON(L *lua.LState) *lua.LTable {
	t := newCJSONModule(L, newNull(L))
	L.SetGlobal("cjson", t)
	return t
}

func newCJSONModule(L *lua.LState, null *lua.LUserData) *lua.LTable {
	cfg := newCJSONConfig(null)
	funcs := map[string]lua.LGFunction{
		"encode":                  cfg.encode,
		"decode":                  cfg.decode,
		"encode_sparse_array":     cfg.cfgEncodeSparseArray,
		"encode_max_depth":        cfg.intOption(func(c *cjsonConfig) *int32 { return &c.encodeMaxDepth }, 1, math.MaxInt32),
		"decode_max_depth":        cfg.intOption(func(c *cjsonConfig) *int32 { return &c.decodeMaxDepth }, 1, math.MaxInt32),
		"encode_number_precision": cfg.intOption(func(c *cjsonConfig) *int32 { return &c.precision }, 1, 14),
		"encode_keep_buffer":      cfg.enumOption(func(c *cjsonConfig) *int { return &c.keepBuffer }, nil),
		"encode_invalid_numbers":  cfg.enumOption(func(c *cjsonConfig) *int { return &c.encodeInvalid }, []string{"off", "on", "null"}),
		"decode_invalid_numbers":  cfg.enumOption(func(c *cjsonConfig) *int { return &c.decodeInvalid }, nil),
		"new": func(L *lua.LState) int {
			L.Push(newCJSONModule(L, null))
			return 1
		},
	}
	t := L.NewTable()
	for _, k := range sortedNames(funcs) {
		t.RawSetString(k, L.NewFunction(funcs[k]))
	}
	t.RawSetString("null", null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

// ---- configuration functions ----

// argInit checks the argument count as json_arg_init does and pads the
// absent arguments with nils (so that results pushed later do not read as
// arguments).
func argInit(L *lua.LState, n int) {
	if L.GetTop() > n {
		argError(L, n+1, "found too many arguments")
	}
	for L.GetTop() < n {
		L.Push(lua.LNil)
	}
}

// integerOption sets *p from argument i when it is not nil (range-checked,
// reporting argument 1 whatever i is, as lua-cjson does) and pushes it.
func integerOption(L *lua.LState, i int, p *int32, min, max int32) {
	if L.Get(i) != lua.LNil {
		v := int32(checkInteger(L, i)) // lua_Integer stored in an int
		if v < min || v > max {
			argError(L, 1, "expected integer between "+strconv.Itoa(int(min))+" and "+strconv.Itoa(int(max)))
		}
		*p = v
	}
	L.Push(lua.LNumber(*p))
}

func (c *cjsonConfig) intOption(field func(*cjsonConfig) *int32, min, max int32) lua.LGFunction {
	return func(L *lua.LState) int {
		argInit(L, 1)
		integerOption(L, 1, field(c), min, max)
		return 1
	}
}

// enumOption is json_enum_option: a boolean (when the option has boolean
// values) or one of the option names.
func enumOption(L *lua.LState, i int, p *int, options []string) {
	boolTrue := 1
	if options == nil {
		options = []string{"off", "on"}
	}
	if v := L.Get(i); v != lua.LNil {
		if b, ok := v.(lua.LBool); ok {
			*p = 0
			if b {
				*p = boolTrue
			}
		} else {
			name := checkLString(L, i)
			found := -1
			for j, o := range options {
				if o == name {
					found = j
					break
				}
			}
			if found < 0 {
				argError(L, i, "invalid option '"+name+"'")
			}
			*p = found
		}
	}
	if *p == 0 || *p == boolTrue {
		L.Push(lua.LBool(*p != 0))
	} else {
		L.Push(lua.LString(options[*p]))
	}
}

func (c *cjsonConfig) enumOption(field func(*cjsonConfig) *int, options []string) lua.LGFunction {
	return func(L *lua.LState) int {
		argInit(L, 1)
		enumOption(L, 1, field(c), options)
		return 1
	}
}

func (c *cjsonConfig) cfgEncodeSparseArray(L *lua.LState) int {
	argInit(L, 3)
	enumOption(L, 1, &c.sparseConvert, nil)
	integerOption(L, 2, &c.sparseRatio, 0, math.MaxInt32)
	integerOption(L, 3, &c.sparseSafe, 0, math.MaxInt32)
	return 3
}

// ---- encoding ----

// jsonEscapes maps each byte to its escape in lua-cjson's encoder, or ""
// when the byte is copied as is.
var jsonEscapes = func() (e [256]string) {
	const hex = "0123456789abcdef"
	for i := 0; i < 32; i++ {
		e[i] = `\u00` + string(hex[i>>4]) + string(hex[i&15])
	}
	e['\b'], e['\t'], e['\n'], e['\f'], e['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	e['"'], e['\\'], e['/'], e[0x7f] = `\"`, `\\`, `\/`, `\u007f`
	return e
}()

type jsonEncoder struct {
	L       *lua.LState
	cfg     *cjsonConfig
	buf     []byte
	scratch pucScratch
}

func (c *cjsonConfig) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	e := jsonEncoder{L: L, cfg: c, buf: c.buf[:0], scratch: newScratch(L)}
	e.value(L.Get(1), 0, 1)
	L.Push(lua.LString(e.buf))
	if c.keepBuffer != 0 && cap(e.buf) <= 1<<20 {
		c.buf = e.buf[:0]
	} else {
		c.buf = nil
	}
	return 1
}

func (e *jsonEncoder) fail(v lua.LValue, reason string) {
	raise(e.L, "Cannot serialise %s: %s", v.Type().String(), reason)
}

// value appends v. depth is the table nesting so far and slots the Lua
// stack slots lua-cjson would be using at this point.
func (e *jsonEncoder) value(v lua.LValue, depth int, slots int) {
	switch x := v.(type) {
	case lua.LString:
		e.appendString(string(x))
	case lua.LNumber:
		e.appendNumber(x)
	case lua.LBool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *lua.LTable:
		depth++
		if depth > int(e.cfg.encodeMaxDepth) || slots+3 > luaMaxCStack {
			raise(e.L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(x); n > 0 {
			e.buf = append(e.buf, '[')
			for i := 1; i <= int(n); i++ {
				if i > 1 {
					e.buf = append(e.buf, ',')
				}
				e.value(x.RawGetInt(i), depth, slots+1)
			}
			e.buf = append(e.buf, ']')
		} else {
			e.object(x, depth, slots)
		}
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case *lua.LUserData:
		if _, ok := x.Value.(nullMarker); ok {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.fail(v, "type not supported")
	default:
		e.fail(v, "type not supported")
	}
}

// arrayLength is lua_array_length: the largest key when every key is a
// positive integer (C int arithmetic), -1 for objects; excessively sparse
// arrays are an error or an object, as configured.
func (e *jsonEncoder) arrayLength(t *lua.LTable) int32 {
	var max, items int32
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f == 0 || math.Floor(f) != f || f < 1 {
			return -1
		}
		if f > float64(max) {
			max = DoubleToInt32(f)
		}
		items++
	}
	c := e.cfg
	if c.sparseRatio > 0 && max > items*c.sparseRatio && max > c.sparseSafe {
		if c.sparseConvert == 0 {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	return max
}

func (e *jsonEncoder) object(t *lua.LTable, depth, slots int) {
	e.buf = append(e.buf, '{')
	first := true
	pucPairs(t, &e.scratch, func(k, v lua.LValue) {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch key := k.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, '"')
			e.appendNumber(key)
			e.buf = append(e.buf, '"', ':')
		case lua.LString:
			e.appendString(string(key))
			e.buf = append(e.buf, ':')
		default:
			e.fail(k, "table key must be a number or string")
		}
		e.value(v, depth, slots+2)
	})
	e.buf = append(e.buf, '}')
}

func (e *jsonEncoder) appendString(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if esc := jsonEscapes[s[i]]; esc != "" {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, esc...)
			start = i + 1
		}
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

func (e *jsonEncoder) appendNumber(n lua.LNumber) {
	f := float64(n)
	switch e.cfg.encodeInvalid {
	case 0:
		if math.IsInf(f, 0) || f != f {
			e.fail(n, "must not be NaN or Inf")
		}
	case 1:
		if f != f {
			e.buf = append(e.buf, "nan"...)
			return
		}
	default:
		if math.IsInf(f, 0) || f != f {
			e.buf = append(e.buf, "null"...)
			return
		}
	}
	e.buf = AppendNumber(e.buf, f, int(e.cfg.precision))
}

// ---- decoding ----

type jsonToken int

const (
	tObjBegin jsonToken = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

var jsonTokenNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}

var jsonCharTokens = func() (t [256]jsonToken) {
	for i := range t {
		t[i] = tError
	}
	t['{'], t['}'], t['['], t[']'], t[','], t[':'] = tObjBegin, tObjEnd, tArrBegin, tArrEnd, tComma, tColon
	t[0] = tEnd
	t[' '], t['\t'], t['\n'], t['\r'] = tWhitespace, tWhitespace, tWhitespace, tWhitespace
	for _, c := range "fiInNt\"+-0123456789" {
		t[c] = tUnknown
	}
	return t
}()

var jsonUnescapes = func() (u [256]byte) {
	u['"'], u['\\'], u['/'], u['b'], u['t'], u['n'], u['f'], u['r'], u['u'] = '"', '\\', '/', '\b', '\t', '\n', '\f', '\r', 'u'
	return u
}()

type token struct {
	typ   jsonToken
	index int
	str   string // T_STRING value, or T_ERROR reason
	num   float64
	b     bool
}

type jsonDecoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	data  string
	ptr   int
	depth int
	slots int
	tmp   []byte
	// keys and vals hold the members of the open objects and arrays.
	keys []string
	vals []lua.LValue
}

// at is the byte at i, or NUL past the end (lua-cjson reads a C string).
func (d *jsonDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (c *cjsonConfig) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	s := checkLString(L, 1)
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		raise(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	d := jsonDecoder{L: L, cfg: c, data: s, slots: 1}
	var tok token
	d.next(&tok)
	v := d.value(&tok)
	d.next(&tok)
	if tok.typ != tEnd {
		d.throw("the end", &tok)
	}
	L.Push(v)
	return 1
}

func (d *jsonDecoder) setError(tok *token, reason string) {
	tok.typ = tError
	tok.index = d.ptr
	tok.str = reason
}

func (d *jsonDecoder) throw(expected string, tok *token) {
	found := jsonTokenNames[tok.typ]
	if tok.typ == tError {
		found = tok.str
	}
	raise(d.L, "Expected %s but found %s at character %d", expected, found, tok.index+1)
}

func (d *jsonDecoder) next(tok *token) {
	var ch byte
	for {
		ch = d.at(d.ptr)
		tok.typ = jsonCharTokens[ch]
		if tok.typ != tWhitespace {
			break
		}
		d.ptr++
	}
	tok.index = d.ptr
	switch tok.typ {
	case tError:
		d.setError(tok, "invalid token")
		return
	case tEnd:
		return
	case tUnknown:
	default:
		d.ptr++
		return
	}
	rest := d.data[d.ptr:]
	switch {
	case ch == '"':
		d.stringToken(tok)
	case ch == '-' || isDigit(ch):
		if d.cfg.decodeInvalid == 0 && d.invalidNumber() {
			d.setError(tok, "invalid number")
			return
		}
		d.numberToken(tok)
	case len(rest) >= 4 && rest[:4] == "true":
		tok.typ, tok.b = tBoolean, true
		d.ptr += 4
	case len(rest) >= 5 && rest[:5] == "false":
		tok.typ, tok.b = tBoolean, false
		d.ptr += 5
	case len(rest) >= 4 && rest[:4] == "null":
		tok.typ = tNull
		d.ptr += 4
	case d.cfg.decodeInvalid != 0 && d.invalidNumber():
		d.numberToken(tok)
	default:
		d.setError(tok, "invalid token")
	}
}

// invalidNumber is json_is_invalid_number: forms strtod accepts that strict
// JSON does not (+, hex, leading zeros, inf, nan).
func (d *jsonDecoder) invalidNumber() bool {
	p := d.ptr
	if d.at(p) == '+' {
		return true
	}
	if d.at(p) == '-' {
		p++
	}
	if c := d.at(p); c == '0' {
		c2 := d.at(p + 1)
		return c2|0x20 == 'x' || isDigit(c2)
	} else if c <= '9' {
		return false
	}
	rest := d.data[p:]
	return hasPrefixFold(rest, "inf") || hasPrefixFold(rest, "nan")
}

func (d *jsonDecoder) numberToken(tok *token) {
	tok.typ = tNumber
	// strtod stops at a NUL byte, as the C string ends there.
	end := len(d.data)
	for i := d.ptr; i < len(d.data); i++ {
		if d.data[i] == 0 {
			end = i
			break
		}
	}
	f, n := strtod(d.data[:end], d.ptr)
	if n == d.ptr {
		d.setError(tok, "invalid number")
		return
	}
	tok.num = f
	d.ptr = n
}

func (d *jsonDecoder) stringToken(tok *token) {
	d.ptr++ // the opening quote
	d.tmp = d.tmp[:0]
	for {
		ch := d.at(d.ptr)
		if ch == '"' {
			break
		}
		if ch == 0 {
			d.setError(tok, "unexpected end of string")
			return
		}
		if ch == '\\' {
			ch = jsonUnescapes[d.at(d.ptr+1)]
			if ch == 'u' {
				if d.unicodeEscape() {
					continue
				}
				d.setError(tok, "invalid unicode escape code")
				return
			}
			if ch == 0 {
				d.setError(tok, "invalid escape code")
				return
			}
			d.ptr++
		}
		d.tmp = append(d.tmp, ch)
		d.ptr++
	}
	d.ptr++ // the closing quote
	tok.typ = tString
	tok.str = string(d.tmp)
}

func (d *jsonDecoder) hex4(i int) int {
	v := 0
	for j := 0; j < 4; j++ {
		h := hexVal(d.at(i + j))
		if h < 0 {
			return -1
		}
		v = v<<4 | h
	}
	return v
}

// unicodeEscape decodes a \u escape of four hex digits (or a surrogate pair of them) at ptr into tmp as UTF-8.
func (d *jsonDecoder) unicodeEscape() bool {
	cp := d.hex4(d.ptr + 2)
	if cp < 0 {
		return false
	}
	escLen := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 {
			return false
		}
		if d.at(d.ptr+6) != '\\' || d.at(d.ptr+7) != 'u' {
			return false
		}
		low := d.hex4(d.ptr + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		escLen = 12
	}
	switch {
	case cp <= 0x7F:
		d.tmp = append(d.tmp, byte(cp))
	case cp <= 0x7FF:
		d.tmp = append(d.tmp, byte(cp>>6|0xC0), byte(cp&0x3F|0x80))
	case cp <= 0xFFFF:
		d.tmp = append(d.tmp, byte(cp>>12|0xE0), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	default:
		d.tmp = append(d.tmp, byte(cp>>18|0xF0), byte(cp>>12&0x3F|0x80), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	}
	d.ptr += escLen
	return true
}

// descend is json_decode_descend: the nesting limit, and Lua's C stack
// limit for the slots the C decoder would need.
func (d *jsonDecoder) descend(need int) {
	d.depth++
	if d.depth <= int(d.cfg.decodeMaxDepth) && d.slots+need <= luaMaxCStack {
		return
	}
	raise(d.L, "Found too many nested data structures (%d) at character %d", d.depth, d.ptr)
}

func (d *jsonDecoder) value(tok *token) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tObjBegin:
		return d.object()
	case tArrBegin:
		return d.array()
	case tNull:
		return d.cfg.null
	}
	d.throw("value", tok)
	return nil
}

func (d *jsonDecoder) object() lua.LValue {
	d.descend(3)
	d.slots += 2 // the table, then each key while its value is parsed
	// Members are collected first, so that the table is created at its
	// final size (gopher-lua otherwise starts every map at 32 slots); they
	// are then set in document order, as lua-cjson sets them.
	base := len(d.vals)
	var tok token
	d.next(&tok)
	if tok.typ != tObjEnd {
		for {
			if tok.typ != tString {
				d.throw("object key string", &tok)
			}
			key := tok.str
			d.next(&tok)
			if tok.typ != tColon {
				d.throw("colon", &tok)
			}
			d.next(&tok)
			v := d.value(&tok)
			d.keys = append(d.keys, key)
			d.vals = append(d.vals, v)
			d.next(&tok)
			if tok.typ == tObjEnd {
				break
			}
			if tok.typ != tComma {
				d.throw("comma or object end", &tok)
			}
			d.next(&tok)
		}
	}
	n := len(d.vals) - base
	t := d.L.CreateTable(0, n)
	for i := 0; i < n; i++ {
		t.RawSetString(d.keys[base+i], d.vals[base+i])
		d.vals[base+i] = nil
	}
	d.keys, d.vals = d.keys[:base], d.vals[:base]
	d.depth--
	d.slots -= 2
	return t
}

func (d *jsonDecoder) array() lua.LValue {
	d.descend(2)
	d.slots++
	base := len(d.vals)
	var tok token
	d.next(&tok)
	if tok.typ != tArrEnd {
		for {
			v := d.value(&tok)
			d.vals = append(d.vals, v)
			d.keys = append(d.keys, "")
			d.next(&tok)
			if tok.typ == tArrEnd {
				break
			}
			if tok.typ != tComma {
				d.throw("comma or array end", &tok)
			}
			d.next(&tok)
		}
	}
	n := len(d.vals) - base
	t := d.L.CreateTable(n, 0)
	for i := 0; i < n; i++ {
		t.RawSetInt(i+1, d.vals[base+i])
		d.vals[base+i] = nil
	}
	d.keys, d.vals = d.keys[:base], d.vals[:base]
	d.depth--
	d.slots--
	return t
}
