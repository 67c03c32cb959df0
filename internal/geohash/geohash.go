// Package geohash is the 52-bit geohash Redis's geo commands store as
// sorted-set scores: longitude and latitude each cut into 2^26 steps and
// their bits interleaved (latitude in the even bits, longitude in the odd
// ones), on the Web-Mercator latitude range ±85.05112878.
//
// It also holds what the search commands need around it: decoding a score
// to the centre of its cell, the eight neighbours of a cell, the choice of
// cell size for a search area (Redis's estimation, then the nine cells),
// the haversine distance on Redis's Earth radius, and the 11-character
// base32 string GEOHASH replies (computed on the standard -90..90 range).
//
// The arithmetic follows Redis 7.0's step by step, in the same order, so
// that coordinates and distances come out bit for bit the same.
package geohash

import "math"

// The coordinate limits, the precision and the Earth model Redis uses.
const (
	LonMin = -180.0
	LonMax = 180.0
	LatMin = -85.05112878
	LatMax = 85.05112878

	// StepMax is the number of bits per coordinate of a stored score.
	StepMax = 26

	// EarthRadius is the radius, in metres, of Redis's spherical Earth.
	EarthRadius = 6372797.560856

	// MercatorMax is half the Earth's circumference at the equator in
	// Web-Mercator metres, the start of the step estimation.
	MercatorMax = 20037726.37

	degToRad = math.Pi / 180.0
)

// Range is an interval of one coordinate.
type Range struct{ Min, Max float64 }

// The coordinate ranges of the stored hashes, and the standard ones of the
// GEOHASH string.
var (
	lonRange    = Range{LonMin, LonMax}
	latRange    = Range{LatMin, LatMax}
	stdLatRange = Range{-90, 90}
)

// Bits is a geohash of Step bits per coordinate. The zero value is "no
// cell" (a neighbour excluded from a search).
type Bits struct {
	Bits uint64
	Step uint8
}

// IsZero reports whether h is the zero value.
func (h Bits) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Align52 shifts h to the 52 bits of a stored score: the smallest score of
// a point inside the cell.
func (h Bits) Align52() uint64 { return h.Bits << (52 - 2*uint(h.Step)) }

// ScoreRange returns the scores [min, max) of the points inside cell h.
func (h Bits) ScoreRange() (min, max uint64) {
	min = h.Align52()
	h.Bits++
	return min, h.Align52()
}

// Area is a cell and the coordinates it covers.
type Area struct {
	Hash     Bits
	Lon, Lat Range
}

// spread moves the low 32 bits of v to the even bit positions.
func spread(v uint64) uint64 {
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// squeeze gathers the even bits of v into the low 32 bits.
func squeeze(v uint64) uint64 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	v = (v | v>>16) & 0x00000000FFFFFFFF
	return v
}

// Encode hashes a point to step bits per coordinate within the given
// ranges. It fails (ok == false) for a point outside Redis's limits or
// outside the ranges, or a step outside 1..32.
func Encode(lonR, latR Range, lon, lat float64, step uint8) (h Bits, ok bool) {
	if step == 0 || step > 32 || latR.Max == 0 && latR.Min == 0 || lonR.Max == 0 && lonR.Min == 0 {
		return Bits{}, false
	}
	if lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin {
		return Bits{}, false
	}
	if lat < latR.Min || lat > latR.Max || lon < lonR.Min || lon > lonR.Max {
		return Bits{Step: step}, false
	}
	latOff := (lat - latR.Min) / (latR.Max - latR.Min)
	lonOff := (lon - lonR.Min) / (lonR.Max - lonR.Min)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	// The offsets are at most 2^step, so they fit the 32 bits C converts
	// them to.
	return Bits{Bits: spread(uint64(uint32(latOff))) | spread(uint64(uint32(lonOff)))<<1, Step: step}, true
}

// EncodeWGS84 hashes a point on the ranges of stored scores.
func EncodeWGS84(lon, lat float64, step uint8) (Bits, bool) {
	return Encode(lonRange, latRange, lon, lat, step)
}

// Decode returns the area cell h covers within the given ranges.
func Decode(lonR, latR Range, h Bits) (Area, bool) {
	if h.IsZero() || latR.Max == 0 && latR.Min == 0 || lonR.Max == 0 && lonR.Min == 0 {
		return Area{}, false
	}
	latScale := latR.Max - latR.Min
	lonScale := lonR.Max - lonR.Min
	ilat := uint32(squeeze(h.Bits))
	ilon := uint32(squeeze(h.Bits >> 1))
	div := float64(uint64(1) << h.Step)
	a := Area{Hash: h}
	a.Lat.Min = latR.Min + (float64(ilat)*1.0/div)*latScale
	a.Lat.Max = latR.Min + (float64(ilat+1)*1.0/div)*latScale // uint32 wrap, as in C
	a.Lon.Min = lonR.Min + (float64(ilon)*1.0/div)*lonScale
	a.Lon.Max = lonR.Min + (float64(ilon+1)*1.0/div)*lonScale
	return a, true
}

// DecodeWGS84 returns the area cell h covers on the ranges of stored
// scores.
func DecodeWGS84(h Bits) (Area, bool) { return Decode(lonRange, latRange, h) }

