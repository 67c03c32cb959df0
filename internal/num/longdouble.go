package num

import (
	"math/big"
)

// Redis's INCRBYFLOAT computes with C's long double, which on x86-64 is the
// x87 80-bit extended format: a 64-bit significand, exponents from -16382
// to 16383, subnormals down to 2^-16445. The helpers below reproduce that
// format exactly with math/big: values are *big.Float of precision 64 that
// are always rounded (to nearest, ties to even) onto the long double grid,
// so parsing (glibc's strtold), addition and printing ("%.17Lf") give the
// same bytes Redis does.

const (
	// ldMantBits is the long double significand width.
	ldMantBits = 64
	// ldMaxExp is the big.Float exponent (value = mant × 2^exp, mant in
	// [0.5, 1)) of the largest finite long double.
	ldMaxExp = 16384
	// ldMinQuantum is the exponent of the smallest subnormal long double.
	ldMinQuantum = -16445
	// MaxLongDoubleChars is the longest float argument Redis's string2ld
	// accepts, plus one (MAX_LONG_DOUBLE_CHARS).
	MaxLongDoubleChars = 5 * 1024
)

// ParseLongDouble parses b as a long double with the rules of Redis's
// string2ld: at most MaxLongDoubleChars-1 bytes, no leading whitespace, the
// whole string consumed by strtold (decimal or hexadecimal, inf/infinity),
// neither NaN nor a range error (overflow, or underflow to zero). The
// result may be an infinity.
func ParseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= MaxLongDoubleChars || IsSpace(b[0]) {
		return nil, false
	}
	neg := false
	body := b
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	if len(body) == 0 {
		return nil, false
	}
	if f, ok := parseSpecial(body); ok {
		if f != f { // NaN
			return nil, false
		}
		return new(big.Float).SetInf(neg), true
	}
	var mant *big.Int
	var exp2, exp10 int64
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		if ok, _ := validHex(body[2:]); !ok {
			return nil, false
		}
		mant, exp2 = splitHex(body[2:])
	} else {
		if !validDecimal(body) {
			return nil, false
		}
		mant, exp10 = splitDecimal(body)
	}
	x, ok := roundLongDouble(mant, exp2, exp10)
	if !ok {
		return nil, false
	}
	if neg {
		x.Neg(x)
	}
	return x, true
}

// expLimit bounds the exponents splitDecimal and splitHex report: far
// beyond any value that can round to a finite non-zero long double, yet
// small enough that adding digit counts cannot overflow.
const expLimit = 1 << 40

// addExp returns a+b clamped to ±expLimit.
func addExp(a, b int64) int64 {
	s := a + b
	return max(-expLimit, min(expLimit, s))
}

// parseExpDigits reads a decimal exponent (optional sign, digits),
// saturating at ±expLimit.
func parseExpDigits(b []byte) int64 {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	var e int64
	for _, c := range b {
		if e < expLimit {
			e = e*10 + int64(c-'0')
		}
	}
	e = min(e, expLimit)
	if neg {
		return -e
	}
	return e
}

// splitDecimal returns the digits of a valid decimal number (see
// validDecimal) as an integer and the power of ten that scales it.
func splitDecimal(b []byte) (*big.Int, int64) {
	digits := make([]byte, 0, len(b))
	var frac int64
	i := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		digits = append(digits, b[i])
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && isDigit(b[i]); i++ {
			digits = append(digits, b[i])
			frac++
		}
	}
	var exp int64
	if i < len(b) {
		exp = parseExpDigits(b[i+1:]) // after 'e'
	}
	mant, _ := new(big.Int).SetString(string(digits), 10)
	return mant, addExp(exp, -frac)
}

// splitHex returns the hex digits after "0x" of a valid hexadecimal float
// (see validHex) as an integer and the power of two that scales it.
func splitHex(b []byte) (*big.Int, int64) {
	digits := make([]byte, 0, len(b))
	var frac int64
	i := 0
	for ; i < len(b) && isHex(b[i]); i++ {
		digits = append(digits, b[i])
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && isHex(b[i]); i++ {
			digits = append(digits, b[i])
			frac++
		}
	}
	var exp int64
	if i < len(b) {
		exp = parseExpDigits(b[i+1:]) // after 'p'
	}
	mant, _ := new(big.Int).SetString(string(digits), 16)
	return mant, addExp(exp, -4*frac)
}

