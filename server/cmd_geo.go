package server

import (
	"math"
	"strconv"

	"github.com/kvdserver/kvd/internal/geohash"
	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

// The geo commands, like Redis's geo.c: points are members of a sorted set
// whose score is the 52-bit geohash of their position (internal/geohash).

var geoCommands = []*Command{
	{Name: "geoadd", Proc: geoaddCommand},
	{Name: "geopos", Proc: geoposCommand},
	{Name: "geodist", Proc: geodistCommand},
	{Name: "geohash", Proc: geohashCommand},
	{Name: "georadius", Proc: georadiusCommand},
	{Name: "georadius_ro", Proc: georadiusROCommand},
	{Name: "georadiusbymember", Proc: georadiusbymemberCommand},
	{Name: "georadiusbymember_ro", Proc: georadiusbymemberROCommand},
	{Name: "geosearch", Proc: geosearchCommand},
	{Name: "geosearchstore", Proc: geosearchstoreCommand},
}

// Error replies of the geo family.
const (
	errGeoUnit        = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoRadiusNum   = "ERR need numeric radius"
	errGeoRadiusNeg   = "ERR radius cannot be negative"
	errGeoWidthNum    = "ERR need numeric width"
	errGeoHeightNum   = "ERR need numeric height"
	errGeoBoxNeg      = "ERR height or width cannot be negative"
	errGeoMember      = "ERR could not decode requested zset member"
	errGeoCount       = "ERR COUNT must be > 0"
	errGeoAnyNoCount  = "ERR the ANY argument requires COUNT argument"
	errGeoStoreWithRd = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	errGeoStoreWithSs = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)

// ---- argument helpers ----

// geoFloatArg parses a number with getDoubleFromObjectOrReply's rules,
// replying msg (or Redis's default) if it is not one.
func (c *Ctx) geoFloatArg(b []byte, msg string) (float64, bool) {
	if msg == "" {
		return c.floatArg(b)
	}
	f, ok := num.ParseDouble(b)
	if !ok {
		c.replyError(msg)
	}
	return f, ok
}

// geoLonLat parses a longitude and a latitude, replying Redis's error if
// either is not a number or the pair is outside the geohash's limits.
func (c *Ctx) geoLonLat(lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = c.floatArg(lonArg); !ok {
		return
	}
	if lat, ok = c.floatArg(latArg); !ok {
		return
	}
	if lon < geohash.LonMin || lon > geohash.LonMax || lat < geohash.LatMin || lat > geohash.LatMax {
		c.replyError("ERR invalid longitude,latitude pair " + cFloatF(lon) + "," + cFloatF(lat))
		return 0, 0, false
	}
	return lon, lat, true
}

// cFloatF formats f as C's printf "%f" does.
func cFloatF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoUnit returns the metres in one unit named by arg (m, km, ft, mi, in
// any case), replying Redis's error for another one.
func (c *Ctx) geoUnit(arg []byte) (float64, bool) {
	switch {
	case isOpt(arg, "m"):
		return 1, true
	case isOpt(arg, "km"):
		return 1000, true
	case isOpt(arg, "ft"):
		return 0.3048, true
	case isOpt(arg, "mi"):
		return 1609.34, true
	}
	c.replyError(errGeoUnit)
	return 0, false
}

// geoRadiusArgs parses "radius unit" into the shape.
func (c *Ctx) geoRadiusArgs(s *geohash.Shape, argv [][]byte) bool {
	r, ok := c.geoFloatArg(argv[0], errGeoRadiusNum)
	if !ok {
		return false
	}
	if r < 0 {
		c.replyError(errGeoRadiusNeg)
		return false
	}
	conv, ok := c.geoUnit(argv[1])
	if !ok {
		return false
	}
	s.Box, s.Radius, s.Conversion = false, r, conv
	return true
}

// geoBoxArgs parses "width height unit" into the shape.
func (c *Ctx) geoBoxArgs(s *geohash.Shape, argv [][]byte) bool {
	w, ok := c.geoFloatArg(argv[0], errGeoWidthNum)
	if !ok {
		return false
	}
	h, ok := c.geoFloatArg(argv[1], errGeoHeightNum)
	if !ok {
		return false
	}
	if h < 0 || w < 0 {
		c.replyError(errGeoBoxNeg)
		return false
	}
	conv, ok := c.geoUnit(argv[2])
	if !ok {
		return false
	}
	s.Box, s.Width, s.Height, s.Conversion = true, w, h, conv
	return true
}

// appendGeoCoord appends a coordinate as Redis's addReplyHumanLongDouble
// writes it: 17 decimals, trailing zeros (and a bare point) dropped.
func appendGeoCoord(dst []byte, f float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 17, 64)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if len(dst)-start == 2 && dst[start] == '-' && dst[start+1] == '0' {
		dst = append(dst[:start], '0')
	}
	return dst
}

// replyGeoCoord replies one coordinate: a bulk string in RESP2, a double
// in RESP3.
func (c *Ctx) replyGeoCoord(f float64) {
	var buf [48]byte
	s := appendGeoCoord(buf[:0], f)
	if c.proto >= 3 {
		b := append(c.reserve(len(s)+3), ',')
		b = append(b, s...)
		c.out = append(b, '\r', '\n')
		return
	}
	c.replyBulk(s)
}

// replyGeoDist replies a distance as Redis 7.0's addReplyDoubleDistance
// does, as a bulk string in either protocol: four decimals, by its
// fixedpoint_d2string (the distance times 10^4 rounded half to even, which
// differs from printf's "%.4f" at exact halves of the product).
func (c *Ctx) replyGeoDist(d float64) {
	var buf [32]byte
	c.replyBulk(appendFixed4(buf[:0], d))
}

// appendFixed4 appends d with four decimals the way fixedpoint_d2string
// does: llrint(d·10^4) (whose x86 answer out of range is the smallest
// int64), then the digits.
func appendFixed4(dst []byte, d float64) []byte {
	if d == 0 {
		return append(dst, "0.0000"...)
	}
	r := math.RoundToEven(d * 1e4)
	var u uint64
	switch {
	case !(r >= -9223372036854775808.0 && r < 9223372036854775808.0):
		u = 1 << 63 // llrint's "indefinite" LLONG_MIN
		dst = append(dst, '-')
	case r < 0:
		u = uint64(-int64(r))
		dst = append(dst, '-')
	default:
		u = uint64(int64(r))
	}
	dst = strconv.AppendUint(dst, u/10000, 10)
	frac := u % 10000
	return append(dst, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
}

// ---- GEOADD ----

// bZaddLower is the command GEOADD propagates as: lower case, as Redis
// writes it.
var bZaddLower = []byte("zadd")

// geoaddCommand implements GEOADD key [NX|XX] [CH] lon lat member ...:
// every position is checked, then the points are added as ZADD adds
// scores, and propagated as the ZADD Redis rewrites it to.
func geoaddCommand(c *Ctx) {
	argv := c.argv
	key := argv[1]
	var flags store.ZAddFlags
	ch := false
	idx := 2
	for ; idx < len(argv); idx++ {
		if opt := argv[idx]; isOpt(opt, "nx") {
			flags |= store.ZAddNX
		} else if isOpt(opt, "xx") {
			flags |= store.ZAddXX
		} else if isOpt(opt, "ch") {
			ch = true
		} else {
			break
		}
	}
	nx, xx := flags&store.ZAddNX != 0, flags&store.ZAddXX != 0
	if (len(argv)-idx)%3 != 0 || nx && xx || len(argv) == idx {
		c.replyError(errSyntax)
		return
	}
	n := (len(argv) - idx) / 3
	var buf [8]uint64
	scores := buf[:0]
	for j := 0; j < n; j++ {
		lon, lat, ok := c.geoLonLat(argv[idx+3*j], argv[idx+3*j+1])
		if !ok {
			return
		}
		s, _ := geohash.EncodeScore(lon, lat)
		scores = append(scores, s)
	}
	e, found, ok := c.lookupTypeWrite(key, store.TypeZSet)
	if !ok {
		return
	}
	var added, updated int64
	if found || !xx {
		var z *store.ZSet
		if found {
			z = e.ZSet()
		} else {
			z = store.NewZSet()
		}
		lim := c.zsetLimits()
		for j, s := range scores {
			res, _ := z.Add(argv[idx+3*j+2], float64(s), flags, lim)
			if res&store.ZAddAdded != 0 {
				added++
			}
			if res&store.ZAddUpdated != 0 {
				updated++
			}
		}
		if !found && z.Len() > 0 {
			c.db.SetZSet(key, z, c.now)
		}
	}
	if ch {
		c.replyInt(added + updated)
	} else {
		c.replyInt(added)
	}
	if added == 0 && updated == 0 {
		c.noChange()
		return
	}
	c.notify(notifyZSet, "zadd", key)
	if c.propagating() {
		rw := make([][]byte, 0, idx+2*n)
		rw = append(rw, bZaddLower)
		rw = append(rw, argv[1:idx]...)
		for j, s := range scores {
			rw = append(rw, strconv.AppendUint(nil, s, 10), argv[idx+3*j+2])
		}
		c.propagate(rw...)
	}
}

// ---- GEOPOS, GEODIST, GEOHASH ----

func geoposCommand(c *Ctx) {
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	c.replyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		var score float64
		found := false
		if z != nil {
			score, found = z.Score(m)
		}
		if !found {
			c.replyNullArray()
			continue
		}
		lon, lat := geohash.DecodeScore(score)
		c.replyArray(2)
		c.replyGeoCoord(lon)
		c.replyGeoCoord(lat)
	}
}

func geodistCommand(c *Ctx) {
	conv := 1.0
	if len(c.argv) == 5 {
		var ok bool
		if conv, ok = c.geoUnit(c.argv[4]); !ok {
			return
		}
	} else if len(c.argv) > 5 {
		c.replyError(errSyntax)
		return
	}
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.replyNull()
		return
	}
	s1, ok1 := z.Score(c.argv[2])
	s2, ok2 := z.Score(c.argv[3])
	if !ok1 || !ok2 {
		c.replyNull()
		return
	}
	lon1, lat1 := geohash.DecodeScore(s1)
	lon2, lat2 := geohash.DecodeScore(s2)
	c.replyGeoDist(geohash.Distance(lon1, lat1, lon2, lat2) / conv)
}

func geohashCommand(c *Ctx) {
	z, ok := c.lookupZSet(c.argv[1])
	if !ok {
		return
	}
	c.replyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		var score float64
		found := false
		if z != nil {
			score, found = z.Score(m)
		}
		if !found {
			c.replyNull()
			continue
		}
		h := geohash.String(score)
		c.replyBulk(h[:])
	}
}
