// Package num parses and formats numbers exactly the way Redis does.
//
// Redis is strict about integers (no "+" sign, no leading zeros, no
// whitespace) and lenient about floats (it uses the C library's strtod). The
// helpers here reproduce those rules so that kvd accepts and rejects the same
// arguments Redis does, and prints numbers with the same bytes.
package num

import (
	"math"
	"strconv"
)

// MaxInt64Len is the longest decimal representation of an int64 ("-9223372036854775808").
const MaxInt64Len = 20

// ParseInt parses b as a signed 64-bit decimal integer with the rules of
// Redis's string2ll: an optional '-', no '+', no leading zeros (except "0"
// itself), no "-0", no spaces, at most 20 bytes, no overflow.
func ParseInt(b []byte) (int64, bool) {
	n := len(b)
	if n == 0 || n > MaxInt64Len {
		return 0, false
	}
	if n == 1 && b[0] == '0' {
		return 0, true
	}
	i := 0
	neg := false
	if b[0] == '-' {
		neg = true
		i++
		if n == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// ParseIntString is ParseInt for a string.
func ParseIntString(s string) (int64, bool) {
	// The conversion does not allocate: the compiler sees that b does not escape.
	return ParseInt([]byte(s))
}

// AppendInt appends the decimal form of n.
func AppendInt(dst []byte, n int64) []byte {
	return strconv.AppendInt(dst, n, 10)
}

// IsSpace reports whether c is a C isspace() character.
func IsSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// FloatResult tells how ParseFloat's input relates to the float64 range.
type FloatResult int

// The results of ParseFloat.
const (
	FloatInvalid   FloatResult = iota // not a number strtod would accept whole
	FloatOK                           // a finite or infinite value, or NaN (see the value)
	FloatOverflow                     // strtod would set ERANGE and return ±HUGE_VAL
	FloatUnderflow                    // strtod would set ERANGE and return a zero
)

// ParseFloat parses b the way C's strtod does when the whole string must be
// consumed: optional leading whitespace, optional sign, a decimal or
// hexadecimal (0x, optional p exponent) number, or inf/infinity/nan/nan(...)
// in any case. It does not decide policy: callers check the result and NaN.
func ParseFloat(b []byte) (float64, FloatResult) {
	i := 0
	for i < len(b) && IsSpace(b[i]) {
		i++
	}
	start := i
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	body := b[i:]
	neg := i > start && b[start] == '-'
	if len(body) == 0 {
		return 0, FloatInvalid
	}
	if f, ok := parseSpecial(body); ok {
		if neg {
			f = -f
		}
		return f, FloatOK
	}
	var s string
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		ok, hasP := validHex(body[2:])
		if !ok {
			return 0, FloatInvalid
		}
		s = string(b[start:])
		if !hasP {
			s += "p0"
		}
	} else {
		if !validDecimal(body) {
			return 0, FloatInvalid
		}
		s = string(b[start:])
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, FloatOverflow
		}
		return 0, FloatInvalid
	}
	if f == 0 && hasNonZeroDigit(body) {
		return f, FloatUnderflow
	}
	return f, FloatOK
}

// parseSpecial recognises inf, infinity and nan (optionally nan(chars)).
func parseSpecial(b []byte) (float64, bool) {
	lower := func(c byte) byte {
		if c >= 'A' && c <= 'Z' {
			return c + 32
		}
		return c
	}
	eq := func(word string) bool {
		if len(b) != len(word) {
			return false
		}
		for i := range b {
			if lower(b[i]) != word[i] {
				return false
			}
		}
		return true
	}
	switch {
	case eq("inf"), eq("infinity"):
		return math.Inf(1), true
	case eq("nan"):
		return math.NaN(), true
	}
	if len(b) >= 5 && lower(b[0]) == 'n' && lower(b[1]) == 'a' && lower(b[2]) == 'n' && b[3] == '(' && b[len(b)-1] == ')' {
		for _, c := range b[4 : len(b)-1] {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
				return 0, false
			}
		}
		return math.NaN(), true
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// validDecimal checks digits [. digits] [e [sign] digits] with at least one mantissa digit.
func validDecimal(b []byte) bool {
	i, digits := 0, 0
	for i < len(b) && isDigit(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := 0
		for i < len(b) && isDigit(b[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(b)
}

// validHex checks the part after "0x": hexdigits [. hexdigits] [p [sign] digits].
func validHex(b []byte) (ok, hasP bool) {
	i, digits := 0, 0
	for i < len(b) && isHex(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isHex(b[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false, false
	}
	if i < len(b) && (b[i] == 'p' || b[i] == 'P') {
		hasP = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := 0
		for i < len(b) && isDigit(b[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false, false
		}
	}
	return i == len(b), hasP
}

func hasNonZeroDigit(b []byte) bool {
	hex := len(b) > 1 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')
	if hex {
		b = b[2:]
	}
	for _, c := range b {
		if !hex && (c == 'e' || c == 'E') || hex && (c == 'p' || c == 'P') {
			break
		}
		if c != '0' && c != '.' {
			return true
		}
	}
	return false
}

// ParseDouble parses a float argument with the rules of Redis's
// getDoubleFromObject: no leading space, the whole string consumed, no
// overflow, no underflow to zero and no NaN.
func ParseDouble(b []byte) (float64, bool) {
	if len(b) == 0 || IsSpace(b[0]) {
		return 0, false
	}
	f, r := ParseFloat(b)
	if r != FloatOK || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// AppendDouble appends f the way Redis 7.0 replies with a double: "%.17g",
// with "inf" and "-inf" for the infinities.
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
