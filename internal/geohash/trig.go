package geohash

import (
	"math"
	"math/big"
)

// Correctly rounded sin, cos and asin.
//
// Redis computes distances with the C library's sin, cos and asin, which
// on glibc return the double nearest to the exact value in all but very
// rare cases; Go's math package is only faithful (within an ulp), and
// differs from glibc's answer in the last bit for 10 to 30% of the inputs,
// which shows in STOREDIST scores and could tip a point across a search's
// edge. These versions evaluate the functions in double-double arithmetic
// (about 100 bits) and round once, so that they return what glibc does.

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	return quickTwoSum(s.hi, s.lo+a.lo+b.lo)
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p) + (a.hi*b.lo + a.lo*b.hi)
	return quickTwoSum(p, e)
}

func ddMulF(a dd, b float64) dd {
	p := a.hi * b
	e := math.FMA(a.hi, b, -p) + a.lo*b
	return quickTwoSum(p, e)
}

func (a dd) float() float64 { return a.hi + a.lo }

// trigConsts are the series coefficients and π/2 in three parts, computed
// once from exact values.
type trigConsts struct {
	sinC  [12]dd // (-1)^k / (2k+1)!
	cosC  [13]dd // (-1)^k / (2k)!
	pio2  [3]float64
	twoPi float64 // 2/π
}

var trig = newTrigConsts()

func newTrigConsts() *trigConsts {
	const prec = 300
	t := &trigConsts{}
	split := func(x *big.Float) dd {
		hi, _ := x.Float64()
		r := new(big.Float).SetPrec(prec).Sub(x, big.NewFloat(hi).SetPrec(prec))
		lo, _ := r.Float64()
		return dd{hi, lo}
	}
	fact := new(big.Float).SetPrec(prec).SetInt64(1)
	for n := 1; n <= 26; n++ {
		fact.Mul(fact, new(big.Float).SetPrec(prec).SetInt64(int64(n)))
		inv := new(big.Float).SetPrec(prec).Quo(new(big.Float).SetPrec(prec).SetInt64(1), fact)
		if (n/2)%2 == 1 {
			inv.Neg(inv)
		}
		if n%2 == 1 && n/2 < len(t.sinC) {
			t.sinC[n/2] = split(inv)
		} else if n%2 == 0 && n/2 < len(t.cosC) {
			t.cosC[n/2] = split(inv)
		}
	}
	t.cosC[0] = dd{1, 0}
	pi, _, _ := big.ParseFloat("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798", 10, prec, big.ToNearestEven)
	rest := new(big.Float).SetPrec(prec).Quo(pi, big.NewFloat(2))
	for i := range t.pio2 {
		t.pio2[i], _ = rest.Float64()
		rest.Sub(rest, big.NewFloat(t.pio2[i]).SetPrec(prec))
	}
	t.twoPi = 2 / math.Pi
	return t
}

// ddTerms is how many of the series' leading coefficients are summed in
// double-double; the smaller terms after them (below 4e-7 of the sum for
// |r| <= π/4) are summed in plain doubles, whose error then stays below
// 2^-74 of the result.
const ddTerms = 4

// series returns c[0] + c[1]·r2 + c[2]·r2² + ...
func series(c []dd, r2 dd) dd {
	t := c[len(c)-1].hi
	for k := len(c) - 2; k >= ddTerms; k-- {
		t = t*r2.hi + c[k].hi
	}
	s := dd{t, 0}
	for k := ddTerms - 1; k >= 0; k-- {
		s = ddAdd(ddMul(s, r2), c[k])
	}
	return s
}

// sinSeries returns sin(r) for |r| <= π/4.
func sinSeries(r dd) dd { return ddMul(series(trig.sinC[:], ddMul(r, r)), r) }

// cosSeries returns cos(r) for |r| <= π/4.
func cosSeries(r dd) dd { return series(trig.cosC[:], ddMul(r, r)) }

// reduce returns r = x - k·π/2 with |r| <= π/4 (about), and k mod 4.
func reduce(x float64) (dd, int) {
	if math.Abs(x) <= math.Pi/4 {
		return dd{x, 0}, 0
	}
	k := math.RoundToEven(x * trig.twoPi)
	r := dd{x, 0}
	for _, p := range trig.pio2 {
		hi := k * p
		r = ddAdd(r, dd{-hi, -math.FMA(k, p, -hi)})
	}
	return r, int(int64(k) & 3)
}

// trigLimit bounds the arguments reduced here; beyond it (never reached by
// the geo commands' distances) Go's own functions answer.
const trigLimit = 1 << 20

// Sin returns sin(x), correctly rounded.
func Sin(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > trigLimit {
		return math.Sin(x)
	}
	r, q := reduce(x)
	switch q {
	case 0:
		return sinSeries(r).float()
	case 1:
		return cosSeries(r).float()
	case 2:
		return -sinSeries(r).float()
	}
	return -cosSeries(r).float()
}

// Cos returns cos(x), correctly rounded.
func Cos(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > trigLimit {
		return math.Cos(x)
	}
	r, q := reduce(x)
	switch q {
	case 0:
		return cosSeries(r).float()
	case 1:
		return -sinSeries(r).float()
	case 2:
		return -cosSeries(r).float()
	}
	return sinSeries(r).float()
}

// asinDD returns asin(z) for 0 <= z <= 0.75 as a double-double: Go's
// estimate corrected by one Newton step in double-double.
func asinDD(z dd) dd {
	y0 := math.Asin(z.hi)
	s := sinSeries(dd{y0, 0})
	diff := ddAdd(z, dd{-s.hi, -s.lo}).float()
	return twoSum(y0, diff/math.Cos(y0))
}

// Asin returns asin(x), correctly rounded.
func Asin(x float64) float64 {
	a := math.Abs(x)
	if !(a <= 1) || a < 1e-8 {
		return math.Asin(x) // NaN, beyond ±1, or where asin(x) rounds to x
	}
	var y dd
	if a <= 0.5 {
		y = asinDD(dd{a, 0})
	} else {
		// asin(a) = π/2 - 2·asin(sqrt((1-a)/2)), well conditioned up to 1.
		t := (1 - a) / 2 // exact
		s0 := math.Sqrt(t)
		s := dd{s0, 0}
		if s0 != 0 {
			s = quickTwoSum(s0, math.FMA(-s0, s0, t)/(2*s0))
		}
		h := asinDD(s)
		y = ddAdd(dd{trig.pio2[0], trig.pio2[1]}, dd{-2 * h.hi, -2 * h.lo})
	}
	if x < 0 {
		return -y.float()
	}
	return y.float()
}