// Centre returns the centre of the area, clamped to Redis's limits.
func (a *Area) Centre() (lon, lat float64) {
	lon = (a.Lon.Min + a.Lon.Max) / 2
	lon = min(max(lon, LonMin), LonMax)
	lat = (a.Lat.Min + a.Lat.Max) / 2
	lat = min(max(lat, LatMin), LatMax)
	return lon, lat
}

// ScoreBits converts a sorted-set score to the integer hash as Redis's C
// cast (uint64_t)score does on x86-64: truncation, with the hardware's
// answers for the values out of range (any score can be in a sorted set).
func ScoreBits(score float64) uint64 {
	const two63 = 9223372036854775808.0
	if score >= two63 {
		score -= two63
		if score >= two63 || math.IsNaN(score) {
			return 0 // the "indefinite" 1<<63 with its top bit flipped
		}
		return uint64(int64(score)) ^ 1<<63
	}
	if score < -two63 || math.IsNaN(score) {
		return 1 << 63
	}
	return uint64(int64(score))
}

// DecodeScore returns the point a stored score stands for: the centre of
// its cell.
func DecodeScore(score float64) (lon, lat float64) {
	a, _ := DecodeWGS84(Bits{Bits: ScoreBits(score), Step: StepMax})
	return a.Centre()
}

// EncodeScore returns the score GEOADD stores for a point, and false if
// the point is outside Redis's limits.
func EncodeScore(lon, lat float64) (uint64, bool) {
	h, ok := EncodeWGS84(lon, lat, StepMax)
	if !ok {
		return 0, false
	}
	return h.Align52(), true
}

// moveX moves cell h one step east (d > 0) or west (d < 0), wrapping
// around the longitude range.
func (h *Bits) moveX(d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - 2*uint(h.Step))
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - 2*uint(h.Step))
	h.Bits = x | y
}

// moveY moves cell h one step north (d > 0) or south (d < 0).
func (h *Bits) moveY(d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - 2*uint(h.Step))
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - 2*uint(h.Step))
	h.Bits = x | y
}

// Neighbours are the eight cells around one.
type Neighbours struct {
	North, South, East, West                   Bits
	NorthEast, NorthWest, SouthEast, SouthWest Bits
}

// NeighboursOf returns the eight cells around h.
func NeighboursOf(h Bits) Neighbours {
	at := func(dx, dy int) Bits {
		n := h
		n.moveX(dx)
		n.moveY(dy)
		return n
	}
	return Neighbours{
		North: at(0, 1), South: at(0, -1), East: at(1, 0), West: at(-1, 0),
		NorthEast: at(1, 1), NorthWest: at(-1, 1), SouthEast: at(1, -1), SouthWest: at(-1, -1),
	}
}

// String returns the 11-character base32 geohash GEOHASH replies for a
// stored score: the point re-encoded on the standard latitude range
// -90..90, its 52 bits in ten characters and a last '0'.
func String(score float64) [11]byte {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := DecodeScore(score)
	h, _ := Encode(lonRange, stdLatRange, lon, lat, StepMax)
	var out [11]byte
	for i := 0; i < 10; i++ {
		out[i] = alphabet[(h.Bits>>(52-uint(i+1)*5))&0x1f]
	}
	out[10] = alphabet[0]
	return out
}

// Distance returns the great-circle distance in metres between two points
// (degrees), by the haversine formula on Redis's Earth radius, with
// correctly rounded sin, cos and asin (see trig.go) so that it returns
// Redis's value to the last bit (but for glibc's own rare misroundings).
// Like Redis 7.0, it takes a shortcut for points on one meridian.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := lon1 * degToRad
	lon2r := lon2 * degToRad
	v := Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return meridianDistance(lat1, lat2)
	}
	lat1r := lat1 * degToRad
	lat2r := lat2 * degToRad
	u := Sin((lat2r - lat1r) / 2)
	return 2.0 * EarthRadius * Asin(math.Sqrt(u*u+Cos(lat1r)*Cos(lat2r)*v*v))
}

// meridianDistance is the distance between two latitudes on one meridian.
func meridianDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(lat2*degToRad-lat1*degToRad)
}

// FastDistance is Distance with Go's own sin, cos and asin: ten times
// faster, within DistanceTolerance of it (relative).
func FastDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := lon1 * degToRad
	lon2r := lon2 * degToRad
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return meridianDistance(lat1, lat2)
	}
	lat1r := lat1 * degToRad
	lat2r := lat2 * degToRad
	u := math.Sin((lat2r - lat1r) / 2)
	return 2.0 * EarthRadius * math.Asin(math.Sqrt(u*u+math.Cos(lat1r)*math.Cos(lat2r)*v*v))
}

// DistanceTolerance bounds the relative difference between FastDistance
// and Distance, with a wide margin: a few ulps in the sum under the square
// root, amplified at most 1e8 times by asin near 1 (antipodal points).
const DistanceTolerance = 1e-6

// EstimateSteps returns the cell size (bits per coordinate) Redis starts
// from for a search reaching rangeMeters around a point at latitude lat:
// about a quarter of the range, coarser towards the poles.
func EstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return StepMax
	}
	step := 1
	for rangeMeters < MercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), StepMax))
}
