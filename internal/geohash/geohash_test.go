package geohash

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// human formats a coordinate as Redis's GEOPOS does: 17 decimals, trailing
// zeros dropped.
func human(f float64) string {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// The values of Redis's documentation (GEOADD, GEOPOS, GEODIST, GEOHASH,
// GEORADIUS pages) for Palermo and Catania.
func TestRedisDocValues(t *testing.T) {
	tests := []struct {
		name            string
		lon, lat        float64
		score           uint64
		hash            string
		posLon, posLat  string
		distFrom15x37km string
	}{
		{"Palermo", 13.361389, 38.115556, 3479099956230698, "sqc8b49rny0", "13.36138933897018433", "38.11555639549629859", "190.4424"},
		{"Catania", 15.087269, 37.502669, 3479447370796909, "sqdtr74hyu0", "15.08726745843887329", "37.50266842333162032", "56.4413"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			score, ok := EncodeScore(tt.lon, tt.lat)
			if !ok || score != tt.score {
				t.Fatalf("EncodeScore = %d, %v; want %d", score, ok, tt.score)
			}
			if h := String(float64(score)); string(h[:]) != tt.hash {
				t.Errorf("String = %s, want %s", h, tt.hash)
			}
			lon, lat := DecodeScore(float64(score))
			if human(lon) != tt.posLon || human(lat) != tt.posLat {
				t.Errorf("DecodeScore = %s %s, want %s %s", human(lon), human(lat), tt.posLon, tt.posLat)
			}
			d := Distance(15, 37, lon, lat) / 1000
			if got := fmt.Sprintf("%.4f", d); got != tt.distFrom15x37km {
				t.Errorf("distance from 15,37 = %s km, want %s", got, tt.distFrom15x37km)
			}
		})
	}
	p1, p2 := uint64(3479099956230698), uint64(3479447370796909)
	lon1, lat1 := DecodeScore(float64(p1))
	lon2, lat2 := DecodeScore(float64(p2))
	d := Distance(lon1, lat1, lon2, lat2)
	for _, u := range []struct {
		conv float64
		want string
	}{{1, "166274.1516"}, {1000, "166.2742"}, {1609.34, "103.3182"}} {
		if got := fmt.Sprintf("%.4f", d/u.conv); got != u.want {
			t.Errorf("GEODIST / %v = %s, want %s", u.conv, got, u.want)
		}
	}
}

func TestEncodeLimits(t *testing.T) {
	tests := []struct {
		lon, lat float64
		ok       bool
	}{
		{0, 0, true},
		{180, 85.05112878, true},
		{-180, -85.05112878, true},
		{180.0000001, 0, false},
		{0, 85.05112879, false},
		{0, -86, false},
	}
	for _, tt := range tests {
		if _, ok := EncodeScore(tt.lon, tt.lat); ok != tt.ok {
			t.Errorf("EncodeScore(%v, %v) ok = %v, want %v", tt.lon, tt.lat, ok, tt.ok)
		}
	}
}

// Encoding then decoding lands within half a cell of the point.
func TestRoundTrip(t *testing.T) {
	for lon := -180.0; lon <= 180; lon += 7.3 {
		for lat := -85.0; lat <= 85; lat += 3.1 {
			s, ok := EncodeScore(lon, lat)
			if !ok {
				t.Fatalf("EncodeScore(%v, %v) failed", lon, lat)
			}
			dlon, dlat := DecodeScore(float64(s))
			if math.Abs(dlon-lon) > 360.0/(1<<26) || math.Abs(dlat-lat) > 171.0/(1<<26) {
				t.Errorf("(%v, %v) decoded to (%v, %v)", lon, lat, dlon, dlat)
			}
		}
	}
}

func TestNeighbours(t *testing.T) {
	h, _ := EncodeWGS84(13.361389, 38.115556, 10)
	a, _ := DecodeWGS84(h)
	nb := NeighboursOf(h)
	check := func(name string, n Bits, dlon, dlat float64) {
		t.Helper()
		na, _ := DecodeWGS84(n)
		w, hgt := a.Lon.Max-a.Lon.Min, a.Lat.Max-a.Lat.Min
		if math.Abs(na.Lon.Min-(a.Lon.Min+dlon*w)) > 1e-9 || math.Abs(na.Lat.Min-(a.Lat.Min+dlat*hgt)) > 1e-9 {
			t.Errorf("%s: cell at %v,%v, want offset %v,%v from %v,%v", name, na.Lon.Min, na.Lat.Min, dlon, dlat, a.Lon.Min, a.Lat.Min)
		}
	}
	check("north", nb.North, 0, 1)
	check("south", nb.South, 0, -1)
	check("east", nb.East, 1, 0)
	check("west", nb.West, -1, 0)
	check("north-east", nb.NorthEast, 1, 1)
	check("south-west", nb.SouthWest, -1, -1)
	// The longitude wraps around the antimeridian.
	e, _ := EncodeWGS84(179.99, 0, 8)
	ea, _ := DecodeWGS84(NeighboursOf(e).East)
	if ea.Lon.Min != -180 {
		t.Errorf("east of 179.99 starts at %v, want -180", ea.Lon.Min)
	}
}

func TestEstimateSteps(t *testing.T) {
	tests := []struct {
		r, lat float64
		want   uint8
	}{
		{0, 0, 26},
		{1, 0, 24},
		{1000, 0, 14},
		{1000, 70, 13},
		{1000, -81, 12},
		{5000e3, 0, 2},
		{10000e3, 0, 1},
		{math.Inf(1), 0, 1},
	}
	for _, tt := range tests {
		if got := EstimateSteps(tt.r, tt.lat); got != tt.want {
			t.Errorf("EstimateSteps(%v, %v) = %d, want %d", tt.r, tt.lat, got, tt.want)
		}
	}
}