// roundLongDouble rounds mant × 2^exp2 × 10^exp10 (mant >= 0) to the
// nearest long double, ties to even. It reports false where strtold would
// set ERANGE and Redis rejects the value: overflow to infinity, or a
// non-zero value that rounds to zero.
func roundLongDouble(mant *big.Int, exp2, exp10 int64) (*big.Float, bool) {
	if mant.Sign() == 0 {
		return new(big.Float).SetPrec(ldMantBits), true
	}
	// Bound the magnitude before building exact rationals, so that absurd
	// exponents cost nothing. log2(10) < 3.33; the slack keeps borderline
	// values on the exact path.
	bits := int64(mant.BitLen()) + exp2
	lo10, hi10 := exp10*3, exp10*4 // exp10*log2(10) lies between these, ordered by sign
	if exp10 < 0 {
		lo10, hi10 = hi10, lo10
	}
	if bits+lo10 > ldMaxExp+8 {
		return nil, false // certainly above the largest long double
	}
	if bits+hi10 < ldMinQuantum-8 {
		return nil, false // certainly below half the smallest subnormal
	}
	num := new(big.Int).Set(mant)
	den := big.NewInt(1)
	ten := big.NewInt(10)
	if exp10 > 0 {
		num.Mul(num, new(big.Int).Exp(ten, big.NewInt(exp10), nil))
	} else if exp10 < 0 {
		den.Exp(ten, big.NewInt(-exp10), nil)
	}
	if exp2 > 0 {
		num.Lsh(num, uint(exp2))
	} else if exp2 < 0 {
		den.Lsh(den, uint(-exp2))
	}
	return roundRat(num, den)
}

// roundRat rounds num/den (both positive) onto the long double grid.
func roundRat(num, den *big.Int) (*big.Float, bool) {
	// e such that 2^(e-1) <= num/den < 2^e.
	e := int64(num.BitLen() - den.BitLen())
	if cmpShifted(num, den, e) >= 0 {
		e++
	}
	// The quantum: 64 significant bits, or the subnormal spacing.
	q := max(e-ldMantBits, ldMinQuantum)
	// n = round(num / (den × 2^q)), ties to even.
	n, d := new(big.Int).Set(num), new(big.Int).Set(den)
	if q > 0 {
		d.Lsh(d, uint(q))
	} else {
		n.Lsh(n, uint(-q))
	}
	quo, rem := n.QuoRem(n, d, new(big.Int))
	switch c := rem.Lsh(rem, 1).Cmp(d); {
	case c > 0, c == 0 && quo.Bit(0) == 1:
		quo.Add(quo, big.NewInt(1))
	}
	if quo.Sign() == 0 {
		return nil, false // underflow to zero
	}
	x := new(big.Float).SetPrec(ldMantBits).SetInt(quo) // exact: at most 2^64
	x.SetMantExp(x, int(q))
	if x.MantExp(nil) > ldMaxExp {
		return nil, false // rounded up to infinity
	}
	return x, true
}

// cmpShifted compares num with den × 2^e.
func cmpShifted(num, den *big.Int, e int64) int {
	if e >= 0 {
		return num.Cmp(new(big.Int).Lsh(den, uint(e)))
	}
	return new(big.Int).Lsh(num, uint(-e)).Cmp(den)
}

// AddLongDouble returns x+y computed in long double arithmetic. It reports
// false if the sum is NaN or infinite (either operand infinite, or
// overflow), the cases INCRBYFLOAT refuses.
func AddLongDouble(x, y *big.Float) (*big.Float, bool) {
	if x.IsInf() || y.IsInf() {
		return nil, false
	}
	// Both operands are multiples of 2^-16445, so a sum in the subnormal
	// range is exact; only the 64-bit rounding and overflow need care.
	z := new(big.Float).SetPrec(ldMantBits).SetMode(big.ToNearestEven).Add(x, y)
	if z.Sign() != 0 && z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return z, true
}

// AppendLongDoubleHuman appends x as Redis's ld2string in LD_STR_HUMAN mode
// prints a finite long double: "%.17Lf", then trailing zeros (and a bare
// '.') removed, and "-0" written "0".
func AppendLongDoubleHuman(dst []byte, x *big.Float) []byte {
	start := len(dst)
	dst = x.Append(dst, 'f', 17)
	end := len(dst)
	for dst[end-1] == '0' {
		end--
	}
	if dst[end-1] == '.' {
		end--
	}
	dst = dst[:end]
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