func TestScoreBits(t *testing.T) {
	tests := []struct {
		f    float64
		want uint64
	}{
		{0, 0},
		{3.9, 3},
		{-1, math.MaxUint64},
		{1 << 63, 1 << 63},
		{1 << 64, 0},
		{math.Inf(1), 0},
		{math.Inf(-1), 1 << 63},
	}
	for _, tt := range tests {
		if got := ScoreBits(tt.f); got != tt.want {
			t.Errorf("ScoreBits(%v) = %#x, want %#x", tt.f, got, tt.want)
		}
	}
}

func TestShapeContains(t *testing.T) {
	c := Shape{Lon: 15, Lat: 37, Radius: 200, Conversion: 1000}
	if d, _, ok := c.Contains(13.36138933897018433, 38.11555639549629859); !ok || fmt.Sprintf("%.4f", d/1000) != "190.4424" {
		t.Errorf("circle: %v %v", d, ok)
	}
	if _, _, ok := c.Contains(10, 37); ok {
		t.Errorf("circle contains a point 444 km away")
	}
	b := Shape{Lon: 15, Lat: 37, Box: true, Width: 400, Height: 400, Conversion: 1000}
	if _, _, ok := b.Contains(13.36138933897018433, 38.11555639549629859); !ok {
		t.Errorf("box misses Palermo")
	}
	if _, _, ok := b.Contains(15, 39); ok {
		t.Errorf("box contains a point 222 km north")
	}
	cells := c.Cells()
	if cells[0].IsZero() {
		t.Errorf("no centre cell")
	}
}

func BenchmarkDistance(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Distance(13.361389, 38.115556, 15.087269, float64(i%80))
	}
}

func BenchmarkDecodeScore(b *testing.B) {
	for i := 0; i < b.N; i++ {
		DecodeScore(float64(3479099956230698 + i))
	}
}

func BenchmarkCells(b *testing.B) {
	s := Shape{Lon: 15, Lat: 37, Radius: 200, Conversion: 1000}
	for i := 0; i < b.N; i++ {
		s.Cells()
	}
}

func BenchmarkSin(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += Sin(float64(i%1000) * 0.001)
	}
	_ = s
}

func BenchmarkAsin(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += Asin(float64(i%1000) * 0.000999)
	}
	_ = s
}

func BenchmarkGoSin(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += math.Sin(float64(i%1000) * 0.001)
	}
	_ = s
}

// FastDistance stays within DistanceTolerance of Distance, antipodes
// included.
func TestFastDistance(t *testing.T) {
	for lon := -180.0; lon <= 180; lon += 13.7 {
		for lat := -85.0; lat <= 85; lat += 9.3 {
			for _, p := range [][2]float64{{lon + 180, -lat}, {lon + 179.9999, -lat}, {lon + 1, lat}, {0, 0}} {
				d, f := Distance(lon, lat, p[0], p[1]), FastDistance(lon, lat, p[0], p[1])
				if math.Abs(d-f) > d*DistanceTolerance/100 {
					t.Errorf("(%v,%v)-(%v,%v): Distance %v, FastDistance %v", lon, lat, p[0], p[1], d, f)
				}
			}
		}
	}
}

// The trigonometric functions are correctly rounded: compare with
// math/big evaluations of their series on a sample.
func TestTrigRounding(t *testing.T) {
	for i := 1; i < 2000; i++ {
		x := float64(i) * 0.0007853
		for _, f := range []struct {
			name     string
			got, ref float64
		}{
			{"sin", Sin(x), bigSin(x)}, {"cos", Cos(x), bigCos(x)}, {"sin-neg", Sin(-x), -bigSin(x)},
		} {
			if f.got != f.ref {
				t.Fatalf("%s(%v) = %v, want %v", f.name, x, f.got, f.ref)
			}
		}
		if y := float64(i) / 2000; Sin(Asin(y)) != y && math.Abs(Asin(y)-math.Asin(y)) > 4e-16 {
			t.Fatalf("asin(%v) = %v, Go says %v", y, Asin(y), math.Asin(y))
		}
	}
}

// bigSin and bigCos sum the Taylor series in 200-bit floats.
func bigSin(x float64) float64 { return bigSeries(x, 1) }
func bigCos(x float64) float64 { return bigSeries(x, 0) }

func bigSeries(x float64, first int) float64 {
	const prec = 200
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	x2 := new(big.Float).SetPrec(prec).Mul(bx, bx)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	if first == 1 {
		term.Set(bx)
	}
	sum := new(big.Float).SetPrec(prec).Set(term)
	for n := first; n < first+80; n += 2 {
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64((n+1)*(n+2))))
		term.Neg(term)
		sum.Add(sum, term)
	}
	f, _ := sum.Float64()
	return f
}

// BenchmarkContains tests points around a 100 km circle, about half
// inside; BenchmarkContainsByDistance does it by FastDistance alone.
func BenchmarkContains(b *testing.B) {
	s := Shape{Lon: 13.4, Lat: 52.5, Radius: 100, Conversion: 1000}
	for i := 0; i < b.N; i++ {
		s.Contains(13.4+float64(i%100)*0.03-1.5, 52.5+float64(i%77)*0.025-1)
	}
}

func BenchmarkContainsByDistance(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = FastDistance(13.4, 52.5, 13.4+float64(i%100)*0.03-1.5, 52.5+float64(i%77)*0.025-1) <= 100000
	}
}
